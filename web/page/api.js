// Calls to the adlens service, with every failure turned into an ApiError whose
// `kind` the page shows as a state: `unreachable` (no answer), `loading` (503),
// `invalid` (4xx, e.g. the 422 for a too-long note), `server` (5xx).

/// A failed call: `kind`, the service's readable `message`, HTTP `status`
/// (0 when there was no answer) and its `errorType`.
export class ApiError extends Error {
  constructor(kind, message, status = 0, errorType = "") {
    super(message);
    this.kind = kind;
    this.status = status;
    this.errorType = errorType;
  }
}

function kindOf(status) {
  if (status === 503) return "loading";
  if (status >= 500) return "server";
  return "invalid";
}

async function call(path, init) {
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError("unreachable", String(e.message || e));
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    if (e.name === "AbortError") throw e;
  }
  if (resp.ok && data !== null) return data;
  const message = data && typeof data.error === "string" ? data.error : `HTTP ${resp.status}`;
  throw new ApiError(kindOf(resp.status), message, resp.status, data ? data.error_type : "");
}

/// POSTs `body` as JSON to `path`; resolves to the parsed answer.
export function postJson(path, body, signal) {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
}

/// `/v1/score` for one draft.
export function scoreNote(text, hasLink, signal) {
  return postJson("/v1/score", { text, has_link: hasLink }, signal);
}

/// `/v1/score/batch` for a list of `{id, text, has_link}` notes.
export function scoreBatch(notes, signal) {
  return postJson("/v1/score/batch", { notes }, signal);
}

/// `/info`: limits and model components.
export function info() {
  return call("/info", { method: "GET" });
}

/// `"ready"`, `"loading"` (503) or `"unreachable"`, from `/health`.
export async function health() {
  try {
    await call("/health", { method: "GET" });
    return "ready";
  } catch (e) {
    return e.kind === "loading" ? "loading" : "unreachable";
  }
}

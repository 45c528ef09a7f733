// Reading a brands' file into notes, cutting them into batch requests, and
// writing the scored rows back as CSV. The conventions are those of
// `adlens score` (src/batch/read.rs and write.rs): columns `text` (required),
// `id`, `has_link`; a row's line is where it starts (1-based, the CSV header is
// line 1); a bad row becomes an error row and reading goes on.

/// Columns adlens adds to every output row, in CSV order (as `adlens score`).
export const ADDED = [
  "ad_probability", "label", "link_cost", "label_required",
  "top_signals", "compliance", "error", "line",
];

const FIELDS = { text: "text", id: "id", link: "has_link" };

/// The has-link reading of `adlens score`: true, non-zero numbers, and the
/// strings true/1/yes/y/是 (any case, trimmed).
export function truthy(v) {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") {
    return ["true", "1", "yes", "y", "是"].includes(v.trim().toLowerCase());
  }
  return false;
}

function idOf(v) {
  if (typeof v === "string") return v === "" ? null : v;
  if (typeof v === "number") return String(v);
  return null;
}

/// Builds `{ line, fields, note }` or `{ line, fields, id, error }` from one
/// record's field map. The text itself (empty, too long) is judged by the
/// service, which answers with an error in that note's slot.
export function rowFromFields(line, fields) {
  const id = idOf(fields[FIELDS.id]);
  const text = fields[FIELDS.text];
  if (text === undefined) return { line, fields, id, error: `missing field \`${FIELDS.text}\`` };
  if (typeof text !== "string") {
    return { line, fields, id, error: `field \`${FIELDS.text}\` is not a string` };
  }
  return { line, fields, id, note: { id, text, has_link: truthy(fields[FIELDS.link]) } };
}

/// Splits CSV text into records: RFC 4180 quoting (commas, quotes doubled as
/// `""`, and line breaks inside quoted fields), CRLF or LF, a leading BOM
/// dropped, blank lines skipped. Each record is `{ line, cells }`, or
/// `{ line, error }` for a quoted field left open at the end of the file.
export function parseCsv(text) {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records = [];
  let cells = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let touched = false;
  const endRecord = () => {
    cells.push(cell);
    if (touched || cells.length > 1 || cell !== "") records.push({ line: start, cells });
    cells = [];
    cell = "";
    touched = false;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === "\n") line++;
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
      touched = true;
    } else if (c === ",") {
      cells.push(cell);
      cell = "";
      touched = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else {
      cell += c;
    }
  }
  if (quoted) {
    records.push({ line: start, error: "malformed CSV row: a quoted field is never closed" });
  } else {
    endRecord();
  }
  return records;
}

/// Reads a CSV file: `{ columns, rows }`. Throws when the header has no `text`
/// column (nothing could be scored).
export function readCsv(text) {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header || header.error) throw new Error("the file has no CSV header");
  const columns = header.cells.map((h) => h.trim());
  if (!columns.includes(FIELDS.text)) {
    throw new Error(
      `the CSV header has no \`${FIELDS.text}\` column (columns: ${columns.join(", ")})`,
    );
  }
  const rows = records.map((r) => {
    if (r.error) return { line: r.line, fields: {}, id: null, error: r.error };
    const fields = {};
    columns.forEach((col, i) => {
      if (i < r.cells.length) fields[col] = r.cells[i];
    });
    return rowFromFields(r.line, fields);
  });
  return { columns, rows };
}

/// Reads a JSONL file (one JSON object per non-blank line): `{ columns, rows }`
/// with the columns in order of first appearance.
export function readJsonl(text) {
  const columns = [];
  const rows = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const s = raw.replace(/\r$/, "").replace(/^\uFEFF/, "");
    if (s.trim() === "") return;
    const line = i + 1;
    let v;
    try {
      v = JSON.parse(s);
    } catch (e) {
      rows.push({ line, fields: {}, id: null, error: `invalid JSON: ${e.message}` });
      return;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      rows.push({ line, fields: {}, id: null, error: "not a JSON object" });
      return;
    }
    for (const k of Object.keys(v)) if (!columns.includes(k)) columns.push(k);
    rows.push(rowFromFields(line, v));
  });
  return { columns, rows };
}

/// Reads a file by its name (`.csv`, else JSONL for `.jsonl`/`.ndjson`/`.json`,
/// else by its first character: `{` means JSONL).
export function readFile(name, text) {
  const lower = name.toLowerCase();
  if (lower.endsWith(".csv")) return readCsv(text);
  if (/\.(jsonl|ndjson|json)$/.test(lower)) return readJsonl(text);
  return text.replace(/^\uFEFF/, "").trimStart().startsWith("{") ? readJsonl(text) : readCsv(text);
}

/// Cuts the rows that have a note into request chunks of at most `maxCount`
/// notes and about `maxBytes` of JSON; each chunk is a list of row indexes.
/// A single note larger than `maxBytes` goes alone (the service answers for it).
export function chunks(rows, maxCount, maxBytes) {
  const out = [];
  let cur = [];
  let bytes = 16;
  const enc = new TextEncoder();
  rows.forEach((row, i) => {
    if (!row.note) return;
    const size = enc.encode(JSON.stringify(row.note)).length + 1;
    if (cur.length > 0 && (cur.length >= maxCount || bytes + size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 16;
    }
    cur.push(i);
    bytes += size;
  });
  if (cur.length > 0) out.push(cur);
  return out;
}

/// One field of CSV: quoted when it holds a comma, quote or line break.
export function csvField(v) {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/// The added columns of a scored row, flattened as `adlens score` writes them.
export function scoreColumns(score) {
  const top = score.signals
    .filter((s) => s.weight > 0)
    .sort((a, b) => b.weight - a.weight)
    .slice(0, 5)
    .map((s) => `${s.kind}: ${s.text}`)
    .join("; ");
  return {
    ad_probability: round4(score.ad_probability),
    label: score.label,
    link_cost: round4(score.trust.link_cost.estimate),
    label_required: score.trust.label_required,
    top_signals: top,
    compliance: score.compliance.map((f) => `${f.code} (${f.rule})`).join("; "),
  };
}

function round4(x) {
  return Math.round(x * 10000) / 10000;
}

/// The whole table as CSV: the input columns, then the added ones. Each row is
/// `{ line, fields, score?, error? }`; error rows keep their input fields.
export function toCsv(columns, rows) {
  const cols = columns.filter((c) => !ADDED.includes(c)).concat(ADDED);
  const out = [cols.map(csvField).join(",")];
  for (const r of rows) {
    const added = r.score ? scoreColumns(r.score) : {};
    const all = { ...r.fields, ...added, error: r.error ?? "", line: r.line };
    const cell = (v) => (v !== null && typeof v === "object" ? JSON.stringify(v) : v);
    out.push(cols.map((c) => csvField(cell(all[c]))).join(","));
  }
  return out.join("\n") + "\n";
}

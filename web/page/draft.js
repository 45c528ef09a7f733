// The draft tab: live scoring as the creator types. Requests are debounced and
// a new keystroke aborts the one in flight, so only the latest text is shown.
// An error never touches the text area.

import { scoreNote } from "./api.js";
import { onLangChange, t } from "./i18n.js";
import {
  closeTip, renderFindings, renderGauge, renderMarked, renderSimilar, renderStrip, renderTrust,
} from "./result.js";

const DEBOUNCE_MS = 350;
const RETRY_MS = 3000;

/// Wires the draft tab. `limits()` gives the service limits once known.
export function initDraft(limits) {
  const $ = (id) => document.getElementById(id);
  const area = $("draft");
  const link = $("has-link");
  const state = $("draft-state");
  const result = $("result");
  const tip = $("tip");
  let timer = 0;
  let retry = 0;
  let inflight = null;
  let last = null; // { text, base, linked } of the last shown result

  const setState = (kind, message = "") => {
    state.dataset.state = kind;
    state.className = `state state-${kind}`;
    const lead = {
      empty: t("stateEmpty"),
      scoring: t("stateScoring"),
      too_long: t("stateTooLong"),
      invalid: t("stateInvalid"),
      unreachable: t("stateUnreachable"),
      loading: t("stateLoading"),
      busy: t("stateBusy"),
      server: t("stateServer"),
      ok: "",
    }[kind];
    state.textContent = `${lead}${message}`;
  };

  const updateCount = () => {
    const n = Array.from(area.value).length;
    const max = limits().max_chars;
    const count = $("count");
    count.textContent = max ? t("chars")(n, max) : "";
    count.classList.toggle("over", Boolean(max) && n > max);
  };

  const show = (text, base, linked) => {
    last = { text, base, linked };
    const main = linked ?? base;
    result.hidden = false;
    renderGauge($("gauge"), main);
    renderMarked($("marked"), $("mark-notes"), tip, text, main.signals);
    renderStrip($("strip-box"), $("strip"), main.segments, Array.from(text).length);
    renderTrust($("trust"), base, linked);
    renderFindings($("findings"), main.compliance);
    renderSimilar($("similar"), main.similar);
  };

  const run = async () => {
    clearTimeout(retry);
    if (inflight) inflight.abort();
    const text = area.value;
    if (text.trim() === "") {
      inflight = null;
      last = null;
      result.hidden = true;
      closeTip(tip);
      return setState("empty");
    }
    const ctl = new AbortController();
    inflight = ctl;
    setState("scoring");
    try {
      const wantLink = link.checked;
      const [base, linked] = await Promise.all([
        scoreNote(text, false, ctl.signal),
        wantLink ? scoreNote(text, true, ctl.signal) : Promise.resolve(null),
      ]);
      if (ctl.signal.aborted) return;
      closeTip(tip);
      show(text, base, linked);
      setState("ok");
    } catch (e) {
      if (e.name === "AbortError" || ctl.signal.aborted) return;
      result.hidden = true;
      closeTip(tip);
      if (e.kind === "invalid" && e.status !== 429) {
        const max = limits().max_chars;
        const over = e.status === 413 || (max && Array.from(text).length > max);
        setState(over ? "too_long" : "invalid", e.message);
      } else if (e.kind === "loading" || e.kind === "unreachable" || e.status === 429) {
        setState(e.status === 429 ? "busy" : e.kind);
        retry = setTimeout(run, RETRY_MS);
      } else {
        setState("server", e.message);
      }
    } finally {
      if (inflight === ctl) inflight = null;
    }
  };

  const schedule = () => {
    updateCount();
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  };

  area.addEventListener("input", schedule);
  link.addEventListener("change", () => {
    clearTimeout(timer);
    run();
  });
  onLangChange(() => {
    updateCount();
    if (last) show(last.text, last.base, last.linked);
    if (state.dataset.state === "empty") setState("empty");
  });
  updateCount();
  setState("empty");
  return { rescore: run, updateCount };
}

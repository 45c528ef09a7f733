// The brands' tab: a CSV or JSONL file read in the browser, its notes scored
// in chunks through `/v1/score/batch` one request at a time (progress bar),
// shown in a sortable table and downloadable as CSV.

import { scoreBatch } from "./api.js";
import { onLangChange, t } from "./i18n.js";
import { chunks, readFile, toCsv } from "./rows.js";
import { renderRows, sortRows, trim } from "./table.js";

const BACKOFF_MS = 1500;
const MAX_TRIES = 5;

/// Wires the brands' tab. `limits()` gives the service limits once known.
export function initBrand(limits) {
  const $ = (id) => document.getElementById(id);
  const drop = $("drop");
  const file = $("file");
  const state = $("batch-state");
  const bar = $("progress");
  const tools = $("batch-tools");
  const retryButton = $("batch-retry");
  let job = null; // { name, columns, rows, plan, next, ctl }
  let sort = { key: "line", dir: "asc" };
  const open = new Set();

  const say = (kind, text) => {
    state.dataset.state = kind;
    state.className = `state state-${kind}`;
    state.textContent = text;
  };

  const draw = () => {
    if (!job) return;
    renderRows($("rows-body"), sortRows(job.rows, sort.key, sort.dir), open, (line) => {
      if (open.has(line)) open.delete(line);
      else open.add(line);
      draw();
    });
    for (const th of document.querySelectorAll("#rows th[data-sort]")) {
      const on = th.dataset.sort === sort.key;
      th.setAttribute("aria-sort", on ? (sort.dir === "asc" ? "ascending" : "descending") : "none");
    }
  };

  const progress = () => {
    const total = job.rows.filter((r) => r.note).length;
    const done = job.rows.filter((r) => r.note && (r.score || r.error)).length;
    bar.max = Math.max(1, total);
    bar.value = done;
    bar.hidden = false;
    return { done, total };
  };

  const finish = () => {
    const ok = job.rows.filter((r) => r.score).length;
    const bad = job.rows.filter((r) => r.error).length;
    say("done", t("batchDone")(ok, bad));
    $("download").disabled = false;
  };

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const runFrom = async (current) => {
    retryButton.hidden = true;
    while (current.next < current.plan.length) {
      if (job !== current) return;
      const idx = current.plan[current.next];
      const notes = idx.map((i) => current.rows[i].note);
      let answer = null;
      for (let tries = 1; ; tries++) {
        try {
          answer = await scoreBatch(notes, current.ctl.signal);
          break;
        } catch (e) {
          if (e.name === "AbortError") return;
          const transient = e.kind === "loading" || e.status === 429;
          if (transient && tries < MAX_TRIES) {
            await sleep(BACKOFF_MS * tries);
            continue;
          }
          say("error", `${t("batchFailed")}${e.message}`);
          retryButton.hidden = false;
          return;
        }
      }
      answer.results.forEach((res, k) => {
        const row = current.rows[idx[k]];
        if (typeof res.error === "string") row.error = res.error;
        else row.score = trim(res);
      });
      current.next++;
      const { done, total } = progress();
      say("running", t("progress")(done, total));
      draw();
    }
    finish();
  };

  const start = async (f) => {
    if (job) job.ctl.abort();
    open.clear();
    $("download").disabled = true;
    say("running", t("reading")(f.name));
    let parsed;
    try {
      parsed = readFile(f.name, await f.text());
    } catch (e) {
      job = null;
      tools.hidden = true;
      bar.hidden = true;
      return say("error", `${t("fileError")}${e.message}`);
    }
    const lim = limits();
    const maxCount = Math.max(1, Math.min(lim.max_batch || 64, 64));
    const maxBytes = Math.floor((lim.max_body || 1 << 20) * 0.8);
    job = {
      name: f.name,
      columns: parsed.columns,
      rows: parsed.rows,
      plan: chunks(parsed.rows, maxCount, maxBytes),
      next: 0,
      ctl: new AbortController(),
    };
    tools.hidden = false;
    const { done, total } = progress();
    say("running", t("progress")(done, total));
    draw();
    await runFrom(job);
  };

  file.addEventListener("change", () => {
    if (!file.files.length) return;
    const chosen = file.files[0];
    file.value = ""; // the same file can be chosen again
    start(chosen);
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) start(e.dataTransfer.files[0]);
  });
  retryButton.addEventListener("click", () => job && runFrom(job));
  for (const button of document.querySelectorAll("#rows th[data-sort] button")) {
    button.addEventListener("click", () => {
      const key = button.parentElement.dataset.sort;
      sort = sort.key === key
        ? { key, dir: sort.dir === "asc" ? "desc" : "asc" }
        : { key, dir: key === "line" ? "asc" : "desc" };
      draw();
    });
  }
  $("download").addEventListener("click", () => {
    if (!job) return;
    const rows = sortRows(job.rows, sort.key, sort.dir);
    const blob = new Blob(["\uFEFF", toCsv(job.columns, rows)], { type: "text/csv;charset=utf-8" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${job.name.replace(/\.[^.]*$/, "")}.scored.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  });
  onLangChange(draw);
}

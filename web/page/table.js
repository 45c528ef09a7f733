// The brands' results table: one row per input row (error rows included, with
// their line number), sortable by link_cost and ad_probability, each row
// expandable to the note's full explanation.

import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { percent, signed } from "./spans.js";

/// The row order for `key` (`line`, `link_cost` or `ad_probability`) and `dir`
/// (`asc`/`desc`); rows without a score (errors, not yet scored) come last.
export function sortRows(rows, key, dir) {
  const value = (r) => {
    if (key === "line") return r.line;
    if (!r.score) return null;
    return key === "link_cost" ? r.score.trust.link_cost.estimate : r.score.ad_probability;
  };
  const sign = dir === "desc" ? -1 : 1;
  return rows
    .map((r, i) => ({ r, i, v: value(r) }))
    .sort((a, b) => {
      if (a.v === null && b.v === null) return a.i - b.i;
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      return sign * (a.v - b.v) || a.i - b.i;
    })
    .map((x) => x.r);
}

/// Keeps what the table and its details need of a score (the full result
/// also carries contributions and sentences, too much for thousands of rows).
export function trim(score) {
  return {
    ad_probability: score.ad_probability,
    label: score.label,
    signals: score.signals,
    compliance: score.compliance,
    trust: score.trust,
  };
}

function snippet(text, n = 40) {
  const chars = Array.from(text ?? "");
  return chars.length > n ? `${chars.slice(0, n).join("")}…` : chars.join("");
}

function interval(iv) {
  return `${signed(iv.estimate)} (${signed(iv.low)} … ${signed(iv.high)})`;
}

function details(row) {
  const s = row.score;
  const kinds = t("kinds");
  return h(
    "div",
    { class: "details" },
    h("p", { class: "details-text", text: row.note.text }),
    h("h4", { text: t("hDraft") }),
    h("ul", {}, s.signals.map((g) => h(
      "li", {},
      h("mark", { class: `sig kind-${g.kind}`, text: g.text }),
      ` ${kinds[g.kind] ?? g.kind}: ${g.explanation}${g.rule ? ` (${t("rule")}: ${g.rule})` : ""}`,
    ))),
    h("h4", { text: t("hFindings") }),
    s.compliance.length
      ? h("ul", {}, s.compliance.map((f) => h(
        "li", { class: `finding sev-${f.severity}` },
        h("span", { class: "sev", text: t("severity")[f.severity] ?? f.severity }),
        h("strong", { text: f.rule }), ` ${f.message}`,
      )))
      : h("p", { class: "muted", text: t("noFindings") }),
    h("h4", { text: t("hTrust") }),
    h("p", { text: `${t("credibility")}: ${interval(s.trust.credibility_delta)}` }),
    h("p", { text: `${t("linkCost")}: ${interval(s.trust.link_cost)}` }),
    h("p", { text: `${t("labelRequired")}: ${s.trust.label_required ? t("yes") : t("no")}` }),
    h("ul", { class: "advice" }, s.trust.advice.map((a) => h("li", { text: a }))),
  );
}

/// Draws `rows` (already sorted) into `tbody`; `open` is the set of expanded
/// row lines, `onToggle(line)` is called by the expand buttons.
export function renderRows(tbody, rows, open, onToggle) {
  const out = [];
  for (const r of rows) {
    const text = r.note ? r.note.text : r.fields?.text;
    const cells = [
      h("td", { class: "num", text: r.line }),
      h("td", { text: r.id ?? "" }),
      h("td", { class: "text-cell", text: snippet(typeof text === "string" ? text : "") }),
    ];
    if (r.error) {
      cells.push(h("td", { colspan: 4, class: "row-error" }, h("strong", { text: `${t("errorRow")}：` }), r.error));
      out.push(h("tr", { class: "error-row", "data-line": r.line }, cells));
      continue;
    }
    if (!r.score) {
      cells.push(h("td", { colspan: 4, class: "muted", text: "…" }));
      out.push(h("tr", { "data-line": r.line }, cells));
      continue;
    }
    const isOpen = open.has(r.line);
    const detailId = `detail-${r.line}`;
    cells.push(
      h("td", { class: "num", text: percent(r.score.ad_probability) }),
      h("td", { class: "num", text: r.score.trust.link_cost.estimate.toFixed(3) }),
      h("td", { text: r.score.trust.label_required ? t("yes") : t("no") }),
      h("td", {}, h("button", {
        type: "button",
        class: "link-button",
        "aria-expanded": String(isOpen),
        "aria-controls": isOpen ? detailId : null,
        text: isOpen ? t("collapse") : t("expand"),
        onclick: () => onToggle(r.line),
      })),
    );
    out.push(h("tr", { class: r.score.label === "ad" ? "row-ad" : "", "data-line": r.line }, cells));
    if (isOpen) {
      out.push(h("tr", { class: "detail-row", id: detailId }, h("td", { colspan: 7 }, details(r))));
    }
  }
  fill(tbody, out);
}

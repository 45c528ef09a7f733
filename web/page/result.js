// Draws one `/v1/score` result: gauge and label, the draft with its signal
// spans, the long-note segment strip, the trust panel, compliance findings and
// the nearest notes.

import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { percent, pieces, signed, strip } from "./spans.js";

/// The gauge: a bar filled to the ad probability, a tick at the threshold, the
/// label, and which model components were used.
export function renderGauge(el, score) {
  const p = score.ad_probability;
  const isAd = score.label === "ad";
  const fillBar = h("div", { class: "gauge-fill" });
  fillBar.style.width = percent(p);
  const tick = h("div", { class: "gauge-tick", title: t("threshold")(percent(score.threshold)) });
  tick.style.left = percent(score.threshold);
  const used = score.model.components.filter((c) => c.status === "used").map((c) => c.name);
  fill(
    el,
    h(
      "div",
      {
        class: `gauge ${isAd ? "is-ad" : "is-organic"}`,
        role: "meter",
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": Math.round(p * 100),
        "aria-label": t("hGauge"),
      },
      fillBar,
      tick,
    ),
    h(
      "p",
      { class: "gauge-read" },
      h("span", { id: "ad-probability", class: "big", text: percent(p) }),
      " ",
      h("span", { id: "label", class: `label ${isAd ? "is-ad" : "is-organic"}`, text: isAd ? t("labelAd") : t("labelOrganic") }),
    ),
    h("p", { class: "muted small", text: `${t("threshold")(percent(score.threshold))} · ${t("components")}: ${used.join(", ")}` }),
  );
}

function signalCard(sig) {
  return h(
    "div",
    { class: `tip-item kind-${sig.kind}` },
    h("strong", { text: `${t("kinds")[sig.kind] ?? sig.kind}：${sig.text}` }),
    h("p", { text: sig.explanation }),
    sig.rule ? h("p", { class: "tip-rule", text: `${t("rule")}：${sig.rule}` }) : null,
  );
}

/// The draft with each signal span marked (coloured by the strongest kind
/// covering it). Hover, focus or tap a mark to see its explanations in `tip`;
/// screen readers get them through `aria-describedby`.
export function renderMarked(el, notes, tip, text, signals) {
  const parts = pieces(text, signals);
  fill(notes);
  const nodes = parts.map((part, i) => {
    if (part.lead < 0) return part.text;
    const desc = h("span", { id: `sig-note-${i}` }, part.signals.map((k) => {
      const s = signals[k];
      return `${t("kinds")[s.kind] ?? s.kind}: ${s.explanation}${s.rule ? ` (${t("rule")}: ${s.rule})` : ""} `;
    }));
    notes.append(desc);
    const mark = h("mark", {
      class: `sig kind-${signals[part.lead].kind}`,
      tabindex: 0,
      role: "button",
      "aria-describedby": desc.id,
      "aria-expanded": "false",
      "data-kind": signals[part.lead].kind,
      "data-start": part.start,
      "data-end": part.end,
    }, part.text);
    const cards = part.signals.map((k) => signals[k]);
    bindTip(mark, tip, cards);
    return mark;
  });
  fill(el, nodes);
  if (!signals.length) el.append(h("p", { class: "muted small", text: t("noSignals") }));
}

let pinned = null;

function showTip(mark, tip, cards) {
  fill(tip, cards.map(signalCard));
  tip.hidden = false;
  const r = mark.getBoundingClientRect();
  const width = Math.min(320, window.innerWidth - 16);
  tip.style.width = `${width}px`;
  tip.style.left = `${Math.max(8, Math.min(r.left, window.innerWidth - width - 8)) + window.scrollX}px`;
  tip.style.top = `${r.bottom + window.scrollY + 6}px`;
}

function hideTip(tip) {
  tip.hidden = true;
  if (pinned) pinned.setAttribute("aria-expanded", "false");
  pinned = null;
}

function bindTip(mark, tip, cards) {
  mark.addEventListener("mouseenter", () => showTip(mark, tip, cards));
  mark.addEventListener("focus", () => showTip(mark, tip, cards));
  mark.addEventListener("mouseleave", () => { if (pinned !== mark) tip.hidden = true; });
  mark.addEventListener("blur", () => { if (pinned !== mark) tip.hidden = true; });
  const toggle = () => {
    if (pinned === mark) return hideTip(tip);
    if (pinned) pinned.setAttribute("aria-expanded", "false");
    pinned = mark;
    mark.setAttribute("aria-expanded", "true");
    showTip(mark, tip, cards);
  };
  mark.addEventListener("click", toggle);
  mark.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      toggle();
    } else if (e.key === "Escape") {
      hideTip(tip);
    }
  });
}

/// Hides the explanation popup (e.g. when the draft changes).
export function closeTip(tip) {
  hideTip(tip);
}

/// The segment strip of a long note: one band per stretch of text, darker the
/// more ad-like the most ad-like window covering it. Hidden for short notes.
export function renderStrip(box, el, segments, length) {
  const bands = strip(segments, length);
  box.hidden = bands.length === 0;
  fill(el, bands.map((b) => {
    const label = t("stripSegment")(b.start, b.end, percent(b.p));
    const band = h("div", { class: "band", role: "img", "aria-label": label, title: label });
    band.style.left = `${b.left}%`;
    band.style.width = `${b.width}%`;
    band.style.opacity = String(0.15 + 0.85 * b.p);
    return band;
  }));
}

function interval(iv) {
  return `${signed(iv.estimate)} (${signed(iv.low)} … ${signed(iv.high)})`;
}

/// A loss (≥ 0, e.g. link_cost) with its range, unsigned.
function loss(iv) {
  return `${iv.estimate.toFixed(2)} (${iv.low.toFixed(2)} … ${iv.high.toFixed(2)})`;
}

/// The trust panel. `base` is the note scored without a link (as it stands);
/// `linked` the note scored with one, or null while the toggle is off.
export function renderTrust(el, base, linked) {
  const yn = (b) => (b ? t("yes") : t("no"));
  const withCell = (f) => (linked ? h("td", {}, f(linked)) : h("td", { class: "muted" }, "—"));
  const row = (name, now, withLink, id) => h(
    "tr", { id: id ?? null }, h("th", { scope: "row", text: name }), now, withLink,
  );
  const table = h(
    "table",
    { class: "trust" },
    h("thead", {}, h("tr", {}, h("td"), h("th", { scope: "col", text: t("now") }), h("th", { scope: "col", text: t("withLink") }))),
    h(
      "tbody",
      {},
      row(t("recognition"), h("td", { text: percent(base.trust.recognition_now) }), withCell((s) => percent(s.trust.recognition_with_link))),
      row(t("credibility"), h("td", { id: "cred-now", text: interval(base.trust.credibility_delta) }), withCell((s) => h("span", { id: "cred-link", text: interval(s.trust.credibility_delta) }))),
      linked ? row(t("linkCost"), h("td", { class: "muted", text: "—" }), h("td", {}, h("strong", { id: "link-cost", text: loss(linked.trust.link_cost) })), "link-cost-row") : null,
      row(t("labelRequired"), h("td", { text: yn(base.trust.label_required) }), withCell((s) => h("strong", { id: "label-required", text: yn(s.trust.label_required) }))),
    ),
  );
  const shown = linked ?? base;
  fill(
    el,
    table,
    base.has_link && !linked ? h("p", { class: "muted small", text: t("linkInText") }) : null,
    linked ? null : h("p", { class: "muted small", text: t("linkHint") }),
    shown.trust.advice.length ? h("h3", { text: t("advice") }) : null,
    h("ul", { class: "advice" }, shown.trust.advice.map((a) => h("li", { text: a }))),
  );
}

/// Compliance findings with severity and the article they touch.
export function renderFindings(el, compliance) {
  if (!compliance.length) return fill(el, h("li", { class: "muted", text: t("noFindings") }));
  fill(el, compliance.map((f) => h(
    "li",
    { class: `finding sev-${f.severity}`, "data-code": f.code },
    h("span", { class: "sev", text: t("severity")[f.severity] ?? f.severity }),
    h("strong", { class: "finding-rule", text: f.rule }),
    h("p", { text: f.message }),
  )));
}

function examples(title, list) {
  return h(
    "div",
    { class: "similar-col" },
    h("h3", { text: title }),
    h("ul", {}, list.map((x) => h(
      "li",
      {},
      h("span", { class: "sim", text: x.similarity.toFixed(2) }),
      " ",
      h("span", { text: x.snippet }),
    ))),
  );
}

/// The nearest authentic reviews and ads (needs the encoder; `null` without).
export function renderSimilar(el, similar) {
  if (!similar) return fill(el, h("p", { class: "muted small", text: t("similarNone") }));
  fill(
    el,
    h("div", { class: "similar" }, examples(t("similarOrganic"), similar.organic), examples(t("similarAds"), similar.ads)),
    h("p", { class: "muted small", text: t("contrast")(signed(similar.authenticity_contrast)) }),
  );
}

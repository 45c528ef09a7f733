// Pure helpers for showing a score on its text: the service counts offsets in
// Unicode scalar values (Rust `char`s), JavaScript strings in UTF-16 units, so
// every offset goes through `Array.from(text)` (one entry per code point).

/// Cuts `text` at every signal start and end. Returns the pieces in order, each
/// `{ text, start, end, signals }` with the indexes (into `signals`) of the
/// signals covering it and `lead`, the index of the strongest of them (largest
/// |weight|, first on ties) or -1. Spans outside the text are clipped.
export function pieces(text, signals) {
  const chars = Array.from(text);
  const n = chars.length;
  const cuts = new Set([0, n]);
  const spans = signals.map((s) => [clamp(s.start, n), clamp(s.end, n)]);
  for (const [a, b] of spans) {
    if (a < b) {
      cuts.add(a);
      cuts.add(b);
    }
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i];
    const end = points[i + 1];
    const covering = [];
    spans.forEach(([a, b], k) => {
      if (a <= start && end <= b && a < b) covering.push(k);
    });
    out.push({
      text: chars.slice(start, end).join(""),
      start,
      end,
      signals: covering,
      lead: strongest(covering, signals),
    });
  }
  return out;
}

function clamp(x, n) {
  return Math.max(0, Math.min(n, Number.isFinite(x) ? Math.trunc(x) : 0));
}

function strongest(indexes, signals) {
  let best = -1;
  for (const k of indexes) {
    if (best < 0 || Math.abs(signals[k].weight ?? 0) > Math.abs(signals[best].weight ?? 0)) {
      best = k;
    }
  }
  return best;
}

/// The `segments` of a long note as a strip of contiguous bands: windows
/// overlap (each starts half a window after the last), so every stretch of
/// text gets the highest probability of the windows covering it. Returns
/// `{ start, end, p, left, width }` with `left`/`width` in percent of `length`.
export function strip(segments, length) {
  if (!segments || segments.length === 0 || length <= 0) return [];
  const cuts = new Set();
  for (const s of segments) {
    cuts.add(clamp(s.start, length));
    cuts.add(clamp(s.end, length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const bands = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i];
    const end = points[i + 1];
    let p = -1;
    for (const s of segments) {
      if (s.start <= start && end <= s.end) p = Math.max(p, s.ad_probability);
    }
    if (p < 0) continue;
    const last = bands[bands.length - 1];
    if (last && last.end === start && last.p === p) {
      last.end = end;
    } else {
      bands.push({ start, end, p });
    }
  }
  for (const b of bands) {
    b.left = (100 * b.start) / length;
    b.width = (100 * (b.end - b.start)) / length;
  }
  return bands;
}

/// A probability as a percentage with no decimals: `0.873` → `"87%"`.
export function percent(p) {
  return `${Math.round(p * 100)}%`;
}

/// A signed number with 2 decimals: `-0.383` → `"−0.38"`, `0.1` → `"+0.10"`.
export function signed(x) {
  const s = Math.abs(x).toFixed(2);
  if (s === "0.00") return "0.00";
  return x < 0 ? `−${s}` : `+${s}`;
}

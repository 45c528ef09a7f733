// Unit tests of span cutting and the segment strip (web/page/spans.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { percent, pieces, signed, strip } from "../../page/spans.js";

test("pieces count offsets in code points, as the service does (emoji are one char)", () => {
  const text = "😀😀全网最低价！";
  const parts = pieces(text, [{ kind: "absolute_claim", start: 2, end: 7, weight: 0.9 }]);
  assert.deepEqual(parts.map((p) => p.text), ["😀😀", "全网最低价", "！"]);
  assert.equal(parts[1].lead, 0);
  assert.equal(parts[0].lead, -1);
  assert.equal(parts.map((p) => p.text).join(""), text);
});

test("overlapping spans: each piece lists every signal covering it, led by the strongest", () => {
  const sigs = [
    { kind: "offer", start: 0, end: 4, weight: 0.5 },
    { kind: "purchase_link", start: 2, end: 6, weight: 1.5 },
  ];
  const parts = pieces("abcdefgh", sigs);
  assert.deepEqual(parts.map((p) => [p.text, p.signals, p.lead]), [
    ["ab", [0], 0],
    ["cd", [0, 1], 1],
    ["ef", [1], 1],
    ["gh", [], -1],
  ]);
});

test("spans out of range are clipped and empty spans ignored", () => {
  const parts = pieces("abc", [{ start: 2, end: 99, weight: 1 }, { start: 1, end: 1, weight: 1 }]);
  assert.deepEqual(parts.map((p) => [p.text, p.lead]), [["ab", -1], ["c", 0]]);
  assert.deepEqual(pieces("", []), []);
});

test("strip: overlapping windows give each stretch the highest probability over it", () => {
  const segs = [
    { start: 0, end: 500, ad_probability: 0.1 },
    { start: 250, end: 750, ad_probability: 0.9 },
    { start: 500, end: 1000, ad_probability: 0.2 },
  ];
  const bands = strip(segs, 1000);
  assert.deepEqual(bands.map((b) => [b.start, b.end, b.p]), [[0, 250, 0.1], [250, 750, 0.9], [750, 1000, 0.2]]);
  assert.equal(bands[1].left, 25);
  assert.equal(bands[1].width, 50);
  assert.deepEqual(strip([], 10), []);
});

test("number formats", () => {
  assert.equal(percent(0.873), "87%");
  assert.equal(signed(-0.383), "−0.38");
  assert.equal(signed(0.1), "+0.10");
  assert.equal(signed(-0.001), "0.00");
});

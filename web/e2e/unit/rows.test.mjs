// Unit tests of the page's file reading, chunking and CSV writing (web/page/rows.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { chunks, parseCsv, readCsv, readFile, readJsonl, toCsv, truthy } from "../../page/rows.js";

test("CSV: quoted fields with commas, doubled quotes and line breaks; BOM; CRLF", () => {
  const csv = '\uFEFFid,text,has_link\r\n1,"第一行,还有逗号\r\n第二行 ""引号""",yes\r\n2,plain,0\r\n';
  const { columns, rows } = readCsv(csv);
  assert.deepEqual(columns, ["id", "text", "has_link"]);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].line, 2);
  assert.equal(rows[0].note.text, '第一行,还有逗号\r\n第二行 "引号"');
  assert.equal(rows[0].note.has_link, true);
  assert.equal(rows[0].note.id, "1");
  // The second row starts on line 4: the first spans lines 2 and 3.
  assert.equal(rows[1].line, 4);
  assert.equal(rows[1].note.has_link, false);
});

test("CSV: blank lines skipped, line numbers kept, short rows are error rows", () => {
  const { rows } = readCsv("id,text\n\na,好用\nb\n\nc,\"\"\n");
  assert.deepEqual(rows.map((r) => r.line), [3, 4, 6]);
  assert.equal(rows[0].note.text, "好用");
  assert.equal(rows[1].error, "missing field `text`");
  assert.equal(rows[1].id, "b");
  // An empty text is sent: the service judges it (its error lands in the slot).
  assert.equal(rows[2].note.text, "");
});

test("CSV: a quoted field never closed is an error row at its line", () => {
  const recs = parseCsv('text\nok\n"open\nstill open');
  assert.equal(recs.length, 3);
  assert.equal(recs[2].line, 3);
  assert.match(recs[2].error, /never closed/);
});

test("CSV: a header without `text` is refused, naming the columns", () => {
  assert.throws(() => readCsv("id,body\n1,x\n"), /no `text` column \(columns: id, body\)/);
});

test("JSONL: a bad line is an error row with its line number; reading goes on", () => {
  const src = '{"id":7,"text":"a","has_link":true}\n\n{"text": broken}\n[1]\n{"id":"z"}\n{"text":5}\n{"text":"b","extra":1}';
  const { columns, rows } = readJsonl(src);
  assert.deepEqual(columns, ["id", "text", "has_link", "extra"]);
  assert.equal(rows.length, 6);
  assert.equal(rows[0].note.id, "7");
  assert.equal(rows[0].note.has_link, true);
  assert.equal(rows[1].line, 3);
  assert.match(rows[1].error, /^invalid JSON/);
  assert.equal(rows[2].error, "not a JSON object");
  assert.equal(rows[3].error, "missing field `text`");
  assert.equal(rows[3].id, "z");
  assert.equal(rows[4].error, "field `text` is not a string");
  assert.equal(rows[5].line, 7);
  assert.equal(rows[5].note.text, "b");
});

test("readFile picks the reader by name, else by the first character", () => {
  assert.equal(readFile("a.CSV", "text\nx\n").rows[0].note.text, "x");
  assert.equal(readFile("a.jsonl", '{"text":"y"}').rows[0].note.text, "y");
  assert.equal(readFile("notes.txt", '\uFEFF {"text":"z"}').rows[0].note.text, "z");
  assert.equal(readFile("notes.txt", "text\nw").rows[0].note.text, "w");
});

test("truthy reads has_link as adlens score does", () => {
  for (const v of [true, 1, 2.5, "true", " YES ", "y", "1", "是"]) assert.equal(truthy(v), true, String(v));
  for (const v of [false, 0, "", "no", "0", "false", null, undefined, {}]) assert.equal(truthy(v), false, String(v));
});

test("chunks: by count and by bytes, error rows left out, a huge note alone", () => {
  const row = (text) => ({ note: { id: null, text, has_link: false } });
  const rows = [row("a"), { error: "x" }, row("b"), row("c"), row("d"), row("e")];
  assert.deepEqual(chunks(rows, 2, 1 << 20), [[0, 2], [3, 4], [5]]);
  const big = "长".repeat(1000); // 3,000 bytes of UTF-8
  const sized = [row("a"), row(big), row("b"), row("c")];
  assert.deepEqual(chunks(sized, 100, 2000), [[0], [1], [2, 3]]);
});

test("toCsv: input columns then adlens's added ones, quoted where needed", () => {
  const score = {
    ad_probability: 0.123456,
    label: "organic",
    signals: [
      { kind: "offer", text: "到手价", weight: 0.5 },
      { kind: "experience", text: "用了三天", weight: -0.5 },
      { kind: "absolute_claim", text: "全网最低价", weight: 0.9 },
    ],
    compliance: [{ code: "absolute_terms", rule: "广告法第九条第三项" }],
    trust: { link_cost: { estimate: 0.16789 }, label_required: true },
  };
  const rows = [
    { line: 2, fields: { id: "1", text: "多行\n文本,逗号" }, score },
    { line: 3, fields: { id: "2", text: "" }, error: "the note text is empty" },
  ];
  const out = toCsv(["id", "text", "line"], rows).split("\n");
  assert.equal(out[0], "id,text,ad_probability,label,link_cost,label_required,top_signals,compliance,error,line");
  assert.equal(out[1], '1,"多行');
  assert.equal(out[2], '文本,逗号",0.1235,organic,0.1679,true,absolute_claim: 全网最低价; offer: 到手价,absolute_terms (广告法第九条第三项),,2');
  assert.equal(out[3], "2,,,,,,,,the note text is empty,3");
});

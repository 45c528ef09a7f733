// The brands' tab of the end-to-end test: a 200-row CSV with one bad row,
// scored in chunks, the table, the error row with its line, sorting, a row's
// details and the CSV download.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { parseCsv } from "../page/rows.js";

const OPENINGS = ["今天分享一下", "用了一个月的", "终于等到", "说说我最近在用的", "随手记录"];
const BODIES = [
  "这款洗面奶，泡沫很细，洗完不紧绷，但是味道有点重，适合油皮。",
  "全网最低价！姐妹们闭眼入，到手价只要59，链接在评论区。",
  "周末去了趟郊区露营，风很大，帐篷差点被吹走，下次要带地钉。",
  "这个面霜真的绝了，用了三天细纹都淡了，赶紧冲！",
  "图书馆新开的自习室，座位很多，就是空调太冷，记得带外套。",
];
/// Data row (0-based) whose text is empty: the service's error lands in its slot.
const BAD = 57;
/// Data row whose text is quoted over two lines with a comma inside.
const MULTILINE = 10;

function csvCell(s) {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/// The test file, the line the bad row starts on, and the notes by id.
function makeCsv() {
  const lines = ["id,text,has_link,campaign"];
  const notes = new Map();
  let line = 2;
  let badLine = 0;
  for (let i = 0; i < 200; i++) {
    const id = `n${i + 1}`;
    let text = `${OPENINGS[i % OPENINGS.length]}（第${i + 1}篇）${BODIES[(i * 7) % BODIES.length]}`;
    if (i === MULTILINE) text = `标题：第一行，有逗号\n${text}`;
    if (i === BAD) {
      text = "";
      badLine = line;
    }
    const hasLink = i % 3 === 0 ? "yes" : "0";
    notes.set(id, { text, has_link: hasLink === "yes" });
    lines.push([id, csvCell(text), hasLink, `春季${i % 4}`].join(","));
    line += 1 + (text.match(/\n/g) ?? []).length;
  }
  return { csv: `\uFEFF${lines.join("\r\n")}\r\n`, badLine, notes };
}

const round4 = (x) => Math.round(x * 10000) / 10000;

/// Runs the brands' tab on `page`; `api` asks the service directly.
export async function brandTab(page, { out, api, wait }) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole("tab", { name: "品牌批量" }).click();
  await page.locator("#drop").waitFor(wait);
  assert.ok(await page.locator("#panel-draft").isHidden(), "one tab at a time");
  assert.ok(await page.locator("#batch-retry").isHidden());
  const { csv, badLine, notes } = makeCsv();
  const batches = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/v1/score/batch")) batches.push(r.postDataJSON().notes.length);
  });
  await page.locator("#file").setInputFiles({
    name: "campaign.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv, "utf8"),
  });
  await page.locator('#batch-state[data-state="done"]').waitFor(wait);
  assert.ok(batches.length >= 2, `scored in chunks (${batches})`);
  assert.equal(batches.reduce((a, b) => a + b, 0), 200, "every row sent once");
  assert.equal(await page.locator("#progress").evaluate((p) => p.value / p.max), 1);

  const body = page.locator("#rows-body > tr:not(.detail-row)");
  assert.equal(await body.count(), 200);
  const errorRows = page.locator("#rows-body tr.error-row");
  assert.equal(await errorRows.count(), 1);
  const errorRow = errorRows.first();
  assert.equal(await errorRow.getAttribute("data-line"), String(badLine));
  assert.equal((await errorRow.locator("td").first().textContent()).trim(), String(badLine));
  assert.match(await errorRow.textContent(), /empty/);
  assert.match(await page.locator("#batch-state").textContent(), /199.*1/);

  // Sort by link_cost, largest first (errors last), then by ad_probability.
  await page.locator('th[data-sort="link_cost"] button').click();
  assert.equal(await page.locator('th[data-sort="link_cost"]').getAttribute("aria-sort"), "descending");
  const costs = await page.locator("#rows-body > tr:not(.error-row) td:nth-child(5)").allTextContents();
  const nums = costs.map(Number);
  assert.ok(nums.every((x, i) => i === 0 || nums[i - 1] >= x), "link_cost descending");
  assert.ok(nums[0] > nums[nums.length - 1], "the file's link_costs differ");
  assert.equal(await page.locator("#rows-body > tr").last().getAttribute("class"), "error-row");
  await page.locator('th[data-sort="ad_probability"] button').click();
  const firstId = await page.locator("#rows-body > tr").first().locator("td").nth(1).textContent();
  const first = notes.get(firstId);
  const direct = await api("/v1/score", { text: first.text, has_link: first.has_link });
  const probs = await page.locator("#rows-body > tr:not(.error-row) td:nth-child(4)").allTextContents();
  assert.equal(probs[0], `${Math.round(direct.ad_probability * 100)}%`);

  // The top row expands to its full explanation.
  const expand = page.locator("#rows-body > tr").first().getByRole("button");
  await expand.click();
  const detail = page.locator("#rows-body tr.detail-row");
  await detail.waitFor(wait);
  assert.equal(await page.locator("#rows-body > tr").first().getByRole("button").getAttribute("aria-expanded"), "true");
  for (const s of direct.signals) assert.ok((await detail.textContent()).includes(s.explanation));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(out, "brand.png"), fullPage: false });

  // Download: every row, the error row with its line, numbers as the service's.
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
  const saved = join(out, "campaign.scored.csv");
  await download.saveAs(saved);
  assert.equal(download.suggestedFilename(), "campaign.scored.csv");
  const records = parseCsv(readFileSync(saved, "utf8"));
  const header = records[0].cells;
  assert.deepEqual(header, [
    "id", "text", "has_link", "campaign", "ad_probability", "label", "link_cost",
    "label_required", "top_signals", "compliance", "error", "line",
  ]);
  assert.equal(records.length, 201);
  const rows = records.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r.cells[i]])));
  const bad = rows.filter((r) => r.error !== "");
  assert.equal(bad.length, 1);
  assert.equal(bad[0].line, String(badLine));
  assert.equal(bad[0].id, `n${BAD + 1}`);
  const multi = rows.find((r) => r.id === `n${MULTILINE + 1}`);
  assert.equal(multi.text, notes.get(multi.id).text);
  for (const id of ["n1", "n2", `n${MULTILINE + 1}`]) {
    const row = rows.find((r) => r.id === id);
    const note = notes.get(id);
    const s = await api("/v1/score", { text: note.text, has_link: note.has_link });
    assert.equal(Number(row.ad_probability), round4(s.ad_probability), id);
    assert.equal(Number(row.link_cost), round4(s.trust.link_cost.estimate), id);
    assert.equal(row.label, s.label, id);
  }
}

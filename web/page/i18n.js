// UI strings in Chinese (default) and English. The service's own explanations,
// findings and advice are written in Chinese and are shown as they come.

const STRINGS = {
  zh: {
    title: "笔记广告感自查",
    subtitle: "粘贴草稿，看它读起来有多像广告、为什么，以及挂购买链接会失去多少读者信任。",
    tabDraft: "写笔记",
    tabBrand: "品牌批量",
    tabs: "功能",
    langButton: "English",
    langLabel: "切换到英文界面",
    draftLabel: "标题和正文",
    draftPh: "第一行写标题，下面写正文，粘贴进来即可……",
    hasLink: "带购买链接",
    chars: (n, max) => `${n} / ${max} 字`,
    stateEmpty: "写下或粘贴一篇笔记，这里会实时显示分析。",
    stateScoring: "分析中……",
    stateTooLong: "笔记太长，服务没有评分：",
    stateInvalid: "服务拒绝了这段文字：",
    stateUnreachable: "连不上 adlens 服务，稍后会自动重试。草稿还在，不会丢。",
    stateLoading: "模型还在加载，加载好后会自动评分。",
    stateBusy: "服务正忙，稍后自动重试。草稿还在。",
    stateServer: "服务出错了：",
    serviceDown: "连不上 adlens 服务。",
    serviceLoading: "模型加载中……",
    hGauge: "广告感",
    labelAd: "读起来像广告",
    labelOrganic: "读起来像真实分享",
    threshold: (t) => `判定线 ${t}`,
    components: "模型",
    hDraft: "你的笔记",
    noSignals: "没有找到明显的广告信号。",
    hStrip: "长笔记：各段广告感（颜色越深越像广告）",
    stripSegment: (s, e, p) => `第 ${s}–${e} 字：广告感 ${p}`,
    hTrust: "读者信任",
    now: "现在",
    withLink: "挂链接后",
    recognition: "读者认出是广告的概率",
    credibility: "可信度变化（Cohen's d，约 80% 区间）",
    linkCost: "链接本身的信任代价 link_cost",
    labelRequired: "必须标注“广告”",
    yes: "是",
    no: "否",
    linkHint: "打开“带购买链接”，看挂链接后的可信度和 link_cost。",
    linkInText: "正文里已经写了购买方式，已按带链接计算。",
    advice: "建议",
    hFindings: "合规提示",
    noFindings: "没有发现合规问题。",
    severity: { high: "高", medium: "中", low: "低" },
    hSimilar: "最相似的笔记",
    similarOrganic: "真实分享",
    similarAds: "广告",
    similarNone: "需要编码器模型（服务以 --linear-only 运行时没有）。",
    contrast: (c) => `离广告更近的程度：${c}（大于 0 表示更像广告）`,
    rule: "涉及规定",
    kinds: {
      disclosure: "广告标注", ad_denial: "否认广告", call_to_action: "号召购买",
      offer: "价格优惠", purchase_link: "购买入口", absolute_claim: "绝对化用语",
      efficacy_claim: "功效承诺", selling_script: "带货话术",
      brand_repetition: "品牌重复", experience: "亲身体验", balance: "优缺点都写",
      commercial_mechanic: "商业机制",
    },
    dropTitle: "把 CSV 或 JSONL 文件拖到这里，或",
    chooseFile: "选择文件",
    dropHint: "列名与 adlens score 相同：text（必填）、id、has_link（true/1/yes/是）。",
    reading: (name) => `读取 ${name}……`,
    progress: (done, total) => `已评分 ${done} / ${total} 行`,
    batchDone: (ok, bad) => `完成：${ok} 行已评分，${bad} 行有错误。`,
    batchFailed: "批量评分中断：",
    retry: "继续",
    progressLabel: "评分进度",
    sortBy: "排序",
    download: "下载 CSV",
    colLine: "行号",
    colId: "id",
    colText: "内容",
    colProb: "广告感",
    colLinkCost: "link_cost",
    colLabel: "须标广告",
    colDetail: "详情",
    expand: "展开",
    collapse: "收起",
    errorRow: "错误",
    fileError: "读不了这个文件：",
  },
  en: {
    title: "Draft ad-likeness check",
    subtitle: "Paste a draft: see how ad-like it reads, why, and how much reader trust a purchase link would cost.",
    tabDraft: "Draft",
    tabBrand: "Brand batch",
    tabs: "Tools",
    langButton: "中文",
    langLabel: "Switch to the Chinese interface",
    draftLabel: "Title and body",
    draftPh: "Title on the first line, body below; paste it here…",
    hasLink: "Has purchase link",
    chars: (n, max) => `${n} / ${max} chars`,
    stateEmpty: "Write or paste a note; the analysis appears here as you type.",
    stateScoring: "Scoring…",
    stateTooLong: "The note is too long; the service did not score it: ",
    stateInvalid: "The service refused this text: ",
    stateUnreachable: "Cannot reach the adlens service; retrying shortly. Your draft is kept.",
    stateLoading: "The model is still loading; the draft is scored as soon as it is ready.",
    stateBusy: "The service is busy; retrying shortly. Your draft is kept.",
    stateServer: "The service failed: ",
    serviceDown: "Cannot reach the adlens service.",
    serviceLoading: "Loading the model…",
    hGauge: "Ad-likeness",
    labelAd: "Reads like an ad",
    labelOrganic: "Reads like a genuine note",
    threshold: (t) => `threshold ${t}`,
    components: "Model",
    hDraft: "Your note",
    noSignals: "No clear ad signals found.",
    hStrip: "Long note: ad-likeness per part (darker reads more like an ad)",
    stripSegment: (s, e, p) => `chars ${s}–${e}: ad-likeness ${p}`,
    hTrust: "Reader trust",
    now: "Now",
    withLink: "With a link",
    recognition: "Chance readers recognise an ad",
    credibility: "Credibility change (Cohen's d, ~80% range)",
    linkCost: "Trust cost of the link itself, link_cost",
    labelRequired: "广告 label mandatory",
    yes: "yes",
    no: "no",
    linkHint: "Turn on “Has purchase link” to see credibility with a link and link_cost.",
    linkInText: "The text already names a way to buy, so it is scored as having a link.",
    advice: "Advice",
    hFindings: "Compliance findings",
    noFindings: "No compliance findings.",
    severity: { high: "high", medium: "medium", low: "low" },
    hSimilar: "Nearest notes",
    similarOrganic: "Authentic reviews",
    similarAds: "Ads",
    similarNone: "Needs the encoder model (not loaded when the service runs --linear-only).",
    contrast: (c) => `Closeness to ads: ${c} (above 0 reads more like ads)`,
    rule: "Rule",
    kinds: {
      disclosure: "disclosure", ad_denial: "ad denial", call_to_action: "call to action",
      offer: "offer", purchase_link: "purchase link", absolute_claim: "absolute claim",
      efficacy_claim: "efficacy claim", selling_script: "selling script",
      brand_repetition: "brand repetition", experience: "experience", balance: "balance",
      commercial_mechanic: "commercial mechanic",
    },
    dropTitle: "Drop a CSV or JSONL file here, or",
    chooseFile: "choose a file",
    dropHint: "Columns as for adlens score: text (required), id, has_link (true/1/yes/是).",
    reading: (name) => `Reading ${name}…`,
    progress: (done, total) => `Scored ${done} / ${total} rows`,
    batchDone: (ok, bad) => `Done: ${ok} rows scored, ${bad} with errors.`,
    batchFailed: "Batch scoring stopped: ",
    retry: "Continue",
    progressLabel: "Scoring progress",
    sortBy: "Sort",
    download: "Download CSV",
    colLine: "Line",
    colId: "id",
    colText: "Text",
    colProb: "Ad-likeness",
    colLinkCost: "link_cost",
    colLabel: "Label needed",
    colDetail: "Details",
    expand: "Expand",
    collapse: "Collapse",
    errorRow: "Error",
    fileError: "Cannot read this file: ",
  },
};

let lang = "zh";
const listeners = [];

/// The string (or formatter) for `key` in the current language.
export function t(key) {
  return STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
}

/// The current language code.
export function currentLang() {
  return lang;
}

/// Switches the language, refreshes static labels and tells the listeners.
export function setLang(next) {
  lang = STRINGS[next] ? next : "zh";
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = `adlens · ${t("title")}`;
  applyStatic(document);
  for (const f of listeners) f(lang);
}

/// Calls `f` after every language switch (to redraw dynamic parts).
export function onLangChange(f) {
  listeners.push(f);
}

/// Fills `data-i18n` (text), `data-i18n-ph` (placeholder) and
/// `data-i18n-label` (aria-label) attributes under `root`.
export function applyStatic(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-ph]")) el.placeholder = t(el.dataset.i18nPh);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}

// The page's entry: language, tabs, the service banner (unreachable / model
// loading, from `/health`), the limits from `/info`, then the two tabs.

import { health, info } from "./api.js";
import { initBrand } from "./brand.js";
import { initDraft } from "./draft.js";
import { applyStatic, setLang, t } from "./i18n.js";

const POLL_MS = 3000;
let limits = {};

function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    }
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
}

async function watchService(banner, onReady) {
  let wasReady = false;
  for (;;) {
    const status = await health();
    banner.hidden = status === "ready";
    banner.dataset.state = status;
    banner.textContent = status === "loading" ? t("serviceLoading") : status === "ready" ? "" : t("serviceDown");
    if (status === "ready" && !wasReady) await onReady();
    wasReady = status === "ready";
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function init() {
  const saved = localStorage.getItem("adlens-lang");
  setLang(saved === "en" ? "en" : "zh");
  applyStatic(document);
  document.getElementById("lang").addEventListener("click", () => {
    const next = document.documentElement.lang === "en" ? "zh" : "en";
    localStorage.setItem("adlens-lang", next);
    setLang(next);
  });
  initTabs();
  const draft = initDraft(() => limits);
  initBrand(() => limits);
  watchService(document.getElementById("service"), async () => {
    try {
      limits = (await info()).limits ?? {};
    } catch {
      return;
    }
    draft.updateCount();
  });
}

init();

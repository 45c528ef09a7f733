// A small element builder for the page's scripts.

/// Creates `<tag>` with `attrs` (`class`, `text`, `on<event>` handlers, other
/// attributes; `false`/`null` values are left out) and appends `children`
/// (nodes or strings; `null` skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/// Removes every child of `el` and appends `children`.
export function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c);
  }
  return el;
}

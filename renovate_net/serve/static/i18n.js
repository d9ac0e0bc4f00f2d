// Texts in English, Dutch and French (static/i18n.json): the page follows the browser's languages
// (navigator.languages) until the visitor picks one, which is remembered on this device.

const STORED = "renovate-net-language";

export async function loadTexts() {
  const response = await fetch("/static/i18n.json");
  return response.json();
}

export function pickLanguage(texts) {
  const known = Object.keys(texts.languages);
  let stored = null;
  try { stored = localStorage.getItem(STORED); } catch { /* storage may be off (private mode) */ }
  if (known.includes(stored)) return stored;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = tag.toLowerCase().split("-")[0];
    if (known.includes(base)) return base;
  }
  return "en";
}

export function rememberLanguage(language) {
  try { localStorage.setItem(STORED, language); } catch { /* not remembered, still switched */ }
}

export function translator(texts, language) {
  const ui = texts.ui[language];
  const pick = (table, key, fallback) => (table[key] && table[key][language]) || fallback;
  return {
    language,
    t: (key, values = {}) => (ui[key] || texts.ui.en[key] || key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? ""),
    type: (entry) => pick(texts.types, entry.id, entry.name),
    material: (entry) => pick(texts.materials, entry.id, entry.name),
    region: (id) => pick(texts.regions, id, id),
  };
}

// Fill every [data-i18n] element's text and every [data-i18n-aria] element's aria-label.
export function translatePage(tr) {
  document.documentElement.lang = tr.language;
  document.title = `${tr.t("title")} · renovate-net`;
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = tr.t(element.dataset.i18n);
  for (const element of document.querySelectorAll("[data-i18n-aria]")) {
    element.setAttribute("aria-label", tr.t(element.dataset.i18nAria));
  }
}

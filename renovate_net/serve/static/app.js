// The page: photo in (camera, file or drop), renovation choices from /api/types, render with progress,
// result in the before/after viewer. No build step: plain ES modules served from the package.
import { renderChoices } from "./choices.js";
import { createViewer } from "./compare.js";
import { loadTexts, pickLanguage, rememberLanguage, translatePage, translator } from "./i18n.js";

const MAX_UPLOAD_BYTES = 25_000_000;  // the server's limit (renovate_net/serve/uploads.py): refused before sending
const $ = (id) => document.getElementById(id);

const state = { texts: null, tr: null, catalog: [], choices: new Map(), photo: null, photoUrl: null,
  resultUrl: null, busy: false };
const viewer = createViewer(["compare", "after", "before", "beforeLayer", "outline", "handle", "slider",
  "tagBefore", "tagAfter", "veil"]);

async function start() {
  const [texts, catalog] = await Promise.all([loadTexts(), fetch("/api/types").then((r) => r.json())]);
  Object.assign(state, { texts, catalog });
  setLanguage(pickLanguage(texts));
  for (const id of ["camera", "upload"]) $(id).addEventListener("change", (event) => takePhoto(event.target.files[0]));
  for (const zone of [$("dropzone"), $("viewer")]) acceptDrops(zone);
  $("otherPhoto").addEventListener("click", () => $("upload").click());
  $("render").addEventListener("click", render);
  $("showChanges").addEventListener("change", (event) => viewer.showOutline(event.target.checked));
}

function setLanguage(language) {
  state.tr = translator(state.texts, language);
  translatePage(state.tr);
  const nav = $("languages");
  nav.replaceChildren(...Object.keys(state.texts.languages).map((code) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = code.toUpperCase();
    button.title = state.texts.languages[code];
    button.lang = code;
    button.setAttribute("aria-pressed", String(code === language));
    button.addEventListener("click", () => { rememberLanguage(code); setLanguage(code); });
    return button;
  }));
  drawChoices();
  updateButton();
}

function drawChoices() {
  renderChoices($("types"), state.catalog, state.choices, state.tr, updateButton);
}

function acceptDrops(zone) {
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer.files.length) takePhoto(event.dataTransfer.files[0]);
  });
}

function takePhoto(file) {
  if (!file || state.busy) return;
  clearMessages();
  if (file.type && !file.type.startsWith("image/")) return showError(state.tr.t("errorNotPhoto"));
  if (file.size > MAX_UPLOAD_BYTES) return showError(state.tr.t("errorTooLarge"), `${file.name}: ${(file.size / 1e6).toFixed(1)} MB > 25 MB`);
  for (const url of [state.photoUrl, state.resultUrl]) if (url) URL.revokeObjectURL(url);
  Object.assign(state, { photo: file, photoUrl: URL.createObjectURL(file), resultUrl: null });
  viewer.showPhoto(state.photoUrl, file.name || "");
  $("dropzone").hidden = true;
  $("viewer").hidden = false;
  $("download").hidden = true;
  $("progress").hidden = true;
  $("outlineSwitch").hidden = true;
  $("showChanges").checked = false;
  updateButton();
}

function updateButton() {
  const hint = !state.photo ? "needPhoto" : state.choices.size === 0 ? "needType" : null;
  $("render").disabled = state.busy || hint !== null;
  $("renderHint").textContent = hint ? state.tr.t(hint) : "";
}

function formFor() {
  const form = new FormData();
  form.append("photo", state.photo, state.photo.name || "photo.jpg");
  for (const [type, choice] of state.choices) {
    form.append("type", type);
    form.append("material", `${type}=${choice.material}`);
    if (choice.colour) form.append("color", `${type}=${choice.colour}`);
  }
  return form;
}

// POST with XMLHttpRequest, not fetch: only XHR reports upload progress, which matters on a phone.
function send(form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/render?edit_mask=true");
    xhr.responseType = "blob";
    xhr.upload.addEventListener("progress", (event) => event.lengthComputable && onProgress(event.loaded / event.total));
    xhr.upload.addEventListener("load", () => onProgress(1));
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.send(form);
  });
}

async function render() {
  if (state.busy || $("render").disabled) return;
  clearMessages();
  setBusy(true);
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(0);
  let uploaded = false;
  const timer = setInterval(() => uploaded && progress(null, state.tr.t("rendering", { seconds: seconds() })), 250);
  try {
    const xhr = await send(formFor(), (share) => {
      uploaded = share >= 1;
      progress(uploaded ? null : share, uploaded ? state.tr.t("rendering", { seconds: seconds() })
        : state.tr.t("uploading", { percent: Math.round(share * 100) }));
    });
    if (xhr.status !== 200) return await showFailure(xhr);
    const parts = await new Response(xhr.response, { headers: { "Content-Type": xhr.getResponseHeader("Content-Type") } }).formData();
    await showResult(parts.get("after"), parts.get("edit_mask"), JSON.parse(xhr.getResponseHeader("Render-Warnings") || "[]"));
    progress(1, state.tr.t("done", { seconds: ((performance.now() - started) / 1000).toFixed(1) }));
  } catch {
    showError(state.tr.t("errorNetwork"));
  } finally {
    clearInterval(timer);
    setBusy(false);
  }
}

async function showResult(after, editMask, warnings) {
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = URL.createObjectURL(after);
  await viewer.showResult(state.resultUrl, editMask);
  $("showChanges").checked = false;
  $("outlineSwitch").hidden = false;
  const stem = (state.photo.name || "house").replace(/\.[^.]*$/, "");
  Object.assign($("download"), { href: state.resultUrl, download: `${stem}-after.${after.type === "image/jpeg" ? "jpg" : "png"}` });
  $("download").hidden = false;
  showWarnings(warnings);
  if (!matchMedia("(min-width: 900px)").matches) $("viewer").scrollIntoView({ behavior: "smooth", block: "start" });
}

async function showFailure(xhr) {
  let line = "";
  try { line = JSON.parse(await xhr.response.text()).error || ""; } catch { /* not JSON: keep the headline */ }
  const retry = xhr.getResponseHeader("Retry-After") || "5";
  const key = { 400: "errorBadRequest", 413: "errorTooLarge", 415: "errorNotImage", 422: "errorBadRequest",
    503: "errorBusy" }[xhr.status] || "errorServer";
  showError(state.tr.t(key, { seconds: retry }), line);
}

function showWarnings(warnings) {
  const box = $("warnings");
  const lines = warnings.map((line) => {
    const entry = (id) => state.catalog.find((type) => type.id === id);
    const missing = /^([a-z-]+): no (\w+) found in this photo/.exec(line);
    if (missing && entry(missing[1])) {
      return state.tr.t("missingRegion", { type: state.tr.type(entry(missing[1])), region: state.tr.region(missing[2]) });
    }
    const someKept = /^([a-z-]+): (\d+) of (\d+) windows show no frame clear enough/.exec(line);
    if (someKept && entry(someKept[1])) {
      return state.tr.t("windowsKept", { type: state.tr.type(entry(someKept[1])), kept: someKept[2], total: someKept[3] });
    }
    const allKept = /^([a-z-]+): no window shows a frame clear enough/.exec(line);
    return allKept && entry(allKept[1]) ? state.tr.t("windowsNone", { type: state.tr.type(entry(allKept[1])) }) : line;
  });
  box.replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
  box.hidden = lines.length === 0;
}

function showError(headline, line = "") {
  const box = $("error");
  const strong = Object.assign(document.createElement("strong"), { textContent: headline });
  box.replaceChildren(strong, ...(line ? [Object.assign(document.createElement("span"), { textContent: line })] : []));
  box.hidden = false;
  $("progress").hidden = true;
}

function clearMessages() {
  $("error").hidden = true;
  $("warnings").hidden = true;
}

function progress(share, text) {
  $("progress").hidden = false;
  const bar = $("progressFill").parentElement;
  bar.classList.toggle("indeterminate", share === null);
  $("progressFill").style.width = share === null ? "" : `${Math.round(share * 100)}%`;
  $("progressText").textContent = text;
}

function setBusy(busy) {
  state.busy = busy;
  viewer.busy(busy);
  if (busy) progress(0, state.tr.t("uploading", { percent: 0 }));
  updateButton();
}

start().catch(() => {
  // Before the texts have loaded there is no language to speak in: say it in English.
  showError("The page could not reach its server. Reload the page to try again.");
});

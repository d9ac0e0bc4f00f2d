// The picture: the photo alone, then the before/after slider over the result, and the outline of what
// changed, drawn from the edit mask the API returns beside the after photo (0 = pixel unchanged).

const OUTLINE_LONG_SIDE = 1600;  // the mask is traced at most this large: plenty for a screen, fast on a phone
const OUTLINE = [255, 196, 0];

export function createViewer(ids) {
  const el = Object.fromEntries(ids.map((id) => [id, document.getElementById(id)]));
  let mask = null;
  let traced = false;

  const setPosition = (percent) => el.compare.style.setProperty("--pos", `${percent}%`);
  el.after.addEventListener("load", () => {
    el.compare.classList.remove("no-preview");
    el.compare.style.setProperty("--aspect", String(el.after.naturalWidth / el.after.naturalHeight));
  });
  // A file the browser cannot show (the server may still read it, or will say why not): an empty frame.
  el.after.addEventListener("error", () => el.compare.classList.add("no-preview"));
  el.slider.addEventListener("input", () => setPosition(el.slider.value));

  function compareParts(visible) {
    for (const part of [el.slider, el.handle, el.tagBefore, el.tagAfter]) part.hidden = !visible;
    el.beforeLayer.classList.toggle("full", !visible);
  }

  return {
    // Only the photo, before any render (the before layer covers the whole picture).
    showPhoto(url, name) {
      el.compare.dataset.name = name;
      el.before.src = url;
      el.after.src = url;
      mask = null;
      traced = false;
      el.outline.hidden = true;
      compareParts(false);
    },
    // The result under the photo, the slider in the middle; resolves once the after photo is decoded.
    async showResult(afterUrl, editMask) {
      el.after.src = afterUrl;
      await el.after.decode();
      mask = editMask;
      traced = false;
      el.slider.value = 50;
      setPosition(50);
      compareParts(true);
    },
    async showOutline(on) {
      if (on && mask && !traced) {
        await trace(mask, el.outline);
        traced = true;
      }
      el.outline.hidden = !on || !traced;
    },
    busy(on) { el.veil.hidden = !on; },
    afterImage: () => el.after,
  };
}

// Paint the mask's edge (and a light tint inside) into the canvas, at most OUTLINE_LONG_SIDE px long.
async function trace(maskBlob, canvas) {
  const bitmap = await createImageBitmap(maskBlob);
  const scale = Math.min(1, OUTLINE_LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0, width, height);
  const pixels = context.getImageData(0, 0, width, height).data;
  const inside = new Uint8Array(width * height);
  for (let i = 0; i < inside.length; i++) inside[i] = pixels[i * 4] > 0 ? 1 : 0;
  const out = context.createImageData(width, height);
  const reach = Math.max(1, Math.round(width / 500));  // edge thickness grows with the picture
  // Outside the picture counts as inside, so the photo's own border is not outlined.
  const at = (x, y) => x < 0 || y < 0 || x >= width || y >= height || inside[y * width + x] === 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside[y * width + x]) continue;
      const edge = !at(x - reach, y) || !at(x + reach, y) || !at(x, y - reach) || !at(x, y + reach);
      out.data.set([...OUTLINE, edge ? 255 : 46], (y * width + x) * 4);
    }
  }
  context.putImageData(out, 0, 0);
}

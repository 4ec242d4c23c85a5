// image-grid.mjs: a grid of small images (misclassified digits, filters, feature maps, saliency)
// drawn at their true resolution and upscaled by CSS with pixelated sampling, so every pixel of a
// 5x5 filter is a visible square on any screen without redrawing at devicePixelRatio.
import { diverging } from './colormap.mjs';

/**
 * A grid of labelled image tiles.
 * @param {HTMLElement} container
 * @param {{columns?: number, scale?: number, caption?: string}} options
 *   columns fixes the number of columns (otherwise as many as fit); scale is CSS px per image pixel.
 * @returns {{update(images: {data: Float32Array|Uint8Array, width: number, height: number, channels?: number,
 *   label?: string, title?: string, diverging?: boolean, onClick?: (pixel: {x: number, y: number} | null) => void}[]): void,
 *   reset(): void, destroy(): void}}
 *   onClick gets the image pixel clicked, or null when the tile was pressed from the keyboard.
 *   Float32 images are normalized per image to their [min, max]; Uint8 are read as 0..255;
 *   diverging images map 0 to white, negative to blue and positive to red, scaled by max |v|.
 *   channels 3 is planar (CHW, as the engine stores it); other counts show channel 0.
 * @example
 * const grid = createImageGrid(el, { scale: 2, caption: 'Misclassified' });
 * grid.update([{ data: x.subarray(0, 784), width: 28, height: 28, label: '7 → 2', onClick: () => show(0) }]);
 */
export function createImageGrid(container, { columns, scale = 3, caption } = {}) {
  const root = document.createElement('figure');
  root.className = 'ig';
  const list = document.createElement('div');
  list.className = 'ig-tiles';
  if (columns) {
    list.style.display = 'grid';
    list.style.gridTemplateColumns = `repeat(${columns}, minmax(0, max-content))`; // may shrink on a phone
  }
  root.append(list);
  if (caption) {
    const c = document.createElement('figcaption');
    c.className = 'ig-caption';
    c.textContent = caption;
    root.append(c);
  }
  container.append(root);

  /** @type {{el: HTMLElement, canvas: HTMLCanvasElement, label: HTMLElement, w: number, h: number, click: ((() => void)|null)}[]} */
  let tiles = [];

  function makeTile(img) {
    const clickable = typeof img.onClick === 'function';
    const el = document.createElement(clickable ? 'button' : 'div');
    el.className = 'ig-tile';
    if (clickable) el.type = 'button';
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    canvas.style.width = `${img.width * scale}px`;
    canvas.style.aspectRatio = `${img.width} / ${img.height}`;
    const label = document.createElement('span');
    label.className = 'ig-label';
    el.append(canvas, label);
    const tile = { el, canvas, label, w: img.width, h: img.height, click: null };
    if (clickable) el.addEventListener('click', (e) => tile.click?.(pixelAt(canvas, e, tile)));
    return tile;
  }

  function paint(tile, img, i) {
    const { width: w, height: h, data } = img, n = w * h, ch = img.channels ?? 1;
    const ctx = tile.canvas.getContext('2d');
    const out = ctx.createImageData(w, h), px = out.data;
    const rgb = ch === 3 && !img.diverging && data.length >= 3 * n;
    const bytes = data instanceof Uint8Array || data instanceof Uint8ClampedArray;
    let lo = Infinity, hi = -Infinity;
    if (!bytes) {
      const m = rgb ? 3 * n : n;
      for (let j = 0; j < m; j++) {
        const v = data[j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (img.diverging) {
      const s = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
      for (let j = 0; j < n; j++) diverging(data[j] / s, px, 4 * j);
    } else {
      // A constant image (a dead ReLU map) has no range; it shows as black, like zeros.
      const off = bytes ? 0 : lo, mul = bytes ? 1 : hi > lo ? 255 / (hi - lo) : 0;
      for (let j = 0; j < n; j++) {
        const g = (data[j] - off) * mul;
        px[4 * j] = g;
        px[4 * j + 1] = rgb ? (data[n + j] - off) * mul : g;
        px[4 * j + 2] = rgb ? (data[2 * n + j] - off) * mul : g;
        px[4 * j + 3] = 255;
      }
    }
    ctx.putImageData(out, 0, 0);
    tile.label.textContent = img.label ?? '';
    tile.label.hidden = !img.label;
    const desc = img.title ?? img.label ?? `image ${i + 1}`;
    tile.el.title = img.title ?? '';
    if (!img.title) tile.el.removeAttribute('title');
    tile.canvas.setAttribute('role', 'img');
    tile.canvas.setAttribute('aria-label', `${desc}, ${w}x${h}${img.diverging ? ', blue negative, red positive' : ''}`);
    tile.click = img.onClick ?? null;
  }

  function update(images) {
    // Tiles are reused when their shape matches, so a live feature-map view (updated at 30 Hz
    // from the draw pad) does not rebuild the DOM every frame.
    images.forEach((img, i) => {
      let tile = tiles[i];
      const clickable = typeof img.onClick === 'function';
      if (!tile || tile.w !== img.width || tile.h !== img.height || (tile.el.tagName === 'BUTTON') !== clickable) {
        const fresh = makeTile(img);
        if (tile) tile.el.replaceWith(fresh.el); else list.append(fresh.el);
        tiles[i] = tile = fresh;
      }
      paint(tile, img, i);
    });
    for (const t of tiles.splice(images.length)) t.el.remove();
  }

  return {
    update,
    reset() { update([]); },
    destroy() { tiles = []; root.remove(); },
  };
}

// The image pixel under a pointer click, or null (a key press, or a click beside the image).
function pixelAt(canvas, e, tile) {
  if (!e.detail) return null;
  const r = canvas.getBoundingClientRect(), x = Math.floor(((e.clientX - r.left) / r.width) * tile.w), y = Math.floor(((e.clientY - r.top) / r.height) * tile.h);
  return x >= 0 && y >= 0 && x < tile.w && y < tile.h ? { x, y } : null;
}

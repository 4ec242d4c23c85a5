// conv-grids.mjs: the maps of the convolution widgets (kernels, receptive-field) drawn as grids of
// square cells, one canvas per map with its title above it, side by side and wrapping on a phone.
// The numbers come from the engine; this only paints them.
import { diverging } from '../components/colormap.mjs';
import { fitCanvas } from '../components/hidpi.mjs';

/** A row of map panels inside a figure box; wraps when the box is narrow. */
export function panelRow(box) {
  const row = document.createElement('div');
  Object.assign(row.style, { display: 'flex', flexWrap: 'wrap', gap: '0.5rem 1rem', alignItems: 'flex-start' });
  box.append(row);
  return row;
}

/** One map: a title (text, read by screen readers) over a canvas with role img. */
export function panel(row, title) {
  const el = document.createElement('div'), head = document.createElement('div'), canvas = document.createElement('canvas');
  Object.assign(head.style, { fontSize: '0.85rem', marginBottom: '0.2rem' });
  head.textContent = title;
  canvas.className = 'plot-canvas';
  canvas.setAttribute('role', 'img');
  el.append(head, canvas);
  row.append(el);
  return { el, head, canvas };
}

/**
 * Paint a rows × cols map, `cell` CSS pixels a cell. fill(i) gives cell i's colour as [r, g, b];
 * boxes are outlines [{r0, c0, r1, c1, color, dash}] in cells (inclusive ends).
 */
export function paintGrid(canvas, { rows, cols, cell, fill, boxes = [], lines = 0 }) {
  const w = cols * cell + 2, h = rows * cell + 2, ctx = fitCanvas(canvas, w, h);
  ctx.clearRect(0, 0, w, h);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const [R, G, B] = fill(r * cols + c);
      ctx.fillStyle = `rgb(${R}, ${G}, ${B})`;
      ctx.fillRect(1 + c * cell, 1 + r * cell, cell, cell);
    }
  if (lines) { // a window grid every `lines` cells (pooling windows)
    ctx.strokeStyle = 'rgba(29, 35, 48, 0.35)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = lines; r < rows; r += lines) (ctx.moveTo(1, 1 + r * cell), ctx.lineTo(w - 1, 1 + r * cell));
    for (let c = lines; c < cols; c += lines) (ctx.moveTo(1 + c * cell, 1), ctx.lineTo(1 + c * cell, h - 1));
    ctx.stroke();
  }
  ctx.strokeStyle = '#d5d9e0';
  ctx.lineWidth = 1;
  ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
  for (const b of boxes) {
    ctx.strokeStyle = b.color ?? '#1d2330';
    ctx.lineWidth = 2;
    ctx.setLineDash(b.dash ? [4, 3] : []);
    ctx.strokeRect(1 + b.c0 * cell, 1 + b.r0 * cell, (b.c1 - b.c0 + 1) * cell, (b.r1 - b.r0 + 1) * cell);
  }
  ctx.setLineDash([]);
  return ctx;
}

const px = new Uint8ClampedArray(4);
/** The diverging colour (blue negative, white zero, red positive) of v on the scale ±range. */
export function signedColor(v, range) {
  diverging(range > 0 ? v / range : 0, px, 0);
  return [px[0], px[1], px[2]];
}

/** Ink on paper: 0 white, 1 black (a digit's pixels in [0, 1]). */
export const inkColor = (v) => {
  const g = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
  return [g, g, g];
};

/** The largest |v| (the scale of a diverging map). */
export const maxAbs = (values) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** A number short enough for a map's label: 3 significant figures, no -0. */
export function short(v) {
  if (Math.abs(v) < 5e-4) return '0';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

// plot.mjs: a plot on fixed x and y ranges for the concept widgets: curves (an activation and
// its derivative), shaded x intervals (where a unit saturates), a coloured field under
// everything (a loss surface), paths with their heads (optimizers racing) and labelled points.
// The canvas carries an aria-label; the widget writes the figures it shows as text beside it.
import { fitCanvas, watchWidth } from './hidpi.mjs';
import { diverging } from './colormap.mjs';

/**
 * @param {HTMLElement} container
 * @param {{height?: number, square?: boolean, xLabel?: string, yLabel?: string, label?: string}} options
 *   square: as tall as wide (a 2-D surface), else `height` CSS px (200)
 * @returns {{update(scene: object): void, destroy(): void}}
 *   scene: {x: [min, max], y: [min, max], lines?: [{xs, ys, color, dashed?, width?, name?}],
 *   bands?: [{from, to, color}], field?: {cols, rows, values, signed?, alpha?} (row 0 at the top),
 *   paths?: [{xs, ys, color, name?}], points?: [{x, y, color, r?, label?}], hline?: number[], vline?: number[],
 *   xLog?: boolean (x on a log scale)}
 * @example
 * const plot = createPlot(el, { xLabel: 'x', yLabel: 'f(x)' });
 * plot.update({ x: [-5, 5], y: [-1, 5], lines: [{ xs, ys, color: '#2f6fde', name: 'relu' }] });
 */
export function createPlot(container, { height = 200, square = false, xLabel = '', yLabel = '', label = '' } = {}) {
  const canvas = document.createElement('canvas');
  canvas.className = 'plot-canvas';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  container.append(canvas);
  let width = 0, scene = null, fieldImage = null, fieldKey = null;
  const stop = watchWidth(container, (w) => {
    width = w;
    draw();
  });

  function draw() {
    if (!width || !scene) return;
    const h = square ? Math.min(width, 480) : height;
    const w = square ? h : width;
    const ctx = fitCanvas(canvas, w, h);
    const css = getComputedStyle(container);
    const ink = css.getPropertyValue('--ink').trim() || '#1d2330', muted = css.getPropertyValue('--muted').trim() || '#5b6475';
    ctx.clearRect(0, 0, w, h);
    ctx.font = `12px ${css.fontFamily || 'system-ui, sans-serif'}`;
    const left = 44, right = 8, top = 8, bottom = 30;
    const [x0, x1] = scene.x, [y0, y1] = scene.y;
    // (xLog: x on a log scale, ticks at powers of ten)
    const lx = (x) => (scene.xLog ? Math.log10(x) : x);
    const px = (x) => left + ((lx(x) - lx(x0)) / (lx(x1) - lx(x0))) * (w - left - right);
    const py = (y) => top + ((y1 - y) / (y1 - y0)) * (h - top - bottom);

    if (scene.field) {
      const f = scene.field;
      if (fieldKey !== f.values) { // (a new field: paint its cells once into an image)
        fieldKey = f.values;
        fieldImage = document.createElement('canvas');
        fieldImage.width = f.cols;
        fieldImage.height = f.rows;
        const img = new ImageData(f.cols, f.rows);
        let lo = Infinity, hi = -Infinity;
        for (const v of f.values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
        const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
        for (let i = 0; i < f.values.length; i++) {
          const v = f.values[i];
          // signed: blue below 0, red above; else dark blue (low) to white (high)
          if (f.signed) diverging(v / span, img.data, 4 * i);
          else sequential(Math.sqrt(Math.max(0, (v - lo) / (hi - lo || 1))), img.data, 4 * i);
        }
        fieldImage.getContext('2d').putImageData(img, 0, 0);
      }
      ctx.imageSmoothingEnabled = true;
      ctx.globalAlpha = f.alpha ?? 1;
      ctx.drawImage(fieldImage, px(x0), py(y1), px(x1) - px(x0), py(y0) - py(y1));
      ctx.globalAlpha = 1;
    }
    for (const b of scene.bands ?? []) {
      ctx.fillStyle = b.color;
      ctx.fillRect(px(Math.max(x0, b.from)), top, px(Math.min(x1, b.to)) - px(Math.max(x0, b.from)), h - top - bottom);
    }
    // axes, ticks and zero lines
    ctx.strokeStyle = muted;
    ctx.fillStyle = muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, w - left - right, h - top - bottom);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xTicks = scene.xLog ? ticks(Math.log10(x0), Math.log10(x1), Math.max(2, Math.floor((w - left) / 70))).filter(Number.isInteger).map((e) => 10 ** e) : ticks(x0, x1, Math.max(2, Math.floor((w - left) / 70)));
    for (const t of xTicks) { // (a label at either end is moved in, not cut off by the canvas's edge)
      const label = fmt(t), half = ctx.measureText(label).width / 2;
      ctx.fillText(label, Math.max(half + 1, Math.min(w - half - 1, px(t))), h - bottom + 4);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of ticks(y0, y1, Math.max(2, Math.floor(h / 50)))) ctx.fillText(fmt(t), left - 4, py(t));
    if (xLabel) {
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(xLabel, w - right, h);
    }
    if (yLabel) {
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(yLabel, left + 4, top + 2);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, w - left - right, h - top - bottom);
    ctx.clip();
    ctx.strokeStyle = '#b8bfcc';
    ctx.setLineDash([2, 3]);
    for (const y of [0, ...(scene.hline ?? [])]) if (y > y0 && y < y1) line(ctx, px(x0), py(y), px(x1), py(y));
    for (const x of [...(scene.xLog ? [] : [0]), ...(scene.vline ?? [])]) if (x > x0 && x < x1) line(ctx, px(x), py(y0), px(x), py(y1));
    ctx.setLineDash([]);
    for (const l of scene.lines ?? []) {
      ctx.strokeStyle = l.color;
      ctx.lineWidth = l.width ?? 2;
      ctx.setLineDash(l.dashed ? [6, 4] : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < l.xs.length; i++) {
        const y = l.ys[i];
        if (!Number.isFinite(y)) { pen = false; continue; }
        const Y = py(Math.max(y0 - (y1 - y0), Math.min(y1 + (y1 - y0), y)));
        pen ? ctx.lineTo(px(l.xs[i]), Y) : ctx.moveTo(px(l.xs[i]), Y);
        pen = true;
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const p of scene.paths ?? []) {
      ctx.strokeStyle = p.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let i = 0; i < p.xs.length; i++) (i ? ctx.lineTo : ctx.moveTo).call(ctx, px(p.xs[i]), py(p.ys[i]));
      ctx.stroke();
      const n = p.xs.length - 1;
      if (n >= 0) dot(ctx, px(p.xs[n]), py(p.ys[n]), 5, p.color, ink);
    }
    for (const p of scene.points ?? []) {
      dot(ctx, px(p.x), py(p.y), p.r ?? 4, p.color, ink);
      if (p.label) {
        ctx.fillStyle = ink;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'bottom';
        ctx.fillText(p.label, px(p.x) + 6, py(p.y) - 4);
      }
    }
    ctx.restore();
  }

  return {
    update(s) {
      scene = s;
      draw();
    },
    destroy() {
      stop();
      canvas.remove();
    },
  };
}

// dark blue (#1e3a8a) at 0 to a near-white blue (#f1f5fb) at 1
function sequential(t, out, o) {
  const a = [30, 58, 138], b = [241, 245, 251];
  for (let k = 0; k < 3; k++) out[o + k] = a[k] + (b[k] - a[k]) * Math.min(1, t);
  out[o + 3] = 255;
}

function line(ctx, ax, ay, bx, by) {
  ctx.beginPath();
  ctx.moveTo(ax, ay);
  ctx.lineTo(bx, by);
  ctx.stroke();
}

function dot(ctx, x, y, r, fill, ring) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.strokeStyle = ring;
  ctx.lineWidth = 1;
  ctx.stroke();
}

/** Round tick values between lo and hi, about `n` of them (1, 2 or 5 times a power of ten apart). */
export function ticks(lo, hi, n) {
  const raw = (hi - lo) / n, p = 10 ** Math.floor(Math.log10(raw)), m = raw / p;
  const step = (m >= 5 ? 10 : m >= 2 ? 5 : m >= 1 ? 2 : 1) * p;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

const fmt = (t) => (Math.abs(t) >= 1e5 || (Math.abs(t) < 0.001 && t !== 0) ? t.toExponential(0) : String(+t.toPrecision(3)));

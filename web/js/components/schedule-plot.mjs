// schedule-plot.mjs: a sparkline of the learning rate per step, so the effect of warm-up,
// decay and restarts is visible next to the controls that set them.
import { fitCanvas, watchWidth } from './hidpi.mjs';

/**
 * A small sparkline of a learning-rate schedule with its max and min written beside it.
 * @param {HTMLElement} container
 * @param {{height?: number}} options  height of the plot in CSS px
 * @returns {{update(values: ArrayLike<number>): void, destroy(): void}}
 * @example
 * const plot = createSchedulePlot(el);
 * plot.update(Float32Array.from({ length: 1000 }, (_, t) => 1e-3 * 0.5 * (1 + Math.cos(Math.PI * t / 1000))));
 */
export function createSchedulePlot(container, { height = 60 } = {}) {
  const root = document.createElement('div');
  root.className = 'sp';
  const plot = document.createElement('div');
  plot.className = 'sp-plot';
  const canvas = document.createElement('canvas');
  canvas.className = 'sp-canvas';
  plot.append(canvas);
  canvas.setAttribute('role', 'img');
  const labels = document.createElement('div');
  labels.className = 'sp-labels';
  labels.style.height = `${height}px`;
  const maxEl = document.createElement('span'), minEl = document.createElement('span');
  labels.append(maxEl, minEl);
  root.append(plot, labels);
  container.append(root);

  let values = [], width = 0;
  const stop = watchWidth(plot, (w) => { width = w; draw(); });

  function draw() {
    if (!width) return;
    const w = width, ctx = fitCanvas(canvas, w, height);
    ctx.clearRect(0, 0, w, height);
    const n = values.length;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { const v = values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    maxEl.textContent = n ? `max ${fmt(hi)}` : '';
    // Cosine decay reaches zero one step after the run: its last step's 5.6e-9 beside a 2e-3
    // peak reads as a bug, so a rate 10,000 times below the peak shows as 0.
    if (Math.abs(lo) < 1e-4 * Math.abs(hi)) lo = 0;
    minEl.textContent = n ? `min ${fmt(lo)}` : '';
    canvas.setAttribute('aria-label', n
      ? `Learning-rate schedule over ${n} steps: starts at ${fmt(values[0])}, ends at ${fmt(values[n - 1])}, max ${fmt(hi)}, min ${fmt(lo)}`
      : 'Learning-rate schedule: none yet');
    if (!n || !Number.isFinite(lo) || !Number.isFinite(hi)) return;
    const css = getComputedStyle(root), accent = css.getPropertyValue('--accent').trim() || '#2f6fde';
    const span = hi - lo || Math.abs(hi) || 1, top = 3, ph = height - 6;
    const x = (i) => (n === 1 ? w / 2 : (i / (n - 1)) * (w - 2) + 1);
    const y = (v) => top + (1 - (hi === lo ? 0.5 : (v - lo) / span)) * ph;
    ctx.beginPath();
    // Long schedules (100,000 steps) collapse to one min/max pair per pixel column.
    const stride = Math.max(1, Math.floor(n / (2 * w)));
    for (let i = 0; i < n; i += stride) {
      let a = values[i], b = a;
      for (let j = i + 1; j < Math.min(n, i + stride); j++) { if (values[j] < a) a = values[j]; if (values[j] > b) b = values[j]; }
      if (i === 0) ctx.moveTo(x(i), y(values[0]));
      ctx.lineTo(x(i), y(b)); if (a !== b) ctx.lineTo(x(i), y(a));
    }
    ctx.lineTo(x(n - 1), y(values[n - 1]));
    ctx.strokeStyle = accent;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.lineTo(x(n - 1), height); ctx.lineTo(x(0), height); ctx.closePath();
    ctx.globalAlpha = 0.12; ctx.fillStyle = accent; ctx.fill(); ctx.globalAlpha = 1;
  }

  return {
    update(v) {
      values = v ?? [];
      draw();
    },
    destroy() {
      stop();
      root.remove();
    },
  };
}

function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-2 || a >= 1e4 ? (+v.toPrecision(3)).toExponential().replace('e+', 'e') : String(+v.toPrecision(3));
}

// line-chart.mjs: a canvas line chart for training curves. Points arrive once per batch, so
// push() only appends to typed arrays and asks for a frame; drawing decimates to one min/max
// pair per pixel column, so a chart holding 100,000 points draws as fast as one holding 1,000.
import { fitCanvas, frameThrottle, watchWidth } from './hidpi.mjs';

const PALETTE = ['#2f6fde', '#e8590c', '#1f8a4c', '#c23b3b', '#7048e8', '#0c8599'];

/**
 * A line chart with axes, ticks, a legend and auto-scaling.
 * @param {HTMLElement} container
 * @param {{title?: string, yLabel?: string, xLabel?: string,
 *   series: {name: string, color?: string, dashed?: boolean}[],
 *   yMin?: number, yMax?: number, height?: number, log?: boolean}} options
 *   `log: true` draws y on a log scale (non-positive values are skipped); yMin/yMax pin the range.
 * @returns {{push(seriesIndex: number, x: number, y: number): void,
 *   set(seriesIndex: number, points: number[][]): void, reset(): void, destroy(): void}}
 * @example
 * const chart = createLineChart(el, { title: 'Loss', yLabel: 'loss', log: true,
 *   series: [{ name: 'train', color: '#2f6fde' }, { name: 'test', color: '#e8590c', dashed: true }] });
 * chart.push(0, 0.01, 2.3);             // per batch: x in (fractional) epochs
 * chart.set(1, [[1, 0.4], [2, 0.3]]);   // replace a whole series
 */
export function createLineChart(container, options = {}) {
  const { title = '', yLabel = '', xLabel = 'epoch', yMin, yMax, height = 180, log = false } = options;
  const series = (options.series ?? [{ name: yLabel || 'value' }]).map((s, i) => ({
    name: s.name ?? `series ${i + 1}`, color: s.color ?? PALETTE[i % PALETTE.length], dashed: !!s.dashed,
    xs: new Float64Array(256), ys: new Float64Array(256), n: 0,
  }));

  const root = document.createElement('figure');
  root.className = 'lc';
  const head = document.createElement('figcaption');
  head.className = 'lc-head';
  if (title) {
    const t = document.createElement('span');
    t.className = 'lc-title';
    t.textContent = title;
    head.append(t);
  }
  const legend = document.createElement('ul');
  legend.className = 'lc-legend';
  const legendValues = series.map((s) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'lc-swatch';
    sw.style.borderTop = `3px ${s.dashed ? 'dashed' : 'solid'} ${s.color}`;
    const v = document.createElement('span');
    v.className = 'lc-value';
    li.append(sw, s.name, v);
    legend.append(li);
    return v;
  });
  head.append(legend);
  const canvas = document.createElement('canvas');
  canvas.className = 'lc-canvas';
  canvas.setAttribute('role', 'img');
  root.append(head, canvas);
  container.append(root);

  let width = 0;
  const frame = frameThrottle(draw);
  const stopWatching = watchWidth(root, (w) => { width = w; draw(); });

  function draw() {
    if (!width) return;
    const ctx = fitCanvas(canvas, width, height);
    const css = getComputedStyle(root);
    const ink = css.getPropertyValue('--ink').trim() || '#1d2330';
    const muted = css.getPropertyValue('--muted').trim() || '#5b6475';
    const line = css.getPropertyValue('--line').trim() || '#dde1ea';
    const font = css.fontFamily || 'system-ui, sans-serif';
    ctx.clearRect(0, 0, width, height);
    ctx.font = `12px ${font}`; // (WCAG: chart text at least 12 px)

    const ty = (y) => (log ? (y > 0 ? Math.log10(y) : NaN) : y);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const s of series) {
      for (let i = 0; i < s.n; i++) {
        const x = s.xs[i], y = ty(s.ys[i]);
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    const empty = x0 > x1;
    if (empty) { x0 = 0; x1 = 1; y0 = log ? -1 : 0; y1 = log ? 0 : 1; }
    if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
    // Padding keeps the curve off the frame; pinned ends are honoured exactly.
    const pad = y1 > y0 ? (y1 - y0) * 0.06 : Math.abs(y0) * 0.1 || 0.5;
    const pinnedMin = yMin !== undefined && Number.isFinite(ty(yMin)), pinnedMax = yMax !== undefined && Number.isFinite(ty(yMax));
    let lo = pinnedMin ? ty(yMin) : y0 - pad, hi = pinnedMax ? ty(yMax) : y1 + pad;
    if (!pinnedMin && !log && y0 >= 0 && lo < 0) lo = 0; // accuracy and loss are never negative
    if (hi <= lo) hi = lo + 1;

    const yTicks = log ? logTicks(lo, hi) : niceTicks(lo, hi, Math.max(2, Math.floor(height / 38)));
    const yText = yTicks.map((t) => fmt(log ? 10 ** t : t, log ? null : yTicks[1] - yTicks[0]));
    const left = Math.ceil(Math.max(18, ...yText.map((s) => ctx.measureText(s).width))) + 8;
    const top = yLabel ? 16 : 6, bottom = 20, right = 10;
    const pw = Math.max(10, width - left - right), ph = Math.max(10, height - top - bottom);
    const px = (x) => left + ((x - x0) / (x1 - x0)) * pw;
    const py = (y) => top + (1 - (y - lo) / (hi - lo)) * ph;

    // Grid and y tick labels.
    ctx.lineWidth = 1;
    ctx.strokeStyle = line;
    ctx.fillStyle = muted;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    yTicks.forEach((t, i) => {
      const y = Math.round(py(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + pw, y); ctx.stroke();
      ctx.fillText(yText[i], left - 6, y);
    });
    // The x label sits at the bottom-right; tick labels that would collide with it are dropped.
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'right';
    const xlw = xLabel ? ctx.measureText(xLabel).width : 0;
    if (xLabel) ctx.fillText(xLabel, left + pw, height - 5);
    ctx.textAlign = 'center';
    const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor(pw / 64)));
    const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
    for (const t of xTicks) {
      const x = Math.round(px(t)) + 0.5, s = fmt(t, xStep), w = ctx.measureText(s).width;
      ctx.beginPath(); ctx.moveTo(x, top + ph); ctx.lineTo(x, top + ph + 4); ctx.stroke();
      if (xLabel && x + w / 2 > left + pw - xlw - 8) continue;
      ctx.fillText(s, x, height - 5);
    }
    if (yLabel) { ctx.textAlign = 'left'; ctx.fillText(log ? `${yLabel} (log)` : yLabel, left, 11); }
    ctx.strokeStyle = muted;
    ctx.beginPath(); ctx.moveTo(left + 0.5, top); ctx.lineTo(left + 0.5, top + ph + 0.5); ctx.lineTo(left + pw, top + ph + 0.5); ctx.stroke();

    if (empty) {
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillText('no data yet', left + pw / 2, top + ph / 2);
    }

    ctx.save();
    ctx.beginPath(); ctx.rect(left, top - 2, pw, ph + 4); ctx.clip();
    ctx.lineWidth = 1.75;
    ctx.lineJoin = 'round';
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.setLineDash(s.dashed ? [6, 4] : []);
      ctx.beginPath();
      traceDecimated(ctx, s, ty, px, py);
      ctx.stroke();
      if (s.n === 1 || countFinite(s, ty) === 1) dot(ctx, s, ty, px, py);
    }
    ctx.restore();

    // Latest values in the legend and the label serve screen readers and quick reading alike.
    const latest = series.map((s, i) => {
      const y = s.n ? s.ys[s.n - 1] : NaN;
      legendValues[i].textContent = s.n ? fmt(y, null) : '';
      return s.n ? `${s.name} ${fmt(y, null)} at ${xLabel} ${fmt(s.xs[s.n - 1], null)}` : `${s.name} no data`;
    });
    canvas.setAttribute('aria-label', `${title || 'Line chart'}: ${yLabel || 'value'} against ${xLabel}${log ? ', log scale' : ''}. Latest: ${latest.join('; ')}.`);
  }

  function grow(s, need) {
    if (need <= s.xs.length) return;
    const cap = Math.max(need, s.xs.length * 2);
    const xs = new Float64Array(cap), ys = new Float64Array(cap);
    xs.set(s.xs.subarray(0, s.n)); ys.set(s.ys.subarray(0, s.n));
    s.xs = xs; s.ys = ys;
  }
  function at(i) {
    const s = series[i];
    if (!s) throw new RangeError(`line chart has ${series.length} series; no series ${i}`);
    return s;
  }

  return {
    push(seriesIndex, x, y) {
      const s = at(seriesIndex);
      grow(s, s.n + 1);
      s.xs[s.n] = x; s.ys[s.n] = y; s.n++;
      frame.request();
    },
    set(seriesIndex, points) {
      const s = at(seriesIndex);
      s.n = 0;
      grow(s, points.length);
      for (const [x, y] of points) { s.xs[s.n] = x; s.ys[s.n] = y; s.n++; }
      frame.request();
    },
    reset() {
      for (const s of series) s.n = 0;
      frame.request();
    },
    destroy() {
      frame.cancel();
      stopWatching();
      root.remove();
    },
  };
}

// One min/max pair per pixel column: the envelope of a noisy per-batch loss stays visible while
// the path length is bounded by the chart width, not the number of points.
function traceDecimated(ctx, s, ty, px, py) {
  let col = NaN, ymin = 0, ymax = 0, ylast = 0, pen = false;
  const flush = () => {
    if (col !== col) return;
    ctx.lineTo(col, ymin); ctx.lineTo(col, ymax); ctx.lineTo(col, ylast);
  };
  for (let i = 0; i < s.n; i++) {
    const yv = ty(s.ys[i]), xv = s.xs[i];
    if (!Number.isFinite(yv) || !Number.isFinite(xv)) { flush(); col = NaN; pen = false; continue; } // a gap, e.g. a NaN loss
    const c = Math.round(px(xv)), y = py(yv);
    if (c === col) {
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
      ylast = y;
      continue;
    }
    flush();
    if (pen) ctx.lineTo(c, y); else { ctx.moveTo(c, y); pen = true; }
    col = c; ymin = ymax = ylast = y;
  }
  flush();
}

function countFinite(s, ty) {
  let k = 0;
  for (let i = 0; i < s.n && k < 2; i++) if (Number.isFinite(ty(s.ys[i])) && Number.isFinite(s.xs[i])) k++;
  return k;
}

function dot(ctx, s, ty, px, py) {
  for (let i = 0; i < s.n; i++) {
    const y = ty(s.ys[i]);
    if (!Number.isFinite(y)) continue;
    ctx.fillStyle = s.color;
    ctx.beginPath(); ctx.arc(px(s.xs[i]), py(y), 3, 0, 2 * Math.PI); ctx.fill();
  }
}

function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(1, count), mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

// Ticks in log10 space: whole decades when the range spans several, else 1-2-5 within decades,
// else plain linear ticks on the exponent (a loss that only moves from 0.31 to 0.28).
function logTicks(lo, hi) {
  const decades = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) decades.push(e);
  if (decades.length >= 3) {
    const every = Math.ceil(decades.length / 6);
    return decades.filter((e) => e % every === 0);
  }
  const fine = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of [1, 2, 5]) {
      const t = e + Math.log10(m);
      if (t >= lo - 1e-9 && t <= hi + 1e-9) fine.push(t);
    }
  }
  if (fine.length >= 3) return fine;
  return niceTicks(10 ** lo, 10 ** hi, 3).filter((v) => v > 0).map(Math.log10);
}

function fmt(v, step) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return (+v.toPrecision(3)).toExponential().replace('e+', 'e');
  if (step) {
    let d = 0; // as many decimals as the tick step needs: 0.25 keeps two, 0.5 keeps one
    while (d < 6 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6) d++;
    return v.toFixed(d);
  }
  return a >= 100 ? v.toFixed(0) : String(+v.toPrecision(3));
}

// boundary.mjs: the TensorFlow-Playground-style view of a 2-D classifier: the decision surface
// with the data points over it (its hidden units are drawn by network-graph.mjs).
import { fitCanvas, frameThrottle, watchWidth } from './hidpi.mjs';
import { hexToRgb, CLASS_COLORS } from './colormap.mjs';

// The surface never reaches full colour, so points (drawn at full colour) stay visible on it.
const SURFACE = 0.72;

/**
 * A decision-boundary plot: a heat map of the predicted class over the input plane and points.
 * @param {HTMLElement} container
 * @param {{size?: number, extent?: number[], classColors?: string[]}} options
 *   size is the largest CSS size in px (it shrinks to fit); extent [min, max] is the x and y range.
 * @returns {{update(surface: {grid: Float32Array, gridSize: number, classes?: number}): void,
 *   setPoints(points: {x: number, y: number, label: number, test?: boolean}[]): void,
 *   onClick(handler: ((x: number, y: number, button: number) => void) | null): void, destroy(): void}}
 *   grid holds gridSize*gridSize*K probabilities, row-major, the first row at y = extent max;
 *   with K = 2 (or 1: P(class 1) alone) the map runs orange-white-blue by P(class 1), otherwise each
 *   cell takes its argmax class's colour, paler where the model is less sure. The click handler
 *   gets data coordinates and the mouse button; with it set, the plot is focusable and the arrow
 *   keys move a cursor, Enter or Space clicks (button 0) and Shift+Enter right-clicks (button 2).
 * @example
 * const b = createBoundary(el, { extent: [-6, 6] });
 * b.setPoints([{ x: 1, y: 2, label: 0 }, { x: -3, y: 0.5, label: 1, test: true }]);
 * b.update({ grid: probs, gridSize: 50, classes: 2 });
 * b.onClick((x, y, button) => addPoint(x, y, button === 2 ? 1 : 0));
 */
export function createBoundary(container, { size = 300, extent = [-6, 6], classColors = CLASS_COLORS } = {}) {
  const [lo, hi] = extent;
  const colors = classColors.map(hexToRgb);
  const root = document.createElement('div');
  root.className = 'bd';
  const canvas = document.createElement('canvas');
  canvas.className = 'bd-canvas';
  canvas.setAttribute('role', 'img');
  const caption = document.createElement('p');
  caption.className = 'bd-caption';
  caption.textContent = `x and y from ${lo} to ${hi}`;
  root.append(canvas, caption);
  container.append(root);

  const surface = document.createElement('canvas');
  let hasSurface = false, points = [], handler = null, cursor = null, px = 0;
  const toPx = (v) => ((v - lo) / (hi - lo)) * px;
  const toPy = (v) => ((hi - v) / (hi - lo)) * px;
  const frame = frameThrottle(draw);

  function draw() {
    if (!px) return;
    const ctx = fitCanvas(canvas, px, px);
    ctx.clearRect(0, 0, px, px);
    if (hasSurface) {
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(surface, 0, 0, px, px);
    } else {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, px, px);
    }
    ctx.strokeStyle = 'rgba(29, 35, 48, 0.18)';
    ctx.lineWidth = 1;
    if (lo < 0 && hi > 0) {
      const z = Math.round(toPx(0)) + 0.5, zy = Math.round(toPy(0)) + 0.5;
      ctx.beginPath(); ctx.moveTo(z, 0); ctx.lineTo(z, px); ctx.moveTo(0, zy); ctx.lineTo(px, zy); ctx.stroke();
    }
    const r = Math.max(2.5, px / 80);
    // Training points first, so hollow test points stay readable where they overlap.
    for (const pass of [false, true]) {
      for (const p of points) {
        if (!!p.test !== pass) continue;
        const c = colors[(p.label | 0) % colors.length] ?? [0, 0, 0];
        const col = `rgb(${c[0]}, ${c[1]}, ${c[2]})`, x = toPx(p.x), y = toPy(p.y);
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
        if (pass) {
          ctx.strokeStyle = '#fff'; ctx.lineWidth = 3.5; ctx.stroke();
          ctx.strokeStyle = col; ctx.lineWidth = 1.75; ctx.stroke();
        } else {
          ctx.fillStyle = col; ctx.fill();
          ctx.strokeStyle = '#fff'; ctx.lineWidth = 1; ctx.stroke();
        }
      }
    }
    if (cursor) {
      const x = toPx(cursor.x), y = toPy(cursor.y);
      ctx.strokeStyle = '#1d2330'; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(x - 8, y); ctx.lineTo(x + 8, y); ctx.moveTo(x, y - 8); ctx.lineTo(x, y + 8); ctx.stroke();
    }
    ctx.strokeStyle = 'rgba(29, 35, 48, 0.25)';
    ctx.strokeRect(0.5, 0.5, px - 1, px - 1);
  }

  function describe() {
    const test = points.filter((p) => p.test).length;
    canvas.setAttribute('aria-label', `Decision boundary: predicted class over x and y from ${lo} to ${hi}` +
      `${hasSurface ? '' : ' (not trained yet)'}, with ${points.length - test} training and ${test} test points` +
      `${handler ? '. Arrow keys move a cursor, Enter adds a point, Shift+Enter adds one of the other class' : ''}.`);
  }

  function update({ grid, gridSize, classes }) {
    const n = gridSize * gridSize, K = classes ?? Math.round(grid.length / n);
    if (surface.width !== gridSize) surface.width = surface.height = gridSize;
    const sctx = surface.getContext('2d');
    const img = sctx.createImageData(gridSize, gridSize), d = img.data;
    const c0 = colors[0], c1 = colors[1 % colors.length];
    for (let i = 0; i < n; i++) {
      let c, a;
      if (K <= 2) {
        const t = 2 * (K === 1 ? grid[i] : grid[2 * i + 1]) - 1;
        c = t < 0 ? c0 : c1;
        a = Math.min(1, Math.abs(t)) * SURFACE;
      } else {
        let best = 0;
        for (let k = 1; k < K; k++) if (grid[i * K + k] > grid[i * K + best]) best = k;
        c = colors[best % colors.length];
        a = Math.max(0, (grid[i * K + best] - 1 / K) / (1 - 1 / K)) * SURFACE;
      }
      if (!(a === a)) a = 0;
      d[4 * i] = 255 + (c[0] - 255) * a;
      d[4 * i + 1] = 255 + (c[1] - 255) * a;
      d[4 * i + 2] = 255 + (c[2] - 255) * a;
      d[4 * i + 3] = 255;
    }
    sctx.putImageData(img, 0, 0);
    if (!hasSurface) { hasSurface = true; describe(); }
    frame.request();
  }

  const toData = (clientX, clientY) => {
    const r = canvas.getBoundingClientRect();
    return { x: lo + ((clientX - r.left) / r.width) * (hi - lo), y: hi - ((clientY - r.top) / r.height) * (hi - lo) };
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (!handler || (e.button !== 0 && e.button !== 2)) return;
    cursor = null;
    const p = toData(e.clientX, e.clientY);
    handler(p.x, p.y, e.button);
    frame.request();
  });
  canvas.addEventListener('contextmenu', (e) => { if (handler) e.preventDefault(); });
  canvas.addEventListener('keydown', (e) => {
    if (!handler) return;
    const step = (hi - lo) / 24, c = cursor ?? { x: (lo + hi) / 2, y: (lo + hi) / 2 };
    const move = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
    if (move) {
      cursor = { x: Math.max(lo, Math.min(hi, c.x + move[0])), y: Math.max(lo, Math.min(hi, c.y + move[1])) };
    } else if (e.key === 'Enter' || e.key === ' ') {
      cursor = c;
      handler(c.x, c.y, e.shiftKey ? 2 : 0);
    } else return;
    e.preventDefault();
    frame.request();
  });
  canvas.addEventListener('blur', () => { if (cursor) { cursor = null; frame.request(); } });

  describe();
  const stop = watchWidth(root, (w) => { px = Math.min(size, w); draw(); });
  return {
    update,
    setPoints(list) {
      points = list ?? [];
      describe();
      frame.request();
    },
    onClick(fn) {
      handler = typeof fn === 'function' ? fn : null;
      if (handler) canvas.tabIndex = 0; else canvas.removeAttribute('tabindex');
      canvas.classList.toggle('bd-clickable', !!handler);
      describe();
    },
    destroy() {
      frame.cancel();
      stop();
      root.remove();
    },
  };
}

// gan-plane.mjs: a 2-D GAN as GAN Lab draws it: the discriminator's verdict over the plane as a
// heat map, the real points, the generator's points, and on each generated point an arrow for
// the way the generator's loss pushes it. Points can be drawn by dragging across the plane.
import { diverging } from './colormap.mjs';
import { fitCanvas } from './hidpi.mjs';

const REAL = '#1d2330', FAKE = '#7048e8';

/**
 * @param {HTMLElement} container
 * @param {{size?: number, extent?: [number, number], onDraw?: (x: number, y: number) => void}} options
 *   onDraw: called for points drawn by dragging across the plane (in data coordinates)
 * @returns {{update(v: {heat?: Float32Array, gridSize?: number, real?: Float32Array, fake?: Float32Array,
 *   arrows?: Float32Array}): void, reset(): void, destroy(): void}}
 *   heat holds gridSize^2 values in [-1, 1] (row 0 at the top): +1 where D says real, -1 fake;
 *   real and fake are [x0, y0, x1, y1, ...]; arrows are [dx0, dy0, ...] for the fake points, in
 *   data units (drawn scaled so the longest is a tenth of the plot).
 */
export function createGanPlane(container, { size = 320, extent = [-6, 6], onDraw } = {}) {
  const root = document.createElement('figure');
  root.className = 'gp';
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'The plane: the discriminator\'s verdict as colour (red: real, blue: generated), real points in black, generated points in purple with the generator\'s gradient as arrows');
  const legend = document.createElement('figcaption');
  legend.className = 'gp-legend';
  legend.innerHTML = '<span><i style="background:#b2182b"></i>D says real</span><span><i style="background:#2166ac"></i>D says generated</span><span><i class="dot" style="background:' + REAL + '"></i>real</span><span><i class="dot" style="background:' + FAKE + '"></i>generated, → G\'s push</span>';
  root.append(canvas, legend);
  container.append(root);
  const heatCanvas = document.createElement('canvas');
  let last = {};
  const [lo, hi] = extent, span = hi - lo;
  const toPx = (v) => ((v - lo) / span) * size, toPy = (v) => ((hi - v) / span) * size;

  function draw() {
    const g = fitCanvas(canvas, size, size);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, size, size);
    const { heat, gridSize: n, real, fake, arrows } = last;
    if (heat && n) {
      heatCanvas.width = n;
      heatCanvas.height = n;
      const img = new ImageData(n, n);
      for (let i = 0; i < n * n; i++) diverging(0.7 * heat[i], img.data, 4 * i);
      heatCanvas.getContext('2d').putImageData(img, 0, 0);
      g.imageSmoothingEnabled = true;
      g.drawImage(heatCanvas, 0, 0, size, size);
    }
    g.strokeStyle = 'rgb(0 0 0 / 12%)';
    g.beginPath();
    g.moveTo(toPx(0), 0), g.lineTo(toPx(0), size), g.moveTo(0, toPy(0)), g.lineTo(size, toPy(0));
    g.stroke();
    const dots = (pts, color, r) => {
      if (!pts) return;
      g.fillStyle = color;
      for (let i = 0; i + 1 < pts.length; i += 2) {
        g.beginPath();
        g.arc(toPx(pts[i]), toPy(pts[i + 1]), r, 0, 2 * Math.PI);
        g.fill();
      }
    };
    dots(real, REAL, 1.8);
    if (fake && arrows) {
      let longest = 1e-12;
      for (let i = 0; i + 1 < arrows.length; i += 2) longest = Math.max(longest, Math.hypot(arrows[i], arrows[i + 1]));
      const scale = (0.1 * size) / longest;
      g.strokeStyle = FAKE;
      g.lineWidth = 1;
      g.beginPath();
      for (let i = 0; i + 1 < fake.length; i += 2) {
        const x = toPx(fake[i]), y = toPy(fake[i + 1]), dx = arrows[i] * scale, dy = -arrows[i + 1] * scale;
        g.moveTo(x, y);
        g.lineTo(x + dx, y + dy);
      }
      g.stroke();
    }
    dots(fake, FAKE, 2.2);
  }

  let drawing = false, lastPoint = null;
  const at = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [lo + ((ev.clientX - r.left) / r.width) * span, hi - ((ev.clientY - r.top) / r.height) * span];
  };
  const add = (ev) => {
    const p = at(ev);
    if (lastPoint && Math.hypot(p[0] - lastPoint[0], p[1] - lastPoint[1]) < 0.2) return;
    lastPoint = p;
    onDraw(p[0], p[1]);
  };
  if (onDraw) {
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (ev) => {
      drawing = true;
      lastPoint = null;
      canvas.setPointerCapture?.(ev.pointerId);
      add(ev);
    });
    canvas.addEventListener('pointermove', (ev) => drawing && add(ev));
    canvas.addEventListener('pointerup', () => (drawing = false));
  }

  draw();
  return {
    update(v) {
      last = { ...last, ...v };
      draw();
    },
    reset() {
      last = {};
      draw();
    },
    destroy() {
      root.remove();
    },
  };
}

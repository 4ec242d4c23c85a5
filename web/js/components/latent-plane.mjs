// latent-plane.mjs: a 2-D latent space two ways on the same axes: the map (what the decoder
// draws at each point of a grid) and the scatter (where the encoder puts test images, coloured
// by class). Side by side, the map's blurred or broken tiles sit where the scatter has no points.
import { CLASS_COLORS } from './colormap.mjs';
import { fitCanvas } from './hidpi.mjs';

/**
 * @param {HTMLElement} container
 * @param {{size?: number, caption?: string, onPick?: (z: [number, number]) => void}} options
 *   onPick: a click on the scatter gives that latent point
 * @returns {{update(v: {tiles?: Float32Array, n?: number, extent: [number, number],
 *   points?: Float32Array, labels?: ArrayLike<number>}): void, reset(): void, destroy(): void}}
 *   tiles: n x n decoded 28x28 images in [0, 1], row 0 at the top of the latent plane (the
 *   highest z2); points: [z1, z2, ...] for each test image; extent: the range of both axes.
 */
export function createLatentPlane(container, { size = 260, caption = '', onPick } = {}) {
  const root = document.createElement('figure');
  root.className = 'lp';
  const map = document.createElement('canvas'), scatter = document.createElement('canvas');
  map.setAttribute('role', 'img');
  map.setAttribute('aria-label', `${caption}: decoded images over a grid of the latent plane`);
  scatter.setAttribute('role', 'img');
  scatter.setAttribute('aria-label', `${caption}: test images placed by their code, coloured by class`);
  const cap = document.createElement('figcaption');
  cap.className = 'lp-caption';
  const legend = CLASS_COLORS.map((c, i) => `<span><i style="background:${c}"></i>${i}</span>`).join('');
  cap.innerHTML = `<strong></strong> <span class="lp-axes"></span><span class="lp-legend">${legend}</span>`;
  cap.querySelector('strong').textContent = caption;
  const row = document.createElement('div');
  row.className = 'lp-row';
  row.append(map, scatter);
  root.append(row, cap);
  container.append(root);
  const tileCanvas = document.createElement('canvas');
  let extent = [-3, 3];

  if (onPick)
    scatter.addEventListener('click', (ev) => {
      const r = scatter.getBoundingClientRect(), [lo, hi] = extent;
      onPick([lo + ((ev.clientX - r.left) / r.width) * (hi - lo), hi - ((ev.clientY - r.top) / r.height) * (hi - lo)]);
    });

  function update({ tiles, n, extent: e, points, labels }) {
    extent = e;
    const [lo, hi] = e;
    cap.querySelector('.lp-axes').textContent = `z1, z2 from ${+lo.toFixed(1)} to ${+hi.toFixed(1)} · `;
    if (tiles) {
      tileCanvas.width = tileCanvas.height = 28 * n;
      const img = new ImageData(28 * n, 28 * n);
      for (let t = 0; t < n * n; t++) {
        const ti = Math.floor(t / n), tj = t % n;
        for (let p = 0; p < 784; p++) {
          const v = 255 * Math.min(1, Math.max(0, tiles[784 * t + p])), at = 4 * ((ti * 28 + Math.floor(p / 28)) * 28 * n + tj * 28 + (p % 28));
          img.data[at] = img.data[at + 1] = img.data[at + 2] = v; // white on black, as the data set and the other views show digits
          img.data[at + 3] = 255;
        }
      }
      tileCanvas.getContext('2d').putImageData(img, 0, 0);
      const g = fitCanvas(map, size, size);
      g.imageSmoothingEnabled = true;
      g.drawImage(tileCanvas, 0, 0, size, size);
    }
    if (points) {
      const g = fitCanvas(scatter, size, size);
      g.fillStyle = '#fff';
      g.fillRect(0, 0, size, size);
      g.strokeStyle = 'rgb(0 0 0 / 12%)';
      const px = (v) => ((v - lo) / (hi - lo)) * size, py = (v) => ((hi - v) / (hi - lo)) * size;
      g.beginPath();
      g.moveTo(px(0), 0), g.lineTo(px(0), size), g.moveTo(0, py(0)), g.lineTo(size, py(0));
      g.stroke();
      for (let i = 0; i + 1 < points.length; i += 2) {
        g.fillStyle = CLASS_COLORS[labels[i / 2] % 10];
        g.globalAlpha = 0.75;
        g.fillRect(px(points[i]) - 1.5, py(points[i + 1]) - 1.5, 3, 3);
      }
      g.globalAlpha = 1;
    }
  }

  function reset() {
    for (const c of [map, scatter]) {
      const g = fitCanvas(c, size, size);
      g.fillStyle = '#f4f5f8';
      g.fillRect(0, 0, size, size);
    }
  }
  reset();
  return { update, reset, destroy: () => root.remove() };
}

// datasets2d.mjs: the 2-D toy sets of TensorFlow Playground's kind, generated from a seed:
// points in [-6, 6]^2 with labels, plus Gaussian noise scaled by `noise` (0..0.5).
import { mulberry32, gaussian } from '../dlplay/random.mjs';

function rng(seed) {
  const next = mulberry32(seed);
  return { next, gauss: () => gaussian(next) };
}

const GENERATORS = {
  // two arms winding around the origin
  spiral(n, noise, r) {
    const pts = [];
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < n / 2; i++) {
        const t = i / (n / 2), rad = 5 * t, angle = 1.75 * t * 2 * Math.PI + c * Math.PI;
        pts.push({ x: rad * Math.sin(angle) + noise * 5 * r.gauss() * 0.3, y: rad * Math.cos(angle) + noise * 5 * r.gauss() * 0.3, label: c });
      }
    return pts;
  },
  // the four quadrants, opposite ones sharing a class
  xor(n, noise, r) {
    return Array.from({ length: n }, () => {
      let x = 10 * r.next() - 5, y = 10 * r.next() - 5;
      x += x > 0 ? 0.3 : -0.3;
      y += y > 0 ? 0.3 : -0.3;
      return { x: x + noise * 6 * r.gauss() * 0.3, y: y + noise * 6 * r.gauss() * 0.3, label: x * y >= 0 ? 0 : 1 };
    });
  },
  // a disc inside a ring
  circles(n, noise, r) {
    return Array.from({ length: n }, (_, i) => {
      const inner = i < n / 2, rad = inner ? 2 * r.next() : 3.5 + 1.5 * r.next(), a = 2 * Math.PI * r.next();
      return { x: rad * Math.sin(a) + noise * 4 * r.gauss() * 0.3, y: rad * Math.cos(a) + noise * 4 * r.gauss() * 0.3, label: inner ? 0 : 1 };
    });
  },
  // three Gaussian clusters
  gaussians(n, noise, r) {
    const centres = [[-3, -2], [3, -2], [0, 3]];
    return Array.from({ length: n }, (_, i) => {
      const c = i % 3, s = 0.6 + noise * 4;
      return { x: centres[c][0] + s * r.gauss(), y: centres[c][1] + s * r.gauss(), label: c };
    });
  },
  // two Gaussian clusters a straight line separates (a perceptron's data)
  blobs(n, noise, r) {
    return Array.from({ length: n }, (_, i) => {
      const c = i % 2, s = 0.5 + noise * 4;
      return { x: (c ? 2 : -2) + s * r.gauss(), y: (c ? 1.5 : -1.5) + s * r.gauss(), label: c };
    });
  },
  // eight tight Gaussians on a circle of radius 4: the classic test of a GAN's mode coverage
  ring(n, noise, r) {
    return Array.from({ length: n }, (_, i) => {
      const c = i % 8, a = (c * Math.PI) / 4, s = 0.15 + noise * 2;
      return { x: 4 * Math.cos(a) + s * r.gauss(), y: 4 * Math.sin(a) + s * r.gauss(), label: c };
    });
  },
  // two interleaved half circles
  moons(n, noise, r) {
    return Array.from({ length: n }, (_, i) => {
      const c = i % 2, t = Math.PI * r.next();
      const x = c ? 1 - Math.cos(t) : Math.cos(t), y = c ? 0.5 - Math.sin(t) : Math.sin(t);
      return { x: 2.5 * (x - 0.5) + noise * 3 * r.gauss() * 0.3, y: 2.5 * (y - 0.25) + noise * 3 * r.gauss() * 0.3, label: c };
    });
  },
};

export const CLASSES_2D = { spiral: 2, xor: 2, circles: 2, gaussians: 3, ring: 8, moons: 2, blobs: 2 };

/**
 * Points for a toy set, shuffled, split into train and test by `ratio`, clipped to [-6, 6].
 * @returns {{train: {x, y}[], test: {x, y}[]}} points {x, y, label}
 */
export function makeToySet(name, { n = 400, noise = 0.1, ratio = 0.5, seed = 1 } = {}) {
  const r = rng(seed * 7919 + name.length);
  const pts = GENERATORS[name](n, noise, r).map((p) => ({ ...p, x: Math.max(-6, Math.min(6, p.x)), y: Math.max(-6, Math.min(6, p.y)) }));
  for (let i = pts.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [pts[i], pts[j]] = [pts[j], pts[i]];
  }
  const cut = Math.round(pts.length * ratio);
  return { train: pts.slice(0, cut), test: pts.slice(cut) };
}

/** Split the user's own points by the training share: every k-th point of each class goes to test. */
export function splitPoints(points, ratio) {
  // every m-th point of each class is a test point, so a class's first point always trains
  // (points clicked in turns, orange then blue, would otherwise put all of one class in test)
  const train = [], test = [], seen = new Map(), m = Math.round(1 / (1 - ratio));
  for (const p of points) {
    const k = (seen.get(p.label) ?? 0) + 1;
    seen.set(p.label, k);
    (k % m === 0 && points.length > 3 ? test : train).push(p);
  }
  return { train, test };
}

/** Points as model data: x = [x0, y0, x1, y1, ...], y = labels. */
export function toArrays(points) {
  return { x: Float32Array.from(points.flatMap((p) => [p.x, p.y])), y: Uint8Array.from(points.map((p) => p.label)) };
}

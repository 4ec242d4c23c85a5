// helpers.mjs: shared by the node suites: a seeded generator and wasm buffer helpers.
import { load } from '../../wasm/dlplay.mjs';
import { mulberry32, gaussian } from '../../wasm/random.mjs';

let engines = {};
/** The SIMD (default) or fallback engine, loaded once per test file. */
export async function engine(simd = true) {
  engines[simd] ??= load({ simd });
  return engines[simd];
}

/** The seeded generator for test data (wasm/random.mjs; not the core's RNG). */
export const rng = mulberry32;

/** Floats in [lo, hi) from a seeded generator. */
export function randomFloats(n, seed, lo = -1, hi = 1) {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/**
 * A classifier MLP on the graph API: sizes [in, hidden..., classes], He-initialized dense layers
 * with `act` between them, softmax cross-entropy on integer labels.
 * @returns {{g, x, t, logits, loss, params}}
 */
export function buildMlp(dl, sizes, { act = 'relu', seed = 1, maxBatch = 64 } = {}) {
  const g = dl.graph(seed);
  const x = g.input('x', [sizes[0]]);
  const t = g.input('t', [1]);
  let h = x;
  const params = [];
  for (let i = 1; i < sizes.length; i++) {
    const w = g.param(`w${i}`, [sizes[i - 1], sizes[i]], { decay: true, init: 'he_normal' });
    const b = g.param(`b${i}`, [sizes[i]], { init: 'zeros' });
    params.push(w, b);
    h = g.op('dense', [h, w, b], { name: `fc${i}` });
    if (i < sizes.length - 1) h = g.op(act, [h]);
  }
  const loss = g.op('softmax_ce', [h, t], { name: 'loss' });
  g.plan(maxBatch);
  return { g, x, t, logits: h, loss, params };
}

/** Train on (xs, ys) with minibatches in a seeded shuffled order; returns the last loss. */
export function train(net, opt, xs, ys, { epochs, batch, lr, seed = 1, dim = 2 }) {
  const { g, x, t, loss } = net;
  const n = ys.length, order = Array.from({ length: n }, (_, i) => i), r = rng(seed);
  let last = NaN;
  for (let ep = 0; ep < epochs; ep++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let s = 0; s < n; s += batch) {
      const idx = order.slice(s, s + batch);
      g.setBatch(idx.length);
      const bx = new Float32Array(idx.length * dim), by = new Float32Array(idx.length);
      idx.forEach((k, i) => (bx.set(xs.subarray(k * dim, k * dim + dim), i * dim), (by[i] = ys[k])));
      g.setValue(x, bx).setValue(t, by);
      last = g.trainStep(loss, opt, lr);
    }
  }
  return last;
}

/** Fraction of samples whose largest logit is the label. */
export function accuracy(net, xs, ys, dim = 2) {
  const { g, x, logits } = net;
  let right = 0;
  for (let s = 0; s < ys.length; s += net.g.maxBatch) {
    const n = Math.min(net.g.maxBatch, ys.length - s);
    g.setBatch(n).setValue(x, xs.subarray(s * dim, (s + n) * dim)).forward(logits);
    const out = g.value(logits), K = out.length / n;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (out[i * K + k] > out[i * K + best]) best = k;
      right += best === ys[s + i];
    }
  }
  return right / ys.length;
}

/** Two interleaved spirals (TensorFlow Playground's set), `n` points per arm, Gaussian noise. */
export function spiral(n, noise, seed) {
  const r = rng(seed), gauss = () => gaussian(r);
  const xs = new Float32Array(4 * n), ys = new Float32Array(2 * n);
  for (let c = 0; c < 2; c++)
    for (let i = 0; i < n; i++) {
      const rad = (i / n) * 5, angle = 1.75 * (i / n) * 2 * Math.PI + c * Math.PI, k = c * n + i;
      xs[2 * k] = rad * Math.sin(angle) + noise * gauss();
      xs[2 * k + 1] = rad * Math.cos(angle) + noise * gauss();
      ys[k] = c;
    }
  return { xs, ys };
}

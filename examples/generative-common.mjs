// generative-common.mjs: what vae.mjs and gan.mjs share beyond mnist-common.mjs (flags, data,
// loading): the MNIST or Fashion-MNIST images, a progress bar for a training program, and image
// grids written as PNG files (with pngjs from npm).
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { load } from '../wasm/dlplay.mjs';
import { ROOT, clock, readData, loadModel, parseFlags } from './mnist-common.mjs';

export { ROOT, loadModel, parseFlags, join };

/** The engine and the data: {dl, train, test, set} (the images as the data files hold them, bytes). */
export async function setUp(flags, { needTrain = true } = {}) {
  const data = await readData(flags, { needTrain });
  return { dl: await load(), ...data };
}

/** onStep / onEpoch for model.train: a bar on a terminal, one line per epoch with the terms' means. */
export function progress(epochs, perEpoch, describe) {
  const tty = process.stdout.isTTY, t0 = performance.now();
  let last = 0, sums = {}, count = 0;
  return {
    onStep(r) {
      for (const s of r.steps) for (const [k, v] of Object.entries({ [s.loss]: s.value, ...s.terms })) sums[k] = (sums[k] ?? 0) + v;
      count++;
      if (!tty || performance.now() - last < 100) return;
      last = performance.now();
      const done = (r.epoch * perEpoch + (r.iteration % perEpoch) + 1) / (epochs * perEpoch), width = 24;
      const left = ((performance.now() - t0) / 1000) * (1 / done - 1);
      process.stdout.write(`\r[${'#'.repeat(Math.round(done * width)).padEnd(width, '.')}] epoch ${r.epoch + 1}/${epochs} ${clock(left)} left `);
    },
    onEpoch(e) {
      if (tty) process.stdout.write('\r' + ' '.repeat(80) + '\r');
      const means = Object.entries(sums).map(([k, v]) => `${k} ${(v / Math.max(1, count)).toFixed(3)}`).join(', ');
      const more = describe?.(e);
      console.log(`epoch ${e.epoch + 1}/${epochs}: ${means}${more ? `; ${more}` : ''}`);
      (sums = {}), (count = 0);
    },
  };
}

/**
 * Write images (each width*height values in [lo, hi], row-major) as one PNG grid of `columns`,
 * 2 px apart on a mid-grey background.
 */
export async function writeGrid(file, images, { width = 28, height = 28, columns = 8, lo = 0, hi = 1 } = {}) {
  const rows = Math.ceil(images.length / columns), gap = 2;
  const png = new PNG({ width: columns * (width + gap) + gap, height: rows * (height + gap) + gap });
  png.data.fill(128);
  images.forEach((img, k) => {
    const ox = gap + (k % columns) * (width + gap), oy = gap + Math.floor(k / columns) * (height + gap);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const v = Math.round((255 * (img[y * width + x] - lo)) / (hi - lo)), at = 4 * ((oy + y) * png.width + ox + x);
        png.data[at] = png.data[at + 1] = png.data[at + 2] = Math.max(0, Math.min(255, v));
        png.data[at + 3] = 255;
      }
  });
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, PNG.sync.write(png));
  return file;
}

/** Pixels in [0, 1] as floats: the data sets hold bytes (0 to 255), which the engine reads as /255. */
export const unit = (a) => (a instanceof Uint8Array ? Float32Array.from(a, (v) => v / 255) : a);

/** The rows of a flat array of n images of size d. */
export const split = (flat, d) => Array.from({ length: flat.length / d }, (_, i) => flat.subarray(i * d, (i + 1) * d));

export async function saveModel(model, file) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, model.save());
  console.log(`model saved to ${file}`);
}


// ---- Fréchet distance between two sets of feature vectors ----
// |mu1 - mu2|^2 + Tr(C1 + C2 - 2 (C1^1/2 C2 C1^1/2)^1/2), the FID formula, here on the MNIST
// classifier's penultimate features rather than Inception's. The matrix square roots come from
// symmetric eigendecompositions (cyclic Jacobi), in doubles.

function meanCov(f, n, d) {
  const mu = new Float64Array(d), c = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mu[a] += f[i * d + a] / n;
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const da = f[i * d + a] - mu[a];
      for (let b = a; b < d; b++) c[a * d + b] += (da * (f[i * d + b] - mu[b])) / (n - 1);
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) c[a * d + b] = c[b * d + a];
  return { mu, c };
}

/** Eigenvalues and eigenvectors (columns of v) of a symmetric d x d matrix, by cyclic Jacobi. */
function eigSym(m, d) {
  const a = Float64Array.from(m), v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq), t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < d; k++) { // rotate columns p and q, then rows
          const akp = a[k * d + p], akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k], aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p], vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: Array.from({ length: d }, (_, i) => a[i * d + i]), v };
}

/** The square root of a symmetric positive semi-definite matrix (negative eigenvalues count as 0). */
function sqrtSym(m, d) {
  const { values, v } = eigSym(m, d), out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(0, values[k]));
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += s * v[i * d + k] * v[j * d + k];
  }
  return out;
}

/** The Fréchet distance between the Gaussians fitted to features a (na x d) and b (nb x d). */
export function frechet(a, na, b, nb, d) {
  const A = meanCov(a, na, d), B = meanCov(b, nb, d), r = sqrtSym(A.c, d);
  const m = new Float64Array(d * d); // r C2 r
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) s += r[i * d + k] * B.c[k * d + l] * r[l * d + j];
      m[i * d + j] = s;
    }
  const root = eigSym(m, d).values.reduce((s, x) => s + Math.sqrt(Math.max(0, x)), 0);
  let dist = 0;
  for (let i = 0; i < d; i++) dist += (A.mu[i] - B.mu[i]) ** 2 + A.c[i * d + i] + B.c[i * d + i];
  return dist - 2 * root;
}

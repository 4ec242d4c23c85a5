// generative-common.mjs: what vae.mjs and gan.mjs share: their flags (each example lists its
// own), the MNIST or Fashion-MNIST images, a progress bar for a training program, and image
// grids written as PNG files (with pngjs from npm).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { load } from '../wasm/dlplay.mjs';
import { readDataset } from '../wasm/datasets.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Parse argv by a table {name: default}: a boolean default makes a switch (--name), any other a
 * flag with a value of the default's type. Unknown flags and bad numbers are errors.
 */
export function parseFlags(argv, table) {
  const flags = { ...table, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') { flags.help = true; continue; }
    const key = a.startsWith('--') ? a.slice(2) : null;
    if (!key || !(key in table)) throw new Error(`unknown flag ${a} (see --help)`);
    if (typeof table[key] === 'boolean') { flags[key] = true; continue; }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${a} needs a value`);
    flags[key] = typeof table[key] === 'number' ? Number(value) : value;
    if (typeof table[key] === 'number' && !Number.isFinite(flags[key])) throw new Error(`${a} must be a number, got ${value}`);
  }
  return flags;
}

/** The engine and the data: {dl, train, test} with images scaled to [0, 1]. */
export async function setUp(flags, { needTrain = true } = {}) {
  const set = flags.fashion ? 'fashion' : 'mnist';
  let train = null, test;
  try {
    test = await readDataset(`${ROOT}web/data/${set}-test.dlds.gz`);
    if (needTrain) train = await readDataset(`${ROOT}web/data/${set}-train.dlds.gz`);
  } catch (e) {
    console.error(`cannot read the ${set} data (${e.message}); run \`make\` first${set === 'fashion' ? ' with dataset-fashion-mnist installed' : ''}`);
    process.exit(1);
  }
  return { dl: await load(), train, test, set };
}

const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

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

export async function loadModel(dl, file) {
  try {
    return dl.loadModel(await readFile(file));
  } catch (e) {
    console.error(`cannot load ${file}: ${e.message}`);
    process.exit(1);
  }
}

export { join };

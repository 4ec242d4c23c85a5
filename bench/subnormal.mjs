// subnormal.mjs: training must not slow down as values drift into subnormal floats. WebAssembly
// has no flush-to-zero mode, and x86 takes a slow microcode path for arithmetic on subnormals, so
// a weight that weight decay shrinks below 2^-126 (FLT_MIN) makes every multiply with it slow.
//
// An MNIST MLP trains with SGD and L2 decay. Weights that get no gradient shrink by decay alone,
// 0.5% a step here: the first-layer weights of pixels that are 0 in every image, and the weights
// into and out of a dead ReLU unit (one whose input is negative for every image). A model trained
// long enough has them at the edge of the subnormal range; this one starts there (they are set to
// 2 FLT_MIN, 140 steps from crossing, with half the first layer's units dead) instead of training
// for hours to get there. Each step after the crossing would do its update and its GEMMs on
// subnormals, unless the update flushes them to 0. Its throughput over the next epochs must be
// within 20% of the same model trained from its ordinary start. Exits 1 when it is not, or when
// the weights did not decay that far. Run by `make bench`.
//   node bench/subnormal.mjs [epochs]
import { load } from '../wasm/dlplay.mjs';
import { readDataset, take } from '../wasm/datasets.mjs';

const epochs = Number(process.argv[2] ?? 4), FLT_MIN = 2 ** -126;
const dl = await load();
const train = take(await readDataset(new URL('../web/data/mnist-train.dlds.gz', import.meta.url).pathname), 10000);
const spec = { input: [784], seed: 1, layers: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10 }] };
const options = { epochs: 1, batchSize: 64, optimizer: 'sgd', momentum: 0, lr: 0.1, l2: 0.05 };

const dead = []; // pixels that are 0 in every training image
for (let p = 0; p < 784; p++) {
  let any = 0;
  for (let i = 0; i < train.n && !any; i++) any = train.x[i * 784 + p];
  if (!any) dead.push(p);
}

async function rate(m) {
  await m.fit({ x: train.x, y: train.y }, { ...options, seed: 99 }); // the crossing happens in this epoch
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) await m.fit({ x: train.x, y: train.y }, { ...options, seed: e });
  return (epochs * train.n) / ((performance.now() - t0) / 1000);
}
const kernelOf = (m) => m.getWeights().find((w) => /kernel/.test(w.name));

const fresh = dl.model(spec), base = await rate(fresh);
const decayed = dl.model(spec), [k, b, k2] = decayed.getWeights(), units = b.values.length, next = k2.values.length / units;
const decaying = (p, u) => dead.includes(p) || u % 2 === 1; // dead pixels, and the odd units
for (let p = 0; p < 784; p++) for (let u = 0; u < units; u++) if (decaying(p, u)) k.values[p * units + u] = (u % 2 ? 2 : -2) * FLT_MIN;
for (let u = 1; u < units; u += 2) {
  b.values[u] = -100; // dead: relu(x W + b) is 0 for every image
  for (let j = 0; j < next; j++) k2.values[u * next + j] = 2 * FLT_MIN;
}
decayed.setWeights([k, b, k2]);
const low = await rate(decayed), [after, , after2] = decayed.getWeights();
let zero = 0, subnormal = 0, total = 0;
const count = (v) => (total++, v === 0 ? zero++ : Math.abs(v) < FLT_MIN ? subnormal++ : 0);
for (let p = 0; p < 784; p++) for (let u = 0; u < units; u++) if (decaying(p, u)) count(after.values[p * units + u]);
for (let u = 1; u < units; u += 2) for (let j = 0; j < next; j++) count(after2.values[u * next + j]);
const ratio = low / base;
console.log(`MLP with SGD and L2 decay, fresh: ${base.toFixed(0)} samples/s`);
console.log(`the same with ${total} weights decaying through 2^-126: ${low.toFixed(0)} samples/s ` +
  `(${(100 * ratio).toFixed(0)}% of fresh, target >= 80%); after training ${zero} of them are 0 and ${subnormal} subnormal`);
fresh.dispose();
decayed.dispose();
if (ratio < 0.8 || zero + subnormal < total) process.exit(1); // (and they did decay that far)

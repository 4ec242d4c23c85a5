// longrun.mjs: an MNIST MLP trains for a long time (10 minutes by default) and must keep its
// memory flat (heap in use) and its speed steady (each minute within 20% of the first), the way a
// page left training in a lecture would. Exits 1 when either fails. Run by `make bench`.
//   node bench/longrun.mjs [seconds]
import { load } from '../wasm/dlplay.mjs';
import { readDataset, take } from '../wasm/datasets.mjs';

const seconds = Number(process.argv[2] ?? 600), slice = Math.min(60, seconds / 5);
const dl = await load();
const train = take(await readDataset(new URL('../web/data/mnist-train.dlds.gz', import.meta.url).pathname), 20000);
const m = dl.model({ input: [784], seed: 1, layers: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10 }] });
await m.fit({ x: train.x, y: train.y }, { epochs: 1, batchSize: 64 }); // first-use allocations settle
const heap0 = dl.heapBytes(), t0 = performance.now(), rates = [];
let epochs = 0;
while (performance.now() - t0 < seconds * 1000) {
  const s0 = performance.now();
  let samples = 0;
  while (performance.now() - s0 < slice * 1000) {
    await m.fit({ x: train.x, y: train.y }, { epochs: 1, batchSize: 64, seed: ++epochs });
    samples += 20000;
  }
  rates.push(samples / ((performance.now() - s0) / 1000));
  console.log(`${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s: ${rates.at(-1).toFixed(0)} samples/s, heap in use ${(dl.heapBytes() / 1048576).toFixed(2)} MB, ${epochs} epochs`);
}
const heap1 = dl.heapBytes(), slowest = Math.min(...rates) / rates[0];
console.log(`long run: ${epochs} epochs in ${seconds} s; heap in use ${heap0} -> ${heap1} bytes; slowest period at ${(100 * slowest).toFixed(0)}% of the first (target >= 80%)`);
m.dispose();
if (heap1 !== heap0 || slowest < 0.8) process.exit(1);

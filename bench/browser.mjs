// browser.mjs: the playground's figures in headless Chromium: time until the page is ready (the
// engine running and the first batch of MNIST digits in the worker's memory), the engine's size
// gzipped beside TensorFlow.js with its WASM backend, and one epoch of the LeNet preset on the
// 60,000 training digits in the browser and in Node, same settings. Run with `make bench`.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { start } from '../tests/browser/browser.mjs';
import { load } from '../wasm/dlplay.mjs';
import { readDataset } from '../wasm/datasets.mjs';
import { printTable } from './common.mjs';

const root = new URL('../', import.meta.url).pathname;
const ENGINE = ['dlplay.wasm', 'loader.mjs', 'bindings.mjs', 'dlplay.mjs', 'model.mjs', 'datasets.mjs', 'worker.mjs', 'worker-client.mjs', 'random.mjs'];
const gz = async (path) => gzipSync(await readFile(path), { level: 9 }).length;

let engineBytes = 0;
for (const f of ENGINE) engineBytes += await gz(join(root, 'web/dlplay', f));
// TensorFlow.js as a page would ship it: the union bundle plus the WASM backend and its SIMD module
const require = createRequire(import.meta.url);
const tfDir = dirname(require.resolve('@tensorflow/tfjs/package.json')), wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const tfBytes = (await gz(join(tfDir, 'dist/tf.min.js'))) + (await gz(join(wasmDir, 'dist/tf-backend-wasm.min.js'))) + (await gz(join(wasmDir, 'dist/tfjs-backend-wasm-simd.wasm')));

const env = await start();
const readies = [];
// one unmeasured load first: a user's browser is already running; each measured load then
// gets a fresh context, so nothing is cached
for (let i = -1; i < 5; i++) {
  const context = await env.browser.newContext(); // a cold cache each time
  const page = await context.newPage();
  await page.goto(`${env.base}/playground.html#dataset=mnist&preset=lenet`);
  await page.waitForSelector('[data-playground][data-ready-ms]', { timeout: 30000 });
  if (i >= 0) readies.push(Number(await page.evaluate(() => document.querySelector('[data-playground]').dataset.readyMs)));
  await context.close();
}
readies.sort((a, b) => a - b);

// One LeNet epoch in the page, on the complete data set.
const page = await env.browser.newPage();
await page.goto(`${env.base}/playground.html#dataset=mnist&preset=lenet&epochs=1`);
await page.waitForFunction(() => /60,000 training and/.test(document.querySelector('[data-part="data-status"]').textContent), null, { timeout: 60000 });
await page.click('[data-part="start"]');
await page.waitForSelector('[data-playground][data-epoch-seconds]', { timeout: 120000 });
const browserEpoch = Number(await page.evaluate(() => document.querySelector('[data-playground]').dataset.epochSeconds));
await env.close();

// The same epoch in Node: the preset, batch 64, Adam 2e-3 cosine, validation on the test set.
const dl = await load();
const train = await readDataset(join(root, 'web/data/mnist-train.dlds.gz')), test = await readDataset(join(root, 'web/data/mnist-test.dlds.gz'));
const { presetLayers } = await import('../web/js/presets.mjs');
const model = dl.model({ input: [1, 28, 28], seed: 1, layers: [...presetLayers('lenet', [1, 28, 28]), { type: 'dense', units: 10, name: 'output' }] });
let nodeEpoch = 0;
await model.fit({ x: train.x, y: train.y }, {
  epochs: 1, batchSize: 64, lr: 0.002, chunk: 8, schedule: { type: 'cosine', period: 938, restart: 0 },
  validationData: { x: test.x, y: test.y }, onEpoch: (e) => (nodeEpoch = e.seconds),
});

console.log('Playground in headless Chromium (Debian chromium, this machine)\n');
printTable(['figure', 'dlplay', 'target', 'compare'], [
  ['page ready (median of 5 cold loads)', `${readies[2]} ms`, '<= 1000 ms', `range ${readies[0]}-${readies[4]} ms`],
  ['engine, gzipped (wasm + JS)', `${(engineBytes / 1024).toFixed(0)} KB`, '<= 150 KB', `tfjs + wasm backend: ${(tfBytes / 1024).toFixed(0)} KB`],
  ['LeNet epoch, 60,000 digits, browser', `${browserEpoch.toFixed(1)} s`, '< 25 s', `${(60000 / browserEpoch).toFixed(0)} samples/s`],
  ['LeNet epoch, same settings, Node', `${nodeEpoch.toFixed(1)} s`, '', `browser/Node ${(browserEpoch / nodeEpoch).toFixed(2)} (target <= 1.15)`],
]);

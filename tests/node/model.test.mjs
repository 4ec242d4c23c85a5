// model.test.mjs: the Model API on real MNIST: quality after training on a fixed subset,
// save/load, determinism, every error path followed by a working call, and no heap growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlError } from '../../wasm/dlplay.mjs';
import { readDataset, take } from '../../wasm/datasets.mjs';
import { engine } from './helpers.mjs';
import { readFileSync } from 'node:fs';

const dl = await engine();
const root = new URL('../../', import.meta.url).pathname;
const train = await readDataset(`${root}web/data/mnist-train.dlds.gz`);
const test_ = await readDataset(`${root}web/data/mnist-test.dlds.gz`);
const testSet = { x: test_.x, y: test_.y };

const MLP = { input: [784], seed: 3, layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10 }] };
const LENET = {
  input: [1, 28, 28], seed: 5,
  layers: [
    { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' }, { type: 'maxPool2d', size: 2 },
    { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' }, { type: 'maxPool2d', size: 2 }, { type: 'flatten' },
    { type: 'dense', units: 120, activation: 'relu' }, { type: 'dense', units: 84, activation: 'relu' }, { type: 'dense', units: 10 },
  ],
};
const subset = (n, from = 0) => ({ x: train.x.subarray(from * 784, (from + n) * 784), y: train.y.subarray(from, from + n) });

test('model.summary lists each layer with its output shape and parameter count, as Keras counts them', () => {
  const m = dl.model(LENET);
  assert.deepEqual(m.layers.map((l) => [l.type, l.shape, l.params]), [
    ['conv2d', [8, 28, 28], 208], ['maxPool2d', [8, 14, 14], 0], ['conv2d', [16, 10, 10], 3216], ['maxPool2d', [16, 5, 5], 0],
    ['flatten', [400], 0], ['dense', [120], 48120], ['dense', [84], 10164], ['dense', [10], 850],
  ]);
  assert.equal(m.paramCount, 62558);
  assert.match(m.summary(), /conv2d_1 \(conv2d\)\s+\[8, 28, 28\]\s+208/);
  assert.match(m.summary(), /Total params: 62558/);
  m.dispose();
});

test('an MLP trained on 20,000 MNIST digits reaches at least 95% on the 10,000 test digits', async () => {
  const m = dl.model(MLP);
  await m.fit(subset(20000), { epochs: 4, batchSize: 64, lr: 2e-3 });
  const r = m.evaluate(testSet);
  assert.ok(r.accuracy >= 0.95, `test accuracy ${r.accuracy}`);
  m.dispose();
});

test('a small CNN trained on 15,000 MNIST digits reaches at least 97% on the 10,000 test digits', async () => {
  const m = dl.model(LENET);
  await m.fit(subset(15000), { epochs: 3, batchSize: 64, lr: 2e-3 });
  const r = m.evaluate(testSet);
  assert.ok(r.accuracy >= 0.97, `test accuracy ${r.accuracy}`);
  m.dispose();
});

test('evaluate reports the confusion matrix and per-class precision, recall and F1', () => {
  // dense with identity weights: the prediction is the largest input
  const m = dl.model({ input: [3], layers: [{ type: 'dense', units: 3, useBias: false }] });
  m.setWeights([{ name: 'dense_1/kernel', values: [1, 0, 0, 0, 1, 0, 0, 0, 1] }]);
  const x = Float32Array.from([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]); // predicted 0, 1, 0, 2, 1
  const r = m.evaluate({ x, y: Uint8Array.from([0, 1, 1, 2, 2]) });
  assert.deepEqual(r.confusion, [[1, 0, 0], [1, 1, 0], [0, 1, 1]]);
  assert.equal(r.accuracy, 0.6);
  assert.deepEqual(r.perClass.map((c) => [c.precision, c.recall, c.support]), [[0.5, 1, 1], [0.5, 0.5, 2], [1, 0.5, 2]]);
  assert.ok(Math.abs(r.perClass[0].f1 - 2 / 3) < 1e-12);
  assert.ok(Math.abs(r.macro.precision - 2 / 3) < 1e-12);
  assert.ok(Math.abs(r.weighted.recall - 0.6) < 1e-12);
  m.dispose();
});

test('save and loadModel round-trip gives bit-identical predictions, and resumed training matches', async () => {
  const m = dl.model({ ...LENET, layers: [...LENET.layers.slice(0, 5), { type: 'batchNorm' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10 }] });
  await m.fit(subset(640), { epochs: 1, batchSize: 64 });
  const bytes = m.save({ optimizer: true });
  const copy = dl.loadModel(bytes);
  assert.deepEqual(copy.predict(test_.x.subarray(0, 50 * 784)), m.predict(test_.x.subarray(0, 50 * 784)));
  // the optimizer state came along: one more epoch on each gives the same weights
  await m.fit(subset(320, 640), { epochs: 1, batchSize: 64, seed: 9 });
  await copy.fit(subset(320, 640), { epochs: 1, batchSize: 64, seed: 9 });
  assert.deepEqual(copy.getWeights(), m.getWeights());
  m.dispose();
  copy.dispose();
});

test('the same seed gives bit-identical weights in two runs, with shuffling, dropout and augmentation', async () => {
  const run = async () => {
    const m = dl.model({ ...LENET, layers: [...LENET.layers.slice(0, 6), { type: 'dropout', rate: 0.3 }, { type: 'dense', units: 10 }] });
    await m.fit(subset(512), { epochs: 2, batchSize: 32, seed: 4, augment: { shift: 2, rotate: 10, scale: 0.1, crop: 0.1, flip: 0.5, cutout: 6, noise: 0.05 } });
    const w = m.getWeights();
    m.dispose();
    return w;
  };
  assert.deepEqual(await run(), await run());
});

test('engine.augment draws what training applies: exact mirrors, cutout squares, noise of the given std, seeded', () => {
  const img = Float32Array.from({ length: 2 * 12 * 10 }, (_, i) => 0.1 + ((i * 37) % 11) / 11); // 2 channels, 12 x 10, no zeros
  const copies = (o, seed = 1, count = 8) => dl.augment(img, [2, 12, 10], o, { count, seed });
  assert.deepEqual(copies({}), Float32Array.from({ length: 8 * 240 }, (_, i) => img[i % 240]));
  const m = copies({ flip: 1 }, 1, 1);
  for (let c = 0; c < 2; c++) for (let i = 0; i < 12; i++) for (let j = 0; j < 10; j++) assert.equal(m[(c * 12 + i) * 10 + j], img[(c * 12 + i) * 10 + 9 - j]);
  const cut = copies({ cutout: 4 }, 3, 64);
  for (let k = 0; k < 64; k++) {
    const one = cut.subarray(k * 240, (k + 1) * 240), zeros = one.reduce((n, v, i) => n + (v === 0), 0);
    assert.ok(zeros >= 2 && zeros <= 2 * 16 && zeros % 2 === 0, `copy ${k}: ${zeros} zeros`); // the same square in both channels
    one.forEach((v, i) => v !== 0 && assert.equal(v, img[i]));
  }
  const noisy = copies({ noise: 0.2 }, 5, 64);
  const d = noisy.map((v, i) => v - img[i % 240]), std = Math.sqrt(d.reduce((a, v) => a + v * v, 0) / d.length);
  assert.ok(Math.abs(std - 0.2) < 0.01, `noise std ${std}`);
  const all = { shift: 2, rotate: 15, scale: 0.2, crop: 0.3, flip: 0.5, cutout: 3, noise: 0.05 };
  assert.deepEqual(copies(all, 9), copies(all, 9));
  assert.notDeepEqual(copies(all, 9), copies(all, 10));
  assert.throws(() => copies({ crop: 0.6 }), /augmentation crop is 0.6: expected 0 to 0.5/);
  assert.throws(() => dl.augment(img, [2, 12, 9]), /240 values, expected 2 x 12 x 9 = 216/);
  assert.deepEqual(dl.catalog.augment.map((a) => a.name), ['shift', 'rotate', 'scale', 'crop', 'flip', 'cutout', 'noise']);
});

test('an invalid spec throws an error naming the layer or option, and the engine goes on working', () => {
  const bad = [
    [{ input: [784], layers: [{ type: 'dense2', units: 3 }] }, /layer 1: unknown layer type: dense2/],
    [{ input: [784], layers: [{ type: 'dense' }] }, /layer 1 \(dense 'dense_1'\): units is required/],
    [{ input: [784], layers: [{ type: 'dense', units: -4 }] }, /layer 1 \(dense 'dense_1'\): units must be a whole number in \[1, 1048576\]/],
    [{ input: [784], layers: [{ type: 'dense', units: 0 }] }, /units must be a whole number/],
    [{ input: [0, 28], layers: [{ type: 'flatten' }] }, /input sizes must be positive/],
    [{ input: [1, 5, 5], layers: [{ type: 'conv2d', name: 'c2', filters: 4, kernel: 7 }] }, /layer 1: conv2d 'c2': kernel 7x7 is larger than the 5x5 input it receives \(padding included\); use a smaller kernel or padding 'same'/],
    [{ input: [784], layers: [{ type: 'conv2d', filters: 4, kernel: 3 }] }, /layer 1 \(conv2d 'conv2d_1'\): input must be \[channels, height, width\]/],
    [{ input: [784], layers: [{ type: 'dense', units: 4, activation: 'relux' }] }, /layer 1 \(dense 'dense_1'\): unknown activation: relux/],
    [{ input: [4], layers: [{ type: 'reshape', shape: [3] }] }, /cannot reshape 4 \(4 values\) to 3 values/],
    [{ input: [4], layers: [] }, /layers must be a non-empty array/],
    [{ input: [4], layers: [{ type: 'dense', units: 2, name: 'a' }, { type: 'dense', units: 2, name: 'a' }] }, /layer 2: duplicate layer name 'a'/],
  ];
  for (const [spec, message] of bad) assert.throws(() => dl.model(spec), (e) => e instanceof DlError && message.test(e.message), JSON.stringify(spec));
  dl.model(MLP).dispose();
});

test('bad fit options and data throw errors naming them, and the model keeps training afterwards', async () => {
  const m = dl.model(MLP);
  const data = subset(128);
  const cases = [
    [{ lr: NaN }, /learning rate NaN must be a finite number >= 0/],
    [{ lr: -0.1 }, /learning rate -0.1/],
    [{ optimizer: 'adamx' }, /unknown optimizer: adamx/],
    [{ optimizer: { type: 'adam', beta1: 2 } }, /adam beta1 = 2 outside/],
    [{ loss: 'crossentropy' }, /unknown loss: crossentropy/],
    [{ epochs: 0 }, /epochs must be a whole number >= 1/],
    [{ batchSize: 1.5 }, /batchSize must be a whole number/],
    [{ schedule: { type: 'cosine', gamma: 0.1 } }, /unknown option for cosine schedule: gamma/],
    [{ augment: { rotate: 400 } }, /augmentation rotate is 400: expected 0 to 45/],
    [{ augment: { flip: 0.5 } }, /augmentation flip needs image inputs/],
    [{ augment: { zoom: 2 } }, /unknown augmentation 'zoom' \(shift, rotate, scale, crop, flip, cutout, noise\)/],
  ];
  for (const [opts, message] of cases) await assert.rejects(m.fit(data, opts), message, JSON.stringify(opts));
  await assert.rejects(m.fit({ x: new Float32Array(1000), y: new Uint8Array(1) }), /x has 1000 values, not a multiple of the input size 784/);
  await assert.rejects(m.fit({ x: data.x, y: data.y.subarray(0, 100) }), /y has 100 values for 128 samples/);
  await assert.rejects(m.fit({ x: data.x, y: Uint8Array.from(data.y, (v, i) => (i === 7 ? 12 : v)) }), /label 12 of sample 7 is not a class in \[0, 10\)/);
  const h = await m.fit(data, { epochs: 1 });
  assert.ok(Number.isFinite(h.loss[0]));
  m.dispose();
});

test('a NaN in the data is refused before training, and the weights stay as they were', async () => {
  const m = dl.model({ input: [784], seed: 1, layers: [{ type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 10 }] });
  await m.fit(subset(4096), { epochs: 1, lr: 0.005 });
  const good = m.getWeights();
  const x = Float32Array.from(subset(256).x, (v) => v / 255);
  x[3] = NaN; // the first batch carries a NaN
  await assert.rejects(m.fit({ x, y: subset(256).y }, { shuffle: false }), (e) => e.code === 'arg' && /training data: 'input' value 3 is NaN, not a finite 32-bit float/.test(e.message));
  assert.deepEqual(m.getWeights(), good);
  assert.ok(m.evaluate(testSet).accuracy > 0.8); // and it still predicts as well as before
  m.dispose();
});

test('corrupt, truncated and foreign model files give clear errors and change nothing', async () => {
  const m = dl.model(MLP);
  await m.fit(subset(256), { epochs: 1 });
  const before = m.predict(test_.x.subarray(0, 784 * 5));
  const bytes = m.save();
  const flipped = bytes.slice();
  flipped[bytes.length >> 1] ^= 0x40;
  assert.throws(() => dl.loadModel(flipped), /model file is corrupt \(checksum mismatch\)/);
  assert.throws(() => dl.loadModel(bytes.slice(0, bytes.length - 100)), /corrupt|truncated/);
  assert.throws(() => dl.loadModel(new TextEncoder().encode('{"input":[784]}')), /not a dlplay model file/);
  assert.throws(() => dl.loadModel(new Uint8Array(0)), /not a dlplay model file/);
  const newer = bytes.slice();
  newer[4] = 9;
  assert.throws(() => dl.loadModel(newer), /model file version 9; this dlplay reads versions 1 and 2/);
  assert.deepEqual(m.predict(test_.x.subarray(0, 784 * 5)), before);
  const loaded = dl.loadModel(bytes);
  assert.deepEqual(loaded.spec, MLP); // the file carries the spec it was built from
  loaded.dispose();
  m.dispose();
});

test('early stopping with restoreBestWeights stops and keeps the best epoch', async () => {
  const m = dl.model(MLP);
  const seen = [];
  // a learning rate far too large makes the validation loss rise after the first epoch
  const h = await m.fit(subset(1024), {
    epochs: 20, lr: 0.5, optimizer: 'sgd', validationSplit: 0.25,
    earlyStopping: { monitor: 'valLoss', patience: 2, restoreBestWeights: true },
    onEpoch: (e) => seen.push(e.valLoss),
  });
  assert.match(h.stopped, /early stopping: valLoss did not improve for 2 epochs/);
  assert.ok(h.epochs < 20);
  const best = Math.min(...seen);
  const r = m.evaluate(subset(256, 768));
  assert.ok(Math.abs(r.loss - best) < 1e-5, `restored loss ${r.loss}, best ${best}`);
  m.dispose();
});

test('an AbortSignal stops fit cleanly between chunks; pause and resume continue it', async () => {
  const m = dl.model(MLP);
  const ac = new AbortController();
  let batches = 0;
  const h = await m.fit(subset(4096), { epochs: 5, batchSize: 32, chunk: 4, onBatch: () => ++batches === 8 && ac.abort(), signal: ac.signal });
  assert.equal(h.stopped, 'aborted');
  assert.ok(batches >= 8 && batches < 16, `${batches} batches ran`);
  let count = 0;
  const run = m.fit(subset(1024), { epochs: 1, batchSize: 32, chunk: 2, onBatch: () => ++count === 4 && m.pause() });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(count, 4); // paused after the chunk that reached batch 4
  m.resume();
  await run;
  assert.equal(count, 32);
  // single steps: start paused, step twice, then let it run out
  count = 0;
  m.pause();
  const stepped = m.fit(subset(256), { epochs: 1, batchSize: 32, chunk: 4, onBatch: () => count++ });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(count, 0);
  m.step();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(count, 1);
  m.step();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(count, 2);
  m.resume();
  await stepped;
  assert.equal(count, 8);
  m.dispose();
});

test('activations return feature maps; inputGradient gives saliency and an FGSM step raises the loss', async () => {
  const m = dl.model(LENET);
  await m.fit(subset(2000), { epochs: 1 });
  const x = Float32Array.from(test_.x.subarray(0, 784), (v) => v / 255);
  const maps = m.activations(x, 'conv2d_1');
  assert.deepEqual(maps.shape, [1, 8, 28, 28]);
  assert.equal(maps.data.length, 8 * 784);
  const label = [test_.y[0]];
  const g = m.inputGradient(x, label);
  assert.equal(g.length, 784);
  assert.ok(g.some((v) => v !== 0));
  const adv = x.map((v, i) => Math.min(1, Math.max(0, v + 0.1 * Math.sign(g[i]))));
  const lossOf = (input) => m.evaluate({ x: input, y: Uint8Array.from(label) }).loss;
  assert.ok(lossOf(adv) > lossOf(x), 'the adversarial image has a higher loss');
  assert.throws(() => m.activations(x, 'conv9'), /no layer named 'conv9'/);
  m.dispose();
});

test('every layer type builds and trains a step: residual, batch and layer norm, transposed conv, upsample', async () => {
  const m = dl.model({
    input: [1, 28, 28], seed: 2,
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'leakyRelu' },
      { type: 'residual', layers: [{ type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'batchNorm' }], activation: 'relu' },
      { type: 'residual', layers: [{ type: 'conv2d', filters: 8, kernel: 3, stride: 2, padding: 'same' }] },
      { type: 'avgPool2d', size: 2 },
      { type: 'conv2dTranspose', filters: 4, kernel: 3, stride: 2, padding: 'same', activation: 'elu' },
      { type: 'upsample', size: 2 },
      { type: 'maxPool2d', size: 4 },
      { type: 'layerNorm', dims: 3 },
      { type: 'globalAvgPool' },
      { type: 'dense', units: 16, activation: 'prelu' },
      { type: 'dropout', rate: 0.1 },
      { type: 'dense', units: 16, activation: 'gelu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  });
  assert.deepEqual(m.outputShape, [10]);
  const h = await m.fit(subset(256), { epochs: 2, batchSize: 32, lr: 0.01 });
  assert.ok(h.loss[1] < h.loss[0], `loss ${h.loss}`);
  m.dispose();
});

test('1,000 create/train-one-batch/dispose cycles leave the heap in use unchanged, and a deliberate leak is seen', async () => {
  const data = subset(32);
  const cycle = async (leak) => {
    const m = dl.model(MLP);
    await m.fit(data, { epochs: 1, batchSize: 32 });
    m.dispose();
    if (leak) dl.raw.dl_alloc(64); // never freed
  };
  for (let i = 0; i < 20; i++) await cycle(false);
  const before = dl.heapBytes();
  assert.ok(before > 0, 'the allocator reports its use');
  for (let i = 0; i < 1000; i++) await cycle(false);
  assert.equal(dl.heapBytes(), before);
  // the same measurement catches a leak of 64 bytes per cycle
  for (let i = 0; i < 100; i++) await cycle(true);
  assert.ok(dl.heapBytes() >= before + 6400, `a leak of 6,400 bytes shows: ${dl.heapBytes() - before}`);
});

test('a model predicts one sample alone exactly as it does inside a batch', async () => {
  const m = dl.model({ ...LENET, layers: [...LENET.layers.slice(0, 5), { type: 'batchNorm' }, { type: 'dense', units: 10 }] });
  await m.fit(subset(256), { epochs: 1 });
  const all = m.predict(test_.x.subarray(0, 784 * 20));
  const one = m.predict(test_.x.subarray(784 * 13, 784 * 14));
  assert.deepEqual(one, all.subarray(130, 140));
  m.dispose();
});

test('the Fashion-MNIST files, when installed, load through the same reader', async (t) => {
  let fashion;
  try {
    fashion = await readDataset(`${root}web/data/fashion-test.dlds.gz`);
  } catch {
    t.skip('dataset-fashion-mnist not installed');
    return;
  }
  assert.equal(fashion.n, 10000);
  assert.equal(fashion.labels[9], 'Ankle boot');
  assert.deepEqual(take(fashion, 3).y.length, 3);
});

test('a model file of version 1, written by the engine before programs, loads, predicts as it did and resumes its optimizer', async () => {
  const bytes = readFileSync(`${root}tests/golden/v1-model.dlpm`);
  const { predict } = JSON.parse(readFileSync(`${root}tests/golden/v1-model.json`, 'utf8'));
  const m = dl.loadModel(bytes);
  const x = Float32Array.from({ length: 32 * 64 }, (_, i) => Math.sin(i * 0.37));
  const p = m.predict(x.subarray(0, 4 * 64));
  // tanh now runs on the SIMD kernel rather than libm: equal to float rounding
  p.forEach((v, i) => assert.ok(Math.abs(v - predict[i]) <= 1e-5 * (1 + Math.abs(predict[i])), `output ${i}: ${v} vs ${predict[i]}`));
  assert.deepEqual(m.optimizers, [{ name: 'main', type: 'adam', step: 12, networks: ['model'] }]);
  await m.fit({ x, y: Float32Array.from({ length: 32 }, (_, i) => i % 3) }, { epochs: 1, batchSize: 8, lr: 0.01 });
  assert.equal(m.optimizers[0].step, 16); // the same optimizer went on
  m.dispose();
});

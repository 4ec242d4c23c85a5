// hardening.test.mjs: findings of the hardening issue (a hostile user's inputs), each a call
// that trapped, hung, leaked or silently changed a model before; now each is a DlError that
// names the problem, and the module, the model and a bystander model are as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engine } from './helpers.mjs';
import { DlError } from '../../wasm/dlplay.mjs';

const dl = await engine();
const TOY = { input: [4], seed: 1, layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: 3 }] };
const toy = (n = 16) => ({
  x: Float32Array.from({ length: 4 * n }, (_, i) => Math.sin(i)),
  y: Float32Array.from({ length: n }, (_, i) => i % 3),
});

// The module is healthy: a bystander model predicts as before, and the heap is back where it was.
async function healthy(run) {
  const bystander = dl.model(TOY);
  await bystander.fit(toy(), { epochs: 1, batchSize: 8 });
  const before = bystander.predict(toy(2).x), heap = dl.heapBytes();
  await run();
  assert.deepEqual(bystander.predict(toy(2).x), before, 'a bystander model is unchanged');
  assert.equal(dl.heapBytes(), heap, 'the heap in use is back where it was');
  bystander.dispose();
}

const isDlError = (code, pattern) => (e) => e instanceof DlError && e.code === code && pattern.test(e.message);

test('a huge chunk is refused with a clear error, not a trap, and the module works on', async () => {
  await healthy(async () => {
    const m = dl.model(TOY), w = m.getWeights();
    for (const chunk of [715827883, 2 ** 30])
      await assert.rejects(m.fit(toy(), { chunk }), isDlError('arg', /chunk must be a whole number in \[1, 65536\], got \d+/));
    assert.deepEqual(m.getWeights(), w);
    m.dispose();
  });
});

test('a convolution whose columns would overflow is refused when the model is built', () => {
  assert.throws(() => dl.model({ input: [256, 1, 1], layers: [{ type: 'conv2d', filters: 1, kernel: 64, padding: 63 }] }),
    isDlError('oom', /layer 1: conv2d 'conv2d_1': its columns \(\d+ rows x up to \d+ positions\) are too large/));
});

test('a slice starting near 2^31 is refused, not read past its input', () => {
  const g = dl.graph(1), x = g.input('x', [8]);
  assert.throws(() => g.op('slice', [x], { ints: [1, 2147483640, 10] }), isDlError('arg', /slice \[2147483640, 2147483650\) outside axis 1 of length 8/));
  g.dispose();
});

// Sizes are products of user-given dims; in 32-bit wasm a size_t product wraps (4096 x 2^20 is 0
// mod 2^32, 3 x 1431655766 is 2), so every size goes through core/size.h's checked 64-bit helpers.
test('sizes that wrap 32 bits are refused: a plan of 2^32 floats, a reshape to 2^32 + 2 values', () => {
  const m = dl.model({ input: [4096], layers: [{ type: 'dense', units: 2 }] });
  assert.throws(() => m.planForInference(2 ** 20), isDlError('oom', /graph needs 16384 MB at batch 1048576: too large \(input 'input' alone is over 1024 MB\)/));
  assert.equal(m.predict(new Float32Array(4096)).length, 2, 'the model still predicts');
  m.dispose();
  const g = dl.graph(1), x = g.input('x', [2]);
  assert.throws(() => g.op('reshape', [x], { ints: [2, 3, 1431655766] }), isDlError('shape', /cannot reshape 2 \(2 values\) to 4294967298 values/));
  g.dispose();
});

test('numbers finite as doubles but not as 32-bit floats are refused in data and weights', async () => {
  await healthy(async () => {
    const m = dl.model(TOY), w = m.getWeights(), y = new Float64Array(3 * 16).fill(0.5);
    y[5] = 5e38; // a regression target
    await assert.rejects(m.fit({ x: toy().x, y }, { loss: 'mse' }), isDlError('arg', /training data: target 5 is not a finite number/));
    assert.throws(() => m.setWeights([{ name: w[0].name, values: Array.from(w[0].values, (v, i) => (i === 2 ? -1e39 : v)) }]), isDlError('arg', /value 2 is not finite as a 32-bit float/));
    assert.deepEqual(m.getWeights(), w);
    m.dispose();
  });
});

test('an optimizer used after its graph is disposed is a state error', () => {
  const g = dl.graph(1), x = g.input('x', [2]), w = g.param('w', [2, 2], { init: 'xavier_uniform' });
  const loss = g.op('critic_mean', [g.op('dense', [x, w])], { floats: [1] });
  g.plan(2);
  const opt = g.optimizer('adam');
  g.dispose();
  assert.throws(() => opt.step(0.1), isDlError('state', /disposed/));
  assert.throws(() => opt.set('beta1', 0.5), isDlError('state', /disposed/));
  void loss;
});

test('pause then dispose ends a pending fit with a state error instead of leaving it pending forever', async () => {
  const m = dl.model(TOY);
  m.pause();
  const run = m.fit(toy(64), { epochs: 5, batchSize: 8, chunk: 1 });
  await new Promise((r) => setTimeout(r, 10));
  m.dispose();
  await assert.rejects(run, isDlError('state', /disposed during training/));
});

test('a fit refused after staging frees what it staged', async () => {
  await healthy(async () => {
    const m = dl.model(TOY);
    for (let i = 0; i < 20; i++) {
      const d = toy(64);
      d.y[5] = 7; // not a class: refused before anything trains
      await assert.rejects(m.fit(d, { epochs: 1 }), isDlError('arg', /label 7 of sample 5 is not a class in \[0, 3\)/));
    }
    m.dispose();
  });
});

test('two fits at once on one model: the second is a state error', async () => {
  const m = dl.model(TOY);
  const first = m.fit(toy(256), { epochs: 2, batchSize: 8, chunk: 1 });
  await assert.rejects(m.fit(toy(), { epochs: 1 }), isDlError('state', /already training/));
  await first;
  m.dispose();
});

test('Uint8ClampedArray input is scaled by 1/255 in activations and inputGradient too', async () => {
  const m = dl.model(TOY);
  await m.fit(toy(), { epochs: 1 });
  const bytes = Uint8ClampedArray.from([0, 64, 128, 255]), floats = Float32Array.from(bytes, (v) => v / 255);
  assert.deepEqual(m.activations(bytes, 'dense_1').data, m.activations(floats, 'dense_1').data);
  const g = m.inputGradient(bytes, [1]);
  assert.ok(g.some((v) => v !== 0));
  assert.deepEqual(g, m.inputGradient(floats, [1]));
  m.dispose();
});

test('targets a loss cannot take are refused: bce outside [0, 1], hinge other than -1 and +1', async () => {
  const m = dl.model({ input: [4], layers: [{ type: 'dense', units: 2 }] });
  const x = new Float32Array(8).fill(0.5);
  await assert.rejects(m.fit({ x, y: Float32Array.of(0, 1, 2, 0) }, { loss: 'bce_logits' }), isDlError('arg', /target 2 is 2; bce_logits takes targets in \[0, 1\]/));
  await assert.rejects(m.fit({ x, y: Float32Array.of(1, -1, 0, 1) }, { loss: 'hinge' }), isDlError('arg', /target 2 is 0; hinge takes targets -1 or \+1/));
  await assert.rejects(m.fit({ x, y: Float32Array.of(0.5, 0.5, -0.5, 1.5) }, { loss: 'softmax_ce_soft' }), isDlError('arg', /target 2 is -0.5/));
  m.dispose();
});

test('optimizer: null, cyclic and BigInt specs, a number for a file, fractional seeds and steps are DlErrors', async () => {
  const m = dl.model(TOY);
  await assert.rejects(m.fit(toy(), { optimizer: null }), isDlError('arg', /optimizer must be a name or \{type, \.\.\.options\}, got null/));
  const cyclic = { input: [4], layers: [] };
  cyclic.self = cyclic;
  assert.throws(() => dl.model(cyclic), isDlError('arg', /model spec cannot be written as JSON/));
  assert.throws(() => dl.model({ input: [4], seed: 1n, layers: [] }), isDlError('arg', /model spec cannot be written as JSON/));
  assert.throws(() => dl.loadModel(1e10), isDlError('arg', /a model file must be a Uint8Array/));
  assert.throws(() => dl.graph(1.5), isDlError('arg', /seed must be a whole number >= 0, got 1.5/));
  const s = dl.schedule('constant', 0.1);
  assert.throws(() => s.lr(0.5), isDlError('arg', /schedule step must be a whole number >= 0, got 0.5/));
  s.dispose();
  m.dispose();
});

test('a model file inside a larger buffer (DataView or offset view) loads from its own bytes', async () => {
  const m = dl.model(TOY);
  await m.fit(toy(), { epochs: 1 });
  const bytes = m.save(), big = new Uint8Array(bytes.length + 16);
  big.set(bytes, 7);
  for (const view of [big.subarray(7, 7 + bytes.length), new DataView(big.buffer, 7, bytes.length)]) {
    const copy = dl.loadModel(view);
    assert.deepEqual(copy.predict(toy(2).x), m.predict(toy(2).x));
    copy.dispose();
  }
  m.dispose();
});

test('layer names that could break JSON are refused, and so are specs with a key given twice', () => {
  assert.throws(() => dl.model({ input: [4], layers: [{ type: 'dense', units: 2, name: 'x","node":1,"z":"' }] }),
    isDlError('arg', /name must be 1 to 24 letters, digits, '_', '-' or '.'/));
  const bytes = new TextEncoder().encode('{"input":[4],"layers":[{"type":"dense","units":2}],"layers":[{"type":"dense","units":3}]}');
  const b = dl.b;
  assert.throws(() => b.withBytes(bytes, (p) => b.check(b.exports.dl_model_create(b.out, p, bytes.length))), isDlError('format', /json: duplicate member name/));
});

test('orthogonal initialization too costly to run is refused at once, and so is a model past the parameter cap before anything is allocated', () => {
  const t0 = performance.now();
  assert.throws(() => dl.model({ input: [4096], layers: [{ type: 'dense', units: 4096, kernelInitializer: 'orthogonal' }] }),
    isDlError('arg', /orthogonal initialization of a 4096 x 4096 kernel costs over 2\^31 operations/));
  assert.throws(() => dl.model({ input: [16384], layers: [{ type: 'dense', units: 8192, kernelInitializer: 'orthogonal' }] }),
    isDlError('oom', /kernel would bring the model past 67108864 parameter values/));
  assert.ok(performance.now() - t0 < 2000, 'refused without running the initializer');
});

test('a fit refused for its options changes nothing: not the weights, the optimizer or its state', async () => {
  const m = dl.model(TOY);
  await m.fit(toy(), { epochs: 1, optimizer: { type: 'adam', beta1: 0.8 } });
  const before = m.save({ optimizer: true }), program = JSON.stringify(m.program);
  await assert.rejects(m.fit(toy(), { optimizer: { type: 'rmsprop', rho: 7 } }), isDlError('arg', /rmsprop rho = 7 outside/));
  await assert.rejects(m.fit(toy(), { optimizer: { type: 'adam', beta1: 0.5, beta2: 2 } }), isDlError('arg', /adam beta2 = 2 outside/));
  await assert.rejects(m.fit(toy(), { earlyStopping: { monitor: 'valLos' } }), isDlError('arg', /earlyStopping.monitor 'valLos' is not reported/));
  await assert.rejects(m.fit(toy(), { earlyStopping: { monitor: 'valLoss' } }), isDlError('arg', /needs validationData or validationSplit/));
  // resetOptimizer starts the state over only once the rest is accepted
  await assert.rejects(m.fit(toy(), { resetOptimizer: true, optimizer: { type: 'adam', beta1: 0.5, beta2: 2 } }), isDlError('arg', /adam beta2 = 2 outside/));
  assert.deepEqual(m.save({ optimizer: true }), before);
  assert.equal(JSON.stringify(m.program), program);
  m.dispose();
  // a model's first fit, refused after its data is staged: no program is left behind, nothing staged stays
  await healthy(async () => {
    const fresh = dl.model(TOY), w = fresh.getWeights();
    await assert.rejects(fresh.fit(toy(), { optimizer: { type: 'rmsprop', rho: 7 } }), isDlError('arg', /rmsprop rho = 7 outside/));
    assert.equal(fresh.program, null);
    assert.deepEqual(fresh.getWeights(), w);
    fresh.dispose();
  });
});

test('the data readers fail with DlErrors too (code format), naming the file and what is wrong', async () => {
  const { decodeDlds, parseIdx } = await import('../../wasm/datasets.mjs');
  const { decodeImage } = await import('../../wasm/node-data.mjs');
  assert.throws(() => decodeDlds(new TextEncoder().encode('not a data file at all, but long enough')), isDlError('format', /not a DLDS data file/));
  assert.throws(() => parseIdx(Uint8Array.of(1, 2, 3, 4), 'x.idx'), isDlError('format', /x.idx: not an IDX file/));
  assert.throws(() => decodeImage(Uint8Array.of(1, 2, 3)), (e) => e instanceof DlError && e.code === 'format');
});

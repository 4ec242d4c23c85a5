// train.test.mjs: MLPs trained in wasm learn real tasks; seeded runs repeat exactly; the
// fallback (non-SIMD) module trains the same network to the same quality.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, buildMlp, train, accuracy, spiral } from './helpers.mjs';

const XOR_X = Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]);
const XOR_Y = Float32Array.from([0, 1, 1, 0]);

test('an MLP trained in wasm learns XOR to 100%', async () => {
  const dl = await engine();
  const net = buildMlp(dl, [2, 8, 2], { act: 'tanh', seed: 3, maxBatch: 4 });
  const opt = net.g.optimizer('adam');
  const loss = train(net, opt, XOR_X, XOR_Y, { epochs: 300, batch: 4, lr: 0.05 });
  assert.equal(accuracy(net, XOR_X, XOR_Y), 1);
  assert.ok(loss < 0.05, `final loss ${loss}`);
  opt.dispose();
  net.g.dispose();
});

for (const simd of [true, false]) {
  test(`an MLP learns the 2-D spiral to at least 95% on held-out points (${simd ? 'SIMD' : 'fallback'} module)`, async () => {
    const dl = await engine(simd);
    const tr = spiral(200, 0.1, 1), te = spiral(100, 0.1, 2);
    const net = buildMlp(dl, [2, 32, 32, 2], { seed: 7, maxBatch: 32 });
    const opt = net.g.optimizer('adam');
    train(net, opt, tr.xs, tr.ys, { epochs: 150, batch: 32, lr: 0.01 });
    const acc = accuracy(net, te.xs, te.ys);
    assert.ok(acc >= 0.95, `test accuracy ${acc}`);
    opt.dispose();
    net.g.dispose();
  });
}

test('the same seed gives bit-identical weights in two runs', async () => {
  const dl = await engine();
  const weights = () => {
    const tr = spiral(50, 0.1, 1);
    const net = buildMlp(dl, [2, 16, 2], { seed: 11, maxBatch: 16 });
    const opt = net.g.optimizer('adamw', { weight_decay: 0.01 });
    train(net, opt, tr.xs, tr.ys, { epochs: 5, batch: 16, lr: 0.01, seed: 4 });
    const w = net.params.map((p) => net.g.value(p));
    opt.dispose();
    net.g.dispose();
    return w;
  };
  const a = weights(), b = weights();
  a.forEach((w, i) => assert.deepEqual(w, b[i]));
});

test('the SIMD and fallback modules train to the same weights within float rounding', async () => {
  const run = async (simd) => {
    const dl = await engine(simd);
    const tr = spiral(50, 0.1, 1);
    const net = buildMlp(dl, [2, 16, 2], { seed: 5, maxBatch: 16 });
    const opt = net.g.optimizer('sgd');
    train(net, opt, tr.xs, tr.ys, { epochs: 3, batch: 16, lr: 0.05 });
    const w = net.g.value(net.params[0]);
    opt.dispose();
    net.g.dispose();
    return w;
  };
  const a = await run(true), b = await run(false);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `w[${i}]: ${a[i]} vs ${b[i]}`);
});

test('the RNG gives the same numbers in wasm as natively (golden values from tests/c/test_graph.c)', async () => {
  const dl = await engine();
  const g = dl.graph(42);
  const u = g.param('u', [4], { init: 'uniform', a: 0, b: 1 });
  const n = g.param('n', [4], { init: 'normal', a: 0, b: 1 });
  // The native build asserts the same float values in tests/c/test_graph.c.
  assert.deepEqual(g.value(u), Float32Array.from([0.413701653, 0.96978724, 0.00398397446, 0.539537311]));
  assert.deepEqual(g.value(n), Float32Array.from([1.72074318, 1.08685958, 1.97418988, 0.241731837]));
  g.dispose();
});

// errors.test.mjs: bad input comes back as a DlError naming the problem, the module never
// traps, and what was already built or trained stays intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlError } from '../../wasm/dlplay.mjs';
import { engine, buildMlp, train, spiral } from './helpers.mjs';

const dl = await engine();

test('a shape error names the op, the node and the sizes', () => {
  const g = dl.graph();
  const x = g.input('x', [1, 5, 5]);
  const w = g.param('w', [4, 1, 7, 7]);
  assert.throws(() => g.op('conv2d', [x, w], { name: 'c2', ints: [1, 1, 0, 0, 0, 0, 1] }), (e) => {
    assert.ok(e instanceof DlError);
    assert.equal(e.code, 'shape');
    assert.match(e.message, /^conv2d 'c2': kernel 7x7 is larger than the 5x5 input it receives \(padding included\); use a smaller kernel or padding 'same'$/);
    return true;
  });
  const ok = g.op('conv2d', [x, g.param('w3', [4, 1, 3, 3])], { name: 'c3', ints: [1, 1, 0, 0, 0, 0, 2] });
  assert.deepEqual(g.shape(ok).shape, [1, 4, 5, 5]); // the graph took the next op as usual
  g.dispose();
});

test('unknown ops, optimizers, schedules and options are named', () => {
  const g = dl.graph();
  const x = g.input('x', [3]);
  assert.throws(() => g.op('swish2', [x]), /unknown op: swish2/);
  assert.throws(() => g.optimizer('adamx'), /unknown optimizer: adamx/);
  assert.throws(() => g.optimizer('adam', { beta1: 1.5 }), /adam beta1 = 1\.5 outside \[0, 1\)/);
  assert.throws(() => g.optimizer('sgd', { nesterov: 1 }), /unknown sgd option: nesterov/);
  assert.throws(() => dl.schedule('cosine', 0.1, { gamma: 0.5 }), /unknown option for cosine schedule: gamma/);
  assert.throws(() => dl.schedule('warp', 0.1), /unknown schedule: warp/);
  assert.throws(() => dl.schedule('step', NaN), /learning rate nan must be a finite number/i);
  assert.throws(() => g.input('bad', [0, 3]), /input 'bad': dim 0 is 0, must be positive/);
  assert.throws(() => g.input('x', [3]), /duplicate node name 'x'/);
  g.dispose();
});

test('absurd sizes fail with an out-of-memory error and the module stays usable', () => {
  const g = dl.graph();
  assert.throws(() => g.param('huge', [100000, 100000]), (e) => e.code === 'oom' && /too large/.test(e.message));
  const x = g.input('x', [1000, 1000]);
  const y = g.op('relu', [x]);
  assert.throws(() => g.plan(5000), (e) => e.code === 'oom' && /graph needs \d+ MB at batch 5000: too large/.test(e.message));
  g.plan(2).forward(y); // a sensible plan still works
  g.dispose();
});

test('a plan the 2 GB heap cannot hold fails as out-of-memory, not a trap, and keeps the old plan', () => {
  const big = (seed) => {
    const g = dl.graph(seed);
    g.op('relu', [g.input('x', [1000, 1000])]);
    return g;
  };
  // x, its gradient, and relu's value and gradient sharing one place (their lives do not overlap)
  const a = big(1).plan(85); // 973 MB, just under the 1 GB arena cap: the heap grows to hold it
  const c = big(3).plan(40); // 458 MB more
  const b = big(2).plan(1);
  assert.throws(() => b.plan(85), (e) => e.code === 'oom' && /out of memory: graph needs 972\.7 MB at batch 85/.test(e.message));
  b.setValue(0, new Float32Array(1e6).fill(-1)).forward(1); // b's batch-1 plan is still in place
  assert.equal(b.value(1)[0], 0);
  a.dispose();
  c.dispose();
  b.plan(85); // with that memory back, the same plan fits
  b.dispose();
});

test('data of the wrong size is rejected by setValue', () => {
  const g = dl.graph();
  const x = g.input('x', [3]);
  g.plan(4);
  assert.throws(() => g.setValue(x, new Float32Array(11)), /node 0: 11 values given, expected 12/);
  g.dispose();
});

test('a label out of range stops the step with a message; the weights stay as they were', () => {
  const net = buildMlp(dl, [2, 4, 3], { maxBatch: 2 });
  const opt = net.g.optimizer('sgd');
  const before = net.g.value(net.params[0]);
  net.g.setBatch(2).setValue(net.x, [0.1, 0.2, 0.3, 0.4]).setValue(net.t, [1, 7]);
  assert.throws(() => net.g.trainStep(net.loss, opt, 0.1), /softmax_ce 'loss': label 7 of sample 1 is not a class in \[0, 3\)/);
  assert.deepEqual(net.g.value(net.params[0]), before);
  net.g.setValue(net.t, [1, 2]);
  net.g.trainStep(net.loss, opt, 0.1); // and training goes on
  opt.dispose();
  net.g.dispose();
});

test('a NaN loss stops training with a message and keeps the last good weights', () => {
  const tr = spiral(20, 0.1, 1);
  const net = buildMlp(dl, [2, 8, 2], { act: 'tanh', maxBatch: 8 }); // tanh carries a NaN on to the loss
  const opt = net.g.optimizer('adam');
  train(net, opt, tr.xs, tr.ys, { epochs: 2, batch: 8, lr: 0.01 });
  const good = net.params.map((p) => net.g.value(p));
  net.g.setBatch(2).setValue(net.x, [NaN, 0, 1, 1]).setValue(net.t, [0, 1]);
  assert.throws(() => net.g.trainStep(net.loss, opt, 0.01), (e) => e.code === 'numeric' && /loss is NaN: step refused, weights kept/.test(e.message));
  net.params.forEach((p, i) => assert.deepEqual(net.g.value(p), good[i]));
  assert.throws(() => net.g.trainStep(net.loss, opt, NaN), /learning rate nan/i);
  opt.dispose();
  net.g.dispose();
});

test('calls on a disposed graph throw instead of touching freed memory', () => {
  const g = dl.graph();
  g.input('x', [2]);
  g.dispose();
  assert.throws(() => g.input('y', [2]), /graph was disposed/);
  g.dispose(); // twice is harmless
});

test('1,000 graph create/train/dispose cycles leave the heap in use unchanged', () => {
  const cycle = () => {
    const net = buildMlp(dl, [2, 16, 2], { maxBatch: 8 });
    const opt = net.g.optimizer('adam');
    net.g.setBatch(8).setValue(net.x, new Float32Array(16).fill(0.5)).setValue(net.t, new Float32Array(8));
    net.g.trainStep(net.loss, opt, 0.01);
    opt.dispose();
    net.g.dispose();
  };
  for (let i = 0; i < 50; i++) cycle(); // let the heap reach its working size
  const before = dl.heapBytes();
  for (let i = 0; i < 1000; i++) cycle();
  assert.equal(dl.heapBytes(), before);
});

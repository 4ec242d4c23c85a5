// memory.mjs: the planned arena for three workloads, against the plan before the liveness
// planner (one buffer per value, gradient and scratch; convolution columns up to 2M floats per
// layer). LeNet's "before" is the figure measured at commit d201b5a; for the LSTM, built from
// graph ops, one buffer per tensor is exactly what that plan allocated. Run with `make bench`.
import { load } from '../wasm/dlplay.mjs';
import { printTable } from './common.mjs';

const dl = await load();
const MB = (b) => (b / 1048576).toFixed(1);
const LENET_BEFORE = 22044704; // bytes, LeNet at batch 64 (tests/c/test_model.c holds the same figure)

const lenet = dl.model({ input: [1, 28, 28], seed: 1, layers: [
  { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' }, { type: 'maxPool2d', size: 2 },
  { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' }, { type: 'maxPool2d', size: 2 }, { type: 'flatten' },
  { type: 'dense', units: 120, activation: 'relu' }, { type: 'dense', units: 84, activation: 'relu' }, { type: 'dense', units: 10 }] });
lenet.setProgram({ losses: { main: [{ type: 'softmax_ce', on: 'output', target: { data: 'y' } }] }, optimizers: { main: { type: 'adam' } } });
lenet.ensureBatch(64);
const lenetTrain = lenet.memory().arenaBytes;
lenet.planForInference(64);
const lenetInfer = lenet.memory().arenaBytes;
lenet.dispose();

// A one-layer LSTM unrolled from graph ops: T = 64 steps, H = 256, inputs of 32, batch 64.
const T = 64, H = 256, I = 32, B = 64;
const g = dl.graph(1);
const x = g.input('x', [T * I]), target = g.input('target', [H]);
let h = g.input('h0', [H]), c = g.input('c0', [H]);
const W = g.param('W', [I + H, 4 * H], { init: 'xavier_uniform', decay: true }), bias = g.param('b', [4 * H]);
const slice = (v, start, size) => g.op('slice', [v], { ints: [1, start, size] });
for (let t = 0; t < T; t++) {
  const a = g.op('dense', [g.op('concat', [slice(x, t * I, I), h], { ints: [1] }), W, bias]);
  const i = g.op('sigmoid', [slice(a, 0, H)]), f = g.op('sigmoid', [slice(a, H, H)]);
  const o = g.op('sigmoid', [slice(a, 2 * H, H)]), u = g.op('tanh', [slice(a, 3 * H, H)]);
  c = g.op('add', [g.op('mul', [f, c]), g.op('mul', [i, u])]);
  h = g.op('mul', [o, g.op('tanh', [c])]);
}
const loss = g.op('mse', [h, target]);
g.plan(B);
const lstm = g.memory();
// and it trains: one step of Adam through all 64 steps
const opt = g.optimizer('adam');
g.setValue(x, Float32Array.from({ length: B * T * I }, (_, k) => Math.sin(k)));
g.setValue(target, new Float32Array(B * H).fill(0.5));
g.trainStep(loss, opt, 1e-3);
opt.dispose();
g.dispose();

console.log(`Planned memory (batch ${B})\n`);
printTable(['workload', 'before (MB)', 'now (MB)', 'now/before', 'target'], [
  ['LeNet, training', MB(LENET_BEFORE), MB(lenetTrain), `${((100 * lenetTrain) / LENET_BEFORE).toFixed(0)}%`, '<= 50%'],
  ['LeNet, inference', MB(LENET_BEFORE), MB(lenetInfer), `${((100 * lenetInfer) / LENET_BEFORE).toFixed(0)}%`, '<= 25%'],
  [`LSTM from graph ops (T ${T}, H ${H}), training`, MB(lstm.unsharedBytes), MB(lstm.arenaBytes), `${((100 * lstm.arenaBytes) / lstm.unsharedBytes).toFixed(0)}%`, '<= 50%'],
]);

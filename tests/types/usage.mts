// usage.mts: compiled (never run) by `make test` with tsc --noEmit, so the .d.mts files in wasm/
// must describe the API the way the docs use it.
import { load, DlError, type Engine } from '../../wasm/dlplay.mjs';
import { readDataset, take } from '../../wasm/datasets.mjs';
import { loadCsv } from '../../wasm/node-data.mjs';

export async function example(): Promise<number> {
  const dl: Engine = await load({ simd: true });
  const model = dl.model({ input: [1, 28, 28], seed: 2, layers: [
    { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', size: 2 },
    { type: 'residual', layers: [{ type: 'conv2d', filters: 8, kernel: 3, padding: 'same' }] },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 10, kernelInitializer: { type: 'normal', a: 0, b: 0.01 } },
  ] });
  const train = take(await readDataset('web/data/mnist-train.dlds.gz'), 1000);
  const history = await model.fit({ x: train.x, y: train.y }, {
    epochs: 2, optimizer: { type: 'adam', beta2: 0.99 }, schedule: { type: 'cosine', period: 100 },
    earlyStopping: { monitor: 'valLoss', patience: 3 }, validationSplit: 0.1,
    onBatch: (b) => void b.samplesPerSec, signal: new AbortController().signal,
  });
  const r = model.evaluate({ x: train.x, y: train.y });
  const maps = model.activations(train.x.subarray(0, 784), 'conv2d_1');
  const g: Float32Array = model.inputGradient(train.x.subarray(0, 784), [train.y[0]]);
  const copy = dl.loadModel(model.save({ optimizer: true }));
  const csv = await loadCsv('data.csv', { label: 'label' });
  try {
    dl.schedule('step', 0.1, { step_size: 5 }).lr(3);
  } catch (e) {
    if (e instanceof DlError) return e.code.length;
  }
  copy.dispose();
  return history.loss[0] + (r.confusion?.[0][0] ?? 0) + maps.shape[0] + g[0] + csv.n;
}

// A two-network model with a training program.
export async function gan(dl: Engine, x: Float32Array): Promise<number> {
  const m = dl.model({
    inputs: { x: [2], z: { shape: [4], noise: 'normal' } },
    networks: { G: [{ type: 'dense', units: 2 }], D: { layers: [{ type: 'dense', units: 1 }] } },
    outputs: { fake: { net: 'G', from: 'z' }, real: { net: 'D', from: 'x' }, gen: { net: 'D', from: 'fake' } },
  });
  m.setProgram({
    losses: { d: [{ type: 'bce_logits', on: 'real', target: 1 }], g: { type: 'bce_logits', on: 'gen', target: 1 } },
    optimizers: { d: { type: 'adam', networks: ['D'] }, g: { type: 'adam', lr: 1e-3, networks: ['G'] } },
    steps: [{ loss: 'd', optimizer: 'd', repeat: 2 }, { loss: 'g', optimizer: 'g' }],
  });
  const h = await m.train({ x }, { epochs: 1, onStep: (s) => s.steps[0].terms });
  const points = m.run('fake', { z: new Float32Array(8) });
  const layers = dl.catalog.layers.map((l) => l.name);
  return h.losses.d[0] + points[0] + layers.length + m.evaluateLoss('d', { x }).loss + m.optimizers[0].step;
}

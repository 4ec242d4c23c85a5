// worker.test.mjs: the worker protocol (wasm/worker.mjs through wasm/worker-client.mjs), run
// under worker_threads by the adapter in worker-thread.mjs: several models in one worker, by id;
// runs that interleave without touching each other (weights bit-identical to the same training
// in this thread); step events in bunches; pause, step, resume and stop; one run per model;
// dispose; save and load; errors as DlError while the other models keep working; data sets held
// by the worker, streamed or sent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './worker-thread.mjs';
import { attach, prefetch, RemoteEngine } from '../../wasm/worker-client.mjs';
import { DlError } from '../../wasm/bindings.mjs';
import { engine } from './helpers.mjs';
import { mulberry32, gaussian } from '../../wasm/random.mjs';
import { serve } from '../../web/serve.mjs';

const dl = await engine();
const remote = attach({ worker: startWorker() });
await remote.ready;
after(() => remote.terminate());

// Three Gaussian clusters in the plane, labelled by cluster.
function clusters(n, seed) {
  const r = mulberry32(seed), centres = [[-3, -2], [3, -2], [0, 3]];
  const x = new Float32Array(2 * n), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * 3);
    x[2 * i] = centres[c][0] + gaussian(r);
    x[2 * i + 1] = centres[c][1] + gaussian(r);
    y[i] = c;
  }
  return { x, y };
}

// Points on a ring of radius 2, for a GAN (the one in docs/api.md).
const ring = (n) => Float32Array.from({ length: 2 * n }, (_, i) => 2 * (i % 2 ? Math.sin((i >> 1) * 2.399) : Math.cos((i >> 1) * 2.399)));

const CLASSIFIER = { input: [2], seed: 5, layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 3 }] };
const FIT = { epochs: 30, batchSize: 16, lr: 0.01, seed: 2, chunk: 8 };
const GAN = {
  seed: 3,
  inputs: { x: [2], z: { shape: [4], noise: 'normal' } },
  networks: {
    G: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 2 }],
    D: [{ type: 'dense', units: 16, activation: 'leakyRelu', alpha: 0.2 }, { type: 'dense', units: 1 }],
  },
  outputs: {
    fake: { net: 'G', from: 'z' },
    fake_d: { detach: 'fake' },
    real_score: { net: 'D', from: 'x' },
    fake_score: { net: 'D', from: 'fake_d' },
    gen_score: { net: 'D', from: 'fake' },
  },
};
const GAN_PROGRAM = {
  losses: {
    d: [{ type: 'bce_logits', on: 'real_score', target: 0.9 }, { type: 'bce_logits', on: 'fake_score', target: 0 }],
    g: [{ type: 'bce_logits', on: 'gen_score', target: 1 }],
  },
  optimizers: { d: { type: 'adam', lr: 2e-3, beta1: 0.5, networks: ['D'] }, g: { type: 'adam', lr: 1e-3, beta1: 0.5, networks: ['G'] } },
  steps: [{ loss: 'd', optimizer: 'd' }, { loss: 'g', optimizer: 'g' }],
};
const GAN_TRAIN = { epochs: 12, batchSize: 32, seed: 4, chunk: 4 };
// A VAE on 8-bit patterns: two latent dims, Bernoulli decoder.
const VAE = {
  seed: 9,
  inputs: { x: [8] },
  networks: { enc: [{ type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 4 }], dec: [{ type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 8 }] },
  outputs: { h: { net: 'enc', from: 'x' }, mu: { slice: 'h', start: 0, size: 2 }, logvar: { slice: 'h', start: 2, size: 2 }, z: { sample: ['mu', 'logvar'] }, logits: { net: 'dec', from: 'z' } },
};
const VAE_PROGRAM = {
  losses: { vae: [{ type: 'bce_logits', on: 'logits', target: 'x', reduce: 'sum', name: 'recon' }, { type: 'kl_gauss', on: ['mu', 'logvar'], name: 'kl' }] },
  optimizers: { adam: { type: 'adam', lr: 3e-3 } },
};
const patterns = (n) => Float32Array.from({ length: 8 * n }, (_, i) => ((Math.floor(i / 8) % 4) >> (i % 8 < 4 ? 0 : 1)) & 1);

const sameWeights = (a, b) => {
  assert.deepEqual(a.map((w) => w.name), b.map((w) => w.name));
  a.forEach((w, i) => assert.deepEqual(w.values, b[i].values, w.name));
};

test('a classifier and a GAN in one worker train at the same time, their runs interleave, and each ends bit-identical to the same training alone in this thread', async () => {
  const train = clusters(600, 1), val = clusters(300, 2), x = ring(512);
  await remote.setDataset('clusters', train, { shape: [2] });
  const classifier = await remote.create(CLASSIFIER);
  const gan = await remote.create(GAN);
  assert.notEqual(classifier.id, gan.id);
  assert.deepEqual(gan.summary.networks.map((n) => n.name), ['G', 'D']);
  assert.deepEqual(gan.summary.tensors.map((t) => t.name), ['x', 'z', 'fake', 'fake_d', 'real_score', 'fake_score', 'gen_score']);
  await gan.setProgram(GAN_PROGRAM);
  assert.deepEqual(gan.summary.optimizers.map((o) => o.name), ['d', 'g']);

  const order = []; // which model each event came from
  let fitDone = false, ganDuringFit = 0;
  const [h1, h2] = await Promise.all([
    classifier.fit({ dataset: 'clusters' }, { ...FIT, validationData: val, onBatches: () => order.push('c') }).finally(() => (fitDone = true)),
    gan.train({ x }, { ...GAN_TRAIN, onSteps: (s) => (order.push('g'), fitDone || (ganDuringFit += s.length)) }),
  ]);
  assert.ok(h1.valAccuracy.at(-1) > 0.95, `validation accuracy ${h1.valAccuracy.at(-1)}`);
  assert.equal(h2.iterations, 12 * 16);
  assert.ok(h2.losses.d.every(Number.isFinite) && h2.losses.g.every(Number.isFinite));
  assert.ok(ganDuringFit > 0 && order.indexOf('g') < order.lastIndexOf('c'), `the runs interleave: ${order.join('')}`);

  // the same training, alone and in this thread
  const c0 = dl.model(CLASSIFIER), g0 = dl.model(GAN).setProgram(GAN_PROGRAM);
  await c0.fit(train, { ...FIT, validationData: val });
  await g0.train({ x }, GAN_TRAIN);
  sameWeights(await classifier.getWeights(), c0.getWeights());
  sameWeights(await gan.getWeights(), g0.getWeights());
  const z = Float32Array.from({ length: 4 * 16 }, (_, i) => Math.sin(i));
  assert.deepEqual(await gan.run('fake', { z }), g0.run('fake', { z }));
  c0.dispose();
  g0.dispose();
  await classifier.dispose();
  await gan.dispose();
});

test('a VAE program trains from a data set the worker holds, with finite losses that fall, and reports its terms', async () => {
  await remote.setDataset('patterns', { x: patterns(512), extra: new Float32Array(512) }, { n: 512 });
  const vae = await remote.create(VAE);
  await vae.setProgram(VAE_PROGRAM);
  const before = await vae.evaluateLoss('vae', { dataset: 'patterns' }); // 'extra' is not read by the model: left out
  const records = [];
  const h = await vae.train({ dataset: 'patterns' }, { epochs: 20, batchSize: 32, onStep: (s) => records.push(s) });
  assert.equal(records.length, h.iterations);
  assert.deepEqual(records.map((r) => r.iteration), [...Array(h.iterations).keys()]);
  assert.deepEqual(Object.keys(records[0].steps[0].terms), ['recon', 'kl']);
  const r = await vae.evaluateLoss('vae', { dataset: 'patterns' });
  assert.ok(h.losses.vae.every(Number.isFinite) && r.loss < 0.6 * before.loss, `loss ${before.loss.toFixed(2)} -> ${r.loss.toFixed(2)}`);
  const { logits, mu } = await vae.run(['logits', 'mu'], { x: patterns(4) });
  assert.equal(logits.length, 32);
  assert.equal(mu.length, 8);
  assert.ok(mu instanceof Float32Array);
  await vae.dispose();
});

test('step events come in bunches, at most one message per 50 ms, with every step in order', async () => {
  const m = await remote.create(CLASSIFIER);
  const data = clusters(8192, 3);
  let messages = 0;
  const seen = [], t0 = performance.now();
  const h = await m.fit(data, { epochs: 1, batchSize: 8, chunk: 4, onBatches: (b) => (messages++, seen.push(...b.map((x) => x.batch))) });
  const ms = performance.now() - t0;
  assert.deepEqual(seen, [...Array(1024).keys()]);
  assert.equal(h.epochs, 1);
  assert.ok(messages <= 3 + ms / 50 && messages < 1024 / 4, `${messages} messages for 1,024 batches in ${ms.toFixed(0)} ms`);
  await m.dispose();
});

test('a run starts paused, takes single steps, resumes and stops; a second run on the same model is refused meanwhile', async () => {
  const m = await remote.create(GAN);
  await m.setProgram(GAN_PROGRAM);
  const records = [];
  const run = m.train({ x: ring(256) }, { iterations: 100000, batchSize: 16, chunk: 2, paused: true, onStep: (s) => records.push(s.iteration) });
  const until = async (f) => {
    for (let i = 0; i < 500 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(f(), `records: ${records.length}`);
  };
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(records.length, 0, 'nothing runs while paused');
  await assert.rejects(m.train({ x: ring(64) }, { iterations: 1 }), (e) => e instanceof DlError && e.code === 'state' && /model \d+ is already training/.test(e.message));
  await assert.rejects(m.setProgram(GAN_PROGRAM), (e) => e.code === 'state' && /setProgram has to wait/.test(e.message));
  await m.step();
  await until(() => records.length === 1);
  await m.step(2);
  await until(() => records.length === 3);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(records, [0, 1, 2], 'a step runs one iteration and holds');
  await m.resume();
  await until(() => records.length > 50);
  await m.pause(); // when it answers, every step run so far has been reported, and no more run
  const held = records.length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(records.length, held);
  await m.stop();
  const h = await run;
  assert.equal(h.stopped, 'aborted');
  assert.ok(h.iterations < 100000);
  assert.deepEqual(records, [...Array(h.iterations).keys()]);
  // the model is free again
  assert.equal((await m.train({ x: ring(64) }, { iterations: 3, batchSize: 16 })).iterations, 3);
  await m.dispose();
});

test('a run on a data set of fewer batches than a chunk still lets other requests in: pause and stop take effect at once', async () => {
  const m = await remote.create(CLASSIFIER), other = await remote.create(CLASSIFIER);
  let batches = 0;
  const run = m.fit(clusters(64, 7), { epochs: 200000, batchSize: 16, chunk: 16, onBatch: () => batches++ });
  await new Promise((r) => setTimeout(r, 50));
  let t = performance.now();
  await other.run('output', { input: new Float32Array(2) }); // another model's request
  await m.pause(); // when it answers, every batch run so far has been reported
  assert.ok(performance.now() - t < 500, `answered after ${(performance.now() - t).toFixed(0)} ms`);
  const held = batches;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(batches, held);
  t = performance.now();
  await m.stop();
  const h = await run;
  assert.ok(h.stopped === 'aborted' && h.epochs < 200000 && performance.now() - t < 500);
  await m.dispose();
  await other.dispose();
});

test('an AbortSignal stops a remote run, and disposing a running model ends its run', async () => {
  const a = await remote.create(CLASSIFIER), b = await remote.create(CLASSIFIER);
  const controller = new AbortController(), data = clusters(4096, 4);
  const run = a.fit(data, { epochs: 1000, onEpoch: () => controller.abort(), signal: controller.signal });
  assert.equal((await run).stopped, 'aborted');
  const running = b.fit(data, { epochs: 1000, paused: true });
  await b.dispose();
  assert.equal((await running).stopped, 'aborted');
  await a.dispose();
});

test('dispose frees the model: a call on its id is a clear error, and its memory goes back to the heap', async () => {
  const m = await remote.create(CLASSIFIER);
  await m.dispose();
  await assert.rejects(m.run('output', { input: new Float32Array(2) }), (e) => e instanceof DlError && e.code === 'state' && e.message === `model ${m.id} was disposed`);
  await assert.rejects(remote.call('run', { model: 9999, tensor: 'output', inputs: {} }), /no model 9999 in this worker/);
  assert.ok(!(await remote.stats()).models.includes(m.id));
  const big = { input: [64], layers: [{ type: 'dense', units: 512, activation: 'relu' }, { type: 'dense', units: 512 }] }; // 1.2 MB of weights
  const before = (await remote.stats()).heapBytes;
  for (let i = 0; i < 10; i++) {
    const x = await remote.create(big);
    await x.fit({ x: new Float32Array(64 * 32), y: new Float32Array(512 * 32) }, { loss: 'mse', epochs: 1 });
    assert.ok((await remote.stats()).heapBytes > before + 1e6, 'the model is on the heap');
    await x.dispose();
    assert.equal((await remote.stats()).heapBytes, before, `after model ${i + 1}`);
  }
});

test('save and load round-trip a trained model: the copy has a new id and gives identical run outputs, as do its weights set into a fresh model', async () => {
  const m = await remote.create(GAN);
  await m.setProgram(GAN_PROGRAM);
  await m.train({ x: ring(256) }, { epochs: 2, batchSize: 32 });
  const { bytes } = await m.save({ optimizer: true });
  assert.ok(bytes instanceof Uint8Array && bytes.length > 1000);
  const copy = await remote.load(bytes);
  assert.notEqual(copy.id, m.id);
  assert.deepEqual(copy.summary.optimizers, m.summary.optimizers.map((o) => ({ ...o, step: 16 })));
  const z = Float32Array.from({ length: 4 * 32 }, (_, i) => Math.cos(i));
  const [a, b] = [await m.run(['fake', 'gen_score'], { z }), await copy.run(['fake', 'gen_score'], { z })];
  assert.deepEqual(a, b);
  // the weights alone, moved into a fresh model, give the same outputs too
  const fresh = await remote.create(GAN);
  assert.notDeepEqual(await fresh.run('fake', { z }), a.fake);
  await fresh.setWeights(await m.getWeights());
  assert.deepEqual(await fresh.run(['fake', 'gen_score'], { z }), a);
  await assert.rejects(fresh.setWeights([{ name: 'G/dense_1/kernel', values: [1, 2] }]), (e) => e.code === 'shape' && /G\/dense_1\/kernel/.test(e.message));
  await fresh.dispose();
  // a file whose shapes do not fit is refused, and no model is added
  const models = (await remote.stats()).models;
  const classifier = await remote.create(CLASSIFIER);
  const file = (await classifier.save()).bytes;
  await assert.rejects(remote.load(file, { input: [1, 28, 28], output: [10] }), (e) => e.code === 'shape' && /takes \[2\] inputs/.test(e.message));
  await assert.rejects(remote.load(new Uint8Array([1, 2, 3])), (e) => e.code === 'format');
  assert.deepEqual((await remote.stats()).models, [...models, classifier.id]);
  for (const x of [m, copy, classifier]) await x.dispose();
});

test('a bad spec or program is a DlError naming the problem, and the other models keep working', async () => {
  const m = await remote.create(CLASSIFIER);
  await m.fit(clusters(200, 5), { epochs: 2 });
  const probe = { input: Float32Array.of(0, 0, 3, -2) };
  const before = await m.run('output', probe);
  await assert.rejects(remote.create({ input: [2], layers: [{ type: 'dense', units: 4 }, { type: 'dense', unit: 3 }] }),
    (e) => e instanceof DlError && e.code === 'arg' && /layer 2 \(dense 'dense_2'\): unknown option unit/.test(e.message));
  await assert.rejects(remote.create({ input: [2], layers: [{ type: 'densely' }] }), /unknown layer type: densely|densely/);
  const gan = await remote.create(GAN);
  await assert.rejects(gan.setProgram({ ...GAN_PROGRAM, losses: { ...GAN_PROGRAM.losses, d: [{ type: 'bce_logitz', on: 'real_score', target: 1 }] } }),
    (e) => e instanceof DlError && /bce_logitz/.test(e.message));
  await assert.rejects(gan.setProgram({ ...GAN_PROGRAM, optimizers: { ...GAN_PROGRAM.optimizers, d: { type: 'adam', networks: ['E'] } } }), /\bE\b/);
  assert.equal(gan.summary.program, null); // the refused programs changed nothing
  await assert.rejects(m.run('nope', probe), /no tensor or layer named 'nope'/);
  await assert.rejects(remote.call('explode'), (e) => e.code === 'arg' && /unknown request: explode/.test(e.message));
  assert.deepEqual(await m.run('output', probe), before);
  await gan.setProgram(GAN_PROGRAM);
  assert.equal((await gan.train({ x: ring(64) }, { iterations: 2, batchSize: 16 })).iterations, 2);
  await m.dispose();
  await gan.dispose();
});

test('models in separate workers give the same results as in one', async () => {
  const other = attach({ worker: startWorker() });
  try {
    const data = clusters(300, 6);
    const [a, b] = [await remote.create(CLASSIFIER), await other.create(CLASSIFIER)];
    await Promise.all([a.fit(data, FIT), b.fit(data, FIT)]);
    sameWeights(await a.getWeights(), await b.getWeights());
    await a.dispose();
  } finally {
    other.terminate();
  }
});

test('a stream started by prefetch (no id) is joined by the client’s request, and training reads the samples that have arrived', async () => {
  const server = await serve(0);
  const url = `http://127.0.0.1:${server.address().port}/data/mnist-test.dlds.gz`;
  const w = startWorker();
  prefetch(w, { datasets: { digits: url } });
  const e = attach({ worker: w });
  try {
    let progress = 0;
    const set = await e.loadDataset('digits', url, () => progress++);
    assert.deepEqual([set.n, set.count, set.shape, set.classes], [10000, 10000, [1, 28, 28], 10]);
    const s = await e.sample('digits', 0);
    assert.equal(s.label, 7); // the first MNIST test digit
    const m = await e.create({ input: [1, 28, 28], layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] });
    const h = await m.fit({ dataset: 'digits', count: 2000 }, { epochs: 1, validationData: { dataset: 'digits', from: 8000 } });
    assert.ok(h.valAccuracy[0] > 0.7, `accuracy ${h.valAccuracy[0]}`);
    const r = await m.evaluate({ dataset: 'digits', from: 9000 }, 3);
    assert.equal(r.n, 1000);
    assert.equal(r.misclassified.length, 3);
    assert.ok(r.misclassified.every((x) => x.index >= 9000 && x.label !== x.predicted && x.image.length === 784));
  } finally {
    e.terminate();
    await new Promise((r) => server.close(r));
  }
});

test('network() lists every layer with its spec options, block and output for one sample, and the dense kernels the drawing needs', async () => {
  const conv = (filters, extra = {}) => ({ type: 'conv2d', filters, kernel: 3, padding: 'same', activation: 'relu', ...extra });
  const spec = { input: [1, 8, 8], seed: 3, layers: [conv(4), { type: 'residual', layers: [conv(4), conv(4, { activation: 'linear' })], activation: 'relu' },
    { type: 'flatten' }, { type: 'dense', units: 5, activation: 'tanh' }, { type: 'dense', units: 3, name: 'output' }] };
  const m = await remote.create(spec), x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const net = await m.network(x), local = dl.model(spec);
  try {
    assert.deepEqual(net.input, [1, 8, 8]);
    assert.deepEqual(net.layers.map((l) => [l.type, l.block]), [['conv2d', null], ['residual', null], ['conv2d', 'residual_2'], ['conv2d', 'residual_2'], ['flatten', null], ['dense', null], ['dense', null]]);
    assert.equal(net.layers[0].options.filters, 4);
    assert.equal(net.layers[5].options.activation, 'tanh');
    // each output is the layer's own for x, as this thread's copy of the model computes it
    for (const l of net.layers) assert.deepEqual(l.out, local.activations(x, l.name).data, l.name);
    const w = new Map(local.getWeights().map((p) => [p.name, p.values]));
    assert.deepEqual(net.layers[5].kernelShape, [256, 5]);
    assert.deepEqual(net.layers[5].kernel, w.get('dense_6/kernel'));
    assert.deepEqual(net.layers[6].bias, w.get('output/bias'));
    assert.equal(net.layers[0].kernel, undefined, 'only dense kernels are drawn as edges');
    // without a sample: the structure and weights alone
    assert.equal((await m.network()).layers[0].out, undefined);
  } finally {
    local.dispose();
    await m.dispose();
  }
});

test('onBusy says when a quick request has waited over 200 ms, and when none waits; runs and streams never count', async () => {
  // a stand-in worker that answers each request after the delay its type asks for
  const delays = { evaluate: 400, predict: 20, fit: 600 };
  const worker = { postMessage(m) { setTimeout(() => this.onmessage({ data: { type: 'result', id: m.id, result: m.type } }), delays[m.type]); } };
  const remote = new RemoteEngine(worker), seen = [], t0 = performance.now();
  remote.onBusy((busy) => seen.push([busy, Math.round(performance.now() - t0)]));
  await Promise.all([remote.call('fit'), remote.call('predict')]);
  assert.deepEqual(seen, [], 'a long run and a prompt answer are not a busy worker');
  await Promise.all([remote.call('evaluate'), remote.call('evaluate')]);
  assert.deepEqual(seen.map(([b]) => b), [true, false], JSON.stringify(seen));
  assert.ok(seen[0][1] >= 800 && seen[0][1] < 1000 && seen[1][1] >= 1000, JSON.stringify(seen));
});

test('a language model in the worker samples, searches beams and shows its insides, each in one request, the same as in this thread', async () => {
  const spec = { seed: 3, inputs: { x: { shape: [8], tokens: 6 } }, networks: { lm: [{ type: 'embedding', vocab: 6, units: 8 }, { type: 'positionalEncoding' },
    { type: 'transformerBlock', heads: 2 }, { type: 'dense', units: 6, perPosition: true }] }, outputs: { logits: { net: 'lm', from: 'x' } } };
  const here = dl.model(spec), there = await remote.create(spec), prompt = [1, 2, 3];
  const { sample, beamSearch } = await import('../../wasm/decode.mjs');
  const s = await there.generate(prompt, 4, { temperature: 0.7, seed: 4 });
  assert.deepEqual(s.tokens, sample(here, prompt, 4, { temperature: 0.7, seed: 4 }));
  assert.equal(s.probabilities.length, 4 * 6);
  assert.deepEqual((await there.beam(prompt, 4, 3)).tokens, beamSearch(here, prompt, 4, 3).tokens);
  const g = here.generator(1);
  let last;
  for (const t of prompt) last = g.step([t]);
  assert.deepEqual(await there.nextScores(prompt), last);
  // the attention weights of each position: 2 heads over the 8-step cache, rows summing to 1 over the tokens so far
  const [a] = await there.inspect(prompt, [{ name: 'lm/transformerBlock_3/attention', scratch: true }]);
  assert.equal(a.length, 3 * 2 * 8);
  for (let t = 0; t < 3; t++)
    for (let h = 0; h < 2; h++) {
      const row = a.subarray((t * 2 + h) * 8, (t * 2 + h + 1) * 8);
      assert.ok(Math.abs(row.reduce((x, v) => x + v, 0) - 1) < 1e-5 && row.subarray(t + 1).every((v) => v === 0));
    }
  await assert.rejects(there.generate([9], 2), /token 9 of stream 0 is not in the vocabulary/);
  here.dispose();
  await there.dispose();
});

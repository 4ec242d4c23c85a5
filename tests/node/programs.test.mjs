// programs.test.mjs: models beyond classifiers, each a spec plus a training program, trained on
// real MNIST to a stated quality: a GAN, a VAE, an autoencoder, a conditional model. Seeds are
// fixed (the spec's seed, train's seed), so each run gives the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { engine } from './helpers.mjs';
import { readDataset } from '../../wasm/datasets.mjs';
import { mulberry32 } from '../../wasm/random.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dl = await engine();
const train = await readDataset(`${root}web/data/mnist-train.dlds.gz`);
const test_ = await readDataset(`${root}web/data/mnist-test.dlds.gz`);
const images = (set, n, from = 0) => set.x.subarray(from * 784, (from + n) * 784);

const GAN_SPEC = {
  seed: 11,
  inputs: { x: [784], z: { shape: [64], noise: 'normal' } },
  networks: {
    G: [{ type: 'dense', units: 256, activation: 'leakyRelu', alpha: 0.2 }, { type: 'dense', units: 784, activation: 'tanh' }],
    D: [{ type: 'dense', units: 256, activation: 'leakyRelu', alpha: 0.2 }, { type: 'dense', units: 1 }],
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
    d: [{ type: 'bce_logits', on: 'real_score', target: 1 }, { type: 'bce_logits', on: 'fake_score', target: 0 }],
    g: [{ type: 'bce_logits', on: 'gen_score', target: 1 }],
  },
  optimizers: {
    d: { type: 'adam', lr: 2e-4, beta1: 0.5, networks: ['D'] },
    g: { type: 'adam', lr: 2e-4, beta1: 0.5, networks: ['G'] },
  },
  steps: [{ loss: 'd', optimizer: 'd' }, { loss: 'g', optimizer: 'g' }],
};

const correlation = (a, b) => {
  const n = a.length, ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) (sab += (a[i] - ma) * (b[i] - mb)), (saa += (a[i] - ma) ** 2), (sbb += (b[i] - mb) ** 2);
  return sab / Math.sqrt(saa * sbb);
};
const meanImage = (x, n) => {
  const m = new Float64Array(784);
  for (let i = 0; i < n * 784; i++) m[i % 784] += x[i] / n;
  return m;
};

test('an MLP GAN program on MNIST (seed 11) learns the mean image of the digits in 600 steps, and a G step leaves D bit-identical', async () => {
  const m = dl.model(GAN_SPEC);
  m.setProgram(GAN_PROGRAM);
  const x = Float32Array.from(images(train, 8192), (v) => (v / 255) * 2 - 1); // tanh range
  const zFixed = Float32Array.from({ length: 256 * 64 }, (() => { const r = mulberry32(5); return () => 2 * r() - 1; })());
  const before = correlation(meanImage(m.run('fake', { z: zFixed }), 256), meanImage(x, 8192));
  const h = await m.train({ x }, { iterations: 600, batchSize: 64, seed: 3 });
  assert.equal(h.iterations, 600);
  assert.ok(h.losses.d.every(Number.isFinite) && h.losses.g.every(Number.isFinite));
  const fake = m.run('fake', { z: zFixed });
  const after = correlation(meanImage(fake, 256), meanImage(x, 8192));
  assert.ok(before < 0.3 && after > 0.75, `mean-image correlation with the data: ${before.toFixed(3)} before, ${after.toFixed(3)} after`);
  // D still tells real from fake better than chance, but is not saturated
  const dReal = m.run('real_score', { x: x.subarray(0, 256 * 784) }), dFake = m.run('fake_score', { z: zFixed });
  const acc = (dReal.filter((s) => s > 0).length + dFake.filter((s) => s < 0).length) / 512;
  assert.ok(acc > 0.5 && acc < 1, `D accuracy ${acc}`);
  // one G step: D's weights are bit-identical, G's move
  const d0 = m.getWeights().filter((w) => w.name.startsWith('D/'));
  const g0 = m.getWeights().filter((w) => w.name.startsWith('G/'));
  m.setProgram({ losses: { g: GAN_PROGRAM.losses.g }, optimizers: { g: GAN_PROGRAM.optimizers.g } });
  assert.deepEqual(m.optimizers.map((o) => [o.name, o.step]), [['g', 600]]); // the state carried over
  await m.train({}, { iterations: 1, batchSize: 64 });
  const d1 = m.getWeights().filter((w) => w.name.startsWith('D/'));
  const g1 = m.getWeights().filter((w) => w.name.startsWith('G/'));
  d0.forEach((w, i) => assert.deepEqual(d1[i].values, w.values, w.name));
  assert.ok(g0.some((w, i) => w.values.some((v, j) => v !== g1[i].values[j])));
  m.dispose();
});

const VAE_SPEC = (latent) => ({
  seed: 7,
  inputs: { x: [784], prior: [latent] }, // prior: any z to decode (samples, latent walks)
  networks: {
    enc: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 2 * latent }],
    dec: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 784 }],
  },
  outputs: {
    h: { net: 'enc', from: 'x' },
    mu: { slice: 'h', start: 0, size: latent },
    logvar: { slice: 'h', start: latent, size: latent },
    z: { sample: ['mu', 'logvar'] },
    logits: { net: 'dec', from: 'z' },
    decoded: { net: 'dec', from: 'prior' }, // the same decoder, applied again
  },
});
const VAE_PROGRAM = {
  losses: { vae: [{ type: 'bce_logits', on: 'logits', target: 'x', reduce: 'sum', name: 'recon' }, { type: 'kl_gauss', on: ['mu', 'logvar'], name: 'kl' }] },
  optimizers: { adam: { type: 'adam', lr: 1e-3 } },
};

test('a VAE program (seed 7, latent 16) reaches a test loss under 135 nats per digit in 3 epochs on 12,000 digits', async () => {
  const m = dl.model(VAE_SPEC(16));
  m.setProgram(VAE_PROGRAM);
  const x = images(train, 12000), tx = images(test_, 2000);
  const start = m.evaluateLoss('vae', { x: tx });
  await m.train({ x }, { epochs: 3, batchSize: 64 });
  const r = m.evaluateLoss('vae', { x: tx });
  assert.ok(start.loss > 500 && r.loss < 135, `test loss ${start.loss.toFixed(1)} -> ${r.loss.toFixed(1)} (recon ${r.terms.recon.toFixed(1)}, KL ${r.terms.kl.toFixed(1)})`);
  assert.ok(Math.abs(r.terms.recon + r.terms.kl - r.loss) < 1e-3 * r.loss);
  assert.ok(r.terms.kl > 5, 'the latent code carries information');
  // the decoder on given z: sampling the prior, in evaluation mode
  const z = Float32Array.from({ length: 4 * 16 }, (_, i) => (i % 16 === 0 ? 1 : 0));
  const samples = m.run('decoded', { prior: z });
  assert.equal(samples.length, 4 * 784);
  // it is the decoder the training path uses: the same z through 'logits' agrees
  const mu = m.run('mu', { x: images(test_, 1) }), enc = m.run('decoded', { prior: mu });
  const through = m.run('logits', { x: images(test_, 1) }); // eval mode: z = mu
  assert.deepEqual(enc, through);
  m.dispose();
});

test('a dense autoencoder (seed 2) reconstructs test digits with a mean squared error under 0.025 after 2 epochs', async () => {
  const m = dl.model({
    seed: 2,
    inputs: { x: [784] },
    networks: { ae: [{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 784, activation: 'sigmoid' }] },
    outputs: { recon: { net: 'ae', from: 'x' } },
  });
  m.setProgram({ losses: { mse: [{ type: 'mse', on: 'recon', target: 'x' }] }, optimizers: { adam: { type: 'adam', lr: 2e-3 } } });
  const before = m.evaluateLoss('mse', { x: images(test_, 1000) }).loss;
  await m.train({ x: images(train, 10000) }, { epochs: 2, batchSize: 64 });
  const after = m.evaluateLoss('mse', { x: images(test_, 1000) }).loss;
  assert.ok(before > 0.1 && after < 0.025, `test MSE ${before.toFixed(4)} -> ${after.toFixed(4)}`);
  m.dispose();
});

test('a conditional model (seed 4: a class label joined to the image) learns whether the label fits the digit, over 90% on test digits', async () => {
  const m = dl.model({
    seed: 4,
    inputs: { x: [784], c: { classes: 10 } },
    networks: { f: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 1 }] },
    outputs: { xc: { concat: ['x', 'c'] }, score: { net: 'f', from: 'xc' } },
  });
  m.setProgram({ losses: { fit: [{ type: 'bce_logits', on: 'score', target: { data: 'match' } }] }, optimizers: { adam: { type: 'adam', lr: 2e-3 } } });
  // half the pairs carry the digit's own label, half another one
  const pairs = (set, n, seed) => {
    const r = mulberry32(seed), c = new Float32Array(n), match = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const same = r() < 0.5;
      c[i] = same ? set.y[i] : (set.y[i] + 1 + Math.floor(r() * 9)) % 10;
      match[i] = same ? 1 : 0;
    }
    return { x: images(set, n), c, match };
  };
  const data = pairs(train, 20000, 1), check = pairs(test_, 2000, 2);
  await m.train(data, { epochs: 3, batchSize: 64 });
  const scores = m.run('score', { x: check.x, c: check.c });
  const acc = scores.reduce((a, s, i) => a + ((s > 0) === (check.match[i] === 1) ? 1 : 0), 0) / scores.length;
  assert.ok(acc > 0.9, `accuracy ${acc}`);
  assert.throws(() => m.run('score', { x: check.x, c: Float32Array.of(3, 12) }), /'c' has 2 samples, the other data 2000|label 12 of sample 1 is not a class in \[0, 10\)/);
  m.dispose();
});

test('train and fit refuse a second run while one is going, and bad programs change nothing', async () => {
  const m = dl.model(GAN_SPEC);
  m.setProgram(GAN_PROGRAM);
  const x = Float32Array.from(images(train, 256), (v) => v / 255);
  const run = m.train({ x }, { epochs: 1, batchSize: 64, chunk: 1 });
  await assert.rejects(m.train({ x }, { epochs: 1 }), (e) => e.code === 'state' && /already training/.test(e.message));
  assert.throws(() => m.setProgram(GAN_PROGRAM), /already training/);
  await run;
  const before = JSON.stringify(m.program), weights = m.getWeights();
  assert.throws(() => m.setProgram({ ...GAN_PROGRAM, steps: [{ loss: 'gg', optimizer: 'g' }] }), /program: step 1: unknown loss 'gg'/);
  assert.throws(() => m.setProgram({ ...GAN_PROGRAM, optimizers: { ...GAN_PROGRAM.optimizers, d: { type: 'adam', networks: [] } } }), /optimizer 'd': networks must list network names/);
  assert.throws(() => m.setProgram({ ...GAN_PROGRAM, losses: { ...GAN_PROGRAM.losses, g: [{ type: 'mse', on: 'gen_score', target: 'x' }] } }), /program: loss 'g' term 'mse': mse 'g:mse': shapes 1 and 784 differ|loss 'g' term 'mse'/);
  await assert.rejects(m.train({ x, y: x }, { epochs: 1 }), /'y' is not an input of the model or data of its program/);
  assert.equal(JSON.stringify(m.program), before);
  assert.deepEqual(m.getWeights(), weights);
  const h = await m.train({ x }, { epochs: 1, batchSize: 64 }); // and it trains on
  assert.equal(h.iterations, 4);
  m.dispose();
});

test('the catalog lists every layer, loss and optimizer with their options', () => {
  const c = dl.catalog;
  assert.deepEqual(c.optimizers.map((o) => o.name), ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adagrad', 'adam', 'adamw']);
  assert.ok(c.layers.find((l) => l.name === 'conv2d').options.some((o) => o.name === 'kernel' && o.required));
  assert.ok(c.losses.find((l) => l.name === 'kl_gauss').inputs === 2);
  assert.ok(c.activations.find((a) => a.name === 'leakyRelu').option.default > 0);
  assert.ok(c.schedules.find((s) => s.name === 'cosine').options.some((o) => o.name === 'period'));
  // every layer in the table builds with its required options
  for (const l of c.layers) {
    const need = Object.fromEntries(l.options.filter((o) => o.required && o.type !== 'layers' && o.type !== 'shape').map((o) => [o.name, o.name === 'kernel' ? 3 : 4]));
    const extra = l.name === 'residual' ? { layers: [{ type: 'activation', activation: 'relu' }] } : l.name === 'reshape' ? { shape: [16, 16] } : l.name === 'activation' ? { activation: 'relu' } : {};
    // token ids for the token layers, a sequence [steps, features] for the sequence layers, an image for the rest
    const input = ['embedding', 'oneHot'].includes(l.name) ? [6] : ['simpleRnn', 'lstm', 'gru', 'positionalEncoding', 'multiHeadAttention', 'transformerBlock'].includes(l.name) ? [6, 8] : [4, 8, 8];
    const m = dl.model({ input, layers: [{ type: l.name, ...need, ...extra }] });
    m.dispose();
  }
});

test('LeNet at batch 64 plans at most half the memory the plan before it did to train, and a quarter to predict', () => {
  const before = 22044704; // bytes, one buffer per value, gradient and scratch (commit d201b5a; bench/memory.mjs)
  const m = dl.model({ input: [1, 28, 28], seed: 1, layers: [
    { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' }, { type: 'maxPool2d', size: 2 },
    { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' }, { type: 'maxPool2d', size: 2 }, { type: 'flatten' },
    { type: 'dense', units: 120, activation: 'relu' }, { type: 'dense', units: 84, activation: 'relu' }, { type: 'dense', units: 10 }] });
  m.setProgram({ losses: { main: [{ type: 'softmax_ce', on: 'output', target: { data: 'y' } }] }, optimizers: { main: { type: 'adam' } } });
  const x = images(test_, 64);
  const trained = m.predict(x);
  const train = m.memory().arenaBytes;
  m.planForInference(64);
  const infer = m.memory().arenaBytes;
  assert.ok(train <= 0.5 * before && infer <= 0.25 * before, `training ${train} bytes, inference ${infer} bytes, before ${before}`);
  assert.deepEqual(m.predict(x), trained); // the same outputs from either plan
  m.dispose();
});

test('looking inside a model between the chunks of a run (run, evaluateLoss, save) leaves the run bit-identical', async () => {
  const x = Float32Array.from(images(train, 512), (v) => (v / 255) * 2 - 1);
  const z = new Float32Array(4 * 64).fill(0.5);
  const trainOnce = async (look) => {
    const m = dl.model(GAN_SPEC);
    m.setProgram(GAN_PROGRAM);
    let looked = 0;
    await m.train({ x }, {
      epochs: 1, batchSize: 64, chunk: 2,
      onStep: () => {
        if (!look) return;
        m.run('fake', { z });
        m.evaluateLoss('d', { x: x.subarray(0, 64 * 784) });
        m.save({ optimizer: true });
        looked++;
      },
    });
    const w = m.getWeights();
    m.dispose();
    return { w, looked };
  };
  const plain = await trainOnce(false), looked = await trainOnce(true);
  assert.equal(looked.looked, 8);
  looked.w.forEach((w, i) => assert.deepEqual(w.values, plain.w[i].values, w.name));
});

test('a tied autoencoder (seed 5: the decoder uses the encoder\'s kernel, transposed) trains with half the weights', async () => {
  const spec = (tied) => ({
    seed: 5,
    inputs: { x: [784] },
    networks: { ae: [{ type: 'dense', units: 64, activation: 'relu', name: 'enc' },
      { type: 'dense', units: 784, activation: 'sigmoid', name: 'dec', ...(tied ? { tiedTo: 'enc' } : {}) }] },
    outputs: { recon: { net: 'ae', from: 'x' } },
  });
  const m = dl.model(spec(true)), untied = dl.model(spec(false));
  assert.equal(m.paramCount, 784 * 64 + 64 + 784);
  assert.equal(untied.paramCount, 2 * 784 * 64 + 64 + 784);
  assert.deepEqual(m.getWeights().map((w) => w.name), ['ae/enc/kernel', 'ae/enc/bias', 'ae/dec/bias']);
  untied.dispose();
  m.setProgram({ losses: { mse: [{ type: 'mse', on: 'recon', target: 'x' }] }, optimizers: { adam: { type: 'adam', lr: 2e-3 } } });
  await m.train({ x: images(train, 10000) }, { epochs: 2, batchSize: 64 });
  const after = m.evaluateLoss('mse', { x: images(test_, 1000) }).loss;
  assert.ok(after < 0.03, `test MSE ${after.toFixed(4)}`);
  const copy = dl.loadModel(m.save()); // the tie survives a file
  assert.deepEqual(copy.run('recon', { x: images(test_, 2) }), m.run('recon', { x: images(test_, 2) }));
  assert.throws(() => dl.model({ input: [8], layers: [{ type: 'dense', units: 4, name: 'a' }, { type: 'dense', units: 5, tiedTo: 'a' }] }),
    /tiedTo 'a': its kernel is \[8, 4\], so this layer needs 4 inputs and 8 units, not 4 and 5/);
  copy.dispose();
  m.dispose();
});

test('a Wasserstein GAN (seed 12) with weight clipping keeps every critic weight inside its bound, also after a save and a load; the generator is not clipped', async () => {
  const spec = { ...GAN_SPEC, seed: 12 };
  const program = {
    losses: {
      d: [{ type: 'critic_mean', on: 'fake_score' }, { type: 'critic_mean', on: 'real_score', weight: -1 }],
      g: [{ type: 'critic_mean', on: 'gen_score', weight: -1 }],
    },
    optimizers: {
      d: { type: 'rmsprop', lr: 5e-4, networks: ['D'], clipWeights: 0.01 },
      g: { type: 'rmsprop', lr: 5e-4, networks: ['G'] },
    },
    steps: [{ loss: 'd', optimizer: 'd', repeat: 5 }, { loss: 'g', optimizer: 'g' }],
  };
  const inside = (m, bound) => {
    const critic = m.getWeights().filter((w) => w.name.startsWith('D/'));
    assert.ok(critic.length >= 4, critic.map((w) => w.name).join());
    for (const w of critic) {
      const largest = w.values.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      assert.ok(largest <= bound, `${w.name}: largest |w| ${largest}`);
    }
    return critic;
  };
  const m = dl.model(spec);
  try {
    m.setProgram(program);
    await m.train({ x: images(train, 64 * 6 * 20) }, { iterations: 20, batchSize: 64, seed: 1 });
    const critic = inside(m, 0.01);
    // the bound is reached (the clip acts), and G's weights go past it
    assert.ok(critic.some((w) => w.values.some((v) => Math.abs(v) === Math.fround(0.01))), 'some critic weight sits on the bound');
    assert.ok(m.getWeights().filter((w) => w.name.startsWith('G/')).some((w) => w.values.some((v) => Math.abs(v) > 0.05)), 'G is not clipped');
    const copy = dl.loadModel(m.save({ optimizer: true }));
    try {
      assert.equal(copy.program.optimizers.d.clipWeights, 0.01, 'the saved program keeps the bound');
      await copy.train({ x: images(train, 64 * 6 * 5) }, { iterations: 5, batchSize: 64, seed: 2 });
      inside(copy, 0.01);
    } finally {
      copy.dispose();
    }
  } finally {
    m.dispose();
  }
});

test('a data input\'s low and high say what bytes read as: [-1, 1] for a tanh generator\'s real images; floats pass unchanged', () => {
  const spec = (x) => ({ seed: 1, inputs: { x }, networks: { N: [{ type: 'dense', units: 1 }] }, outputs: { y: { net: 'N', from: 'x' } } });
  const m = dl.model(spec({ shape: [4], low: -1, high: 1 }));
  assert.deepEqual([...m.run('x', { x: Uint8Array.of(0, 255, 51, 204) })].map((v) => +v.toFixed(6)), [-1, 1, -0.6, 0.6]);
  assert.deepEqual([...m.run('x', { x: Float32Array.of(0, 2, 3, 4) })], [0, 2, 3, 4]);
  m.dispose();
  const plain = dl.model(spec([4]));
  assert.deepEqual([...plain.run('x', { x: Uint8Array.of(0, 255, 51, 204) })].map((v) => +v.toFixed(6)), [0, 1, 0.2, 0.8]);
  plain.dispose();
  assert.throws(() => dl.model(spec({ shape: [4], low: 1, high: 1 })), /input 'x': low must be below high/);
  assert.throws(() => dl.model({ ...spec([4]), inputs: { x: [4], y: { classes: 3, low: -1 } } }), /class inputs take no low or high/);
});

test('at the end of the data, the k D steps of an iteration share the samples left, so none gets an empty batch (100 points, batch 64, k 5: 20 each)', async () => {
  const { ganSpec, ganProgram, GAN_NETS } = await import('../../web/js/generative.mjs');
  const m = dl.model(ganSpec({ ...GAN_NETS.toy, x: [2], latent: 2, seed: 3 }));
  m.setProgram(ganProgram({ loss: 'wgan', k: 5, lrD: 5e-4, lrG: 5e-4 }));
  const x = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i)), seen = [];
  const h = await m.train({ x }, { epochs: 2, batchSize: 64, onStep: (r) => seen.push(r.steps.map((s) => s.samples)) });
  assert.equal(h.iterations, 2);
  assert.deepEqual(seen, [[20, 20, 20, 20, 20, 64], [20, 20, 20, 20, 20, 64]]); // (G's step reads no data: a batch of noise)
  const seen2 = [];
  await m.train({ x: x.subarray(0, 2 * 7) }, { epochs: 1, batchSize: 64, onStep: (r) => seen2.push(r.steps.map((s) => s.samples)) });
  assert.deepEqual(seen2, [[2, 2, 1, 1, 1, 7]]); // (the batch is at most the data: 7)
  m.dispose();
});

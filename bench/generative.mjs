// generative.mjs: two programs that are not classifiers, dlplay against TensorFlow.js's WASM
// backend on the same workloads (tfjs core ops with tf.train.adam().minimize(), batch 64):
//   MLP GAN  G: z64 -> 256 leaky ReLU(0.2) -> 784 tanh; D: 784 -> 256 leaky ReLU(0.2) -> 1 logit.
//            Adam 2e-4, beta1 0.5 for both; one step = one D update (64 real + 64 fake) and one
//            G update. Reported in steps/s.
//   MLP VAE  encoder 784 -> 256 ReLU -> 16 + 16; decoder 16 -> 256 ReLU -> 784 logits; summed BCE
//            + KL; Adam 1e-3. Reported in samples/s.
// Run with `make bench`.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { load } from '../wasm/dlplay.mjs';
import { readDataset, take } from '../wasm/datasets.mjs';
import { printTable } from './common.mjs';

const BATCH = 64;
const train = await readDataset(new URL('../web/data/mnist-train.dlds.gz', import.meta.url).pathname);
const N = 6400;
const real = Float32Array.from(take(train, N).x, (v) => (v / 255) * 2 - 1); // tanh range for the GAN
const pixels = Float32Array.from(take(train, N).x, (v) => v / 255);

const leaky = { activation: 'leakyRelu', alpha: 0.2 };
const GAN = {
  spec: {
    seed: 1,
    inputs: { x: [784], z: { shape: [64], noise: 'normal' } },
    networks: { G: [{ type: 'dense', units: 256, ...leaky }, { type: 'dense', units: 784, activation: 'tanh' }],
      D: [{ type: 'dense', units: 256, ...leaky }, { type: 'dense', units: 1 }] },
    outputs: { fake: { net: 'G', from: 'z' }, fake_d: { detach: 'fake' }, real_score: { net: 'D', from: 'x' },
      fake_score: { net: 'D', from: 'fake_d' }, gen_score: { net: 'D', from: 'fake' } },
  },
  program: {
    losses: { d: [{ type: 'bce_logits', on: 'real_score', target: 1 }, { type: 'bce_logits', on: 'fake_score', target: 0 }],
      g: [{ type: 'bce_logits', on: 'gen_score', target: 1 }] },
    optimizers: { d: { type: 'adam', lr: 2e-4, beta1: 0.5, networks: ['D'] }, g: { type: 'adam', lr: 2e-4, beta1: 0.5, networks: ['G'] } },
    steps: [{ loss: 'd', optimizer: 'd' }, { loss: 'g', optimizer: 'g' }],
  },
};
const VAE = {
  spec: {
    seed: 1,
    inputs: { x: [784] },
    networks: { enc: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 32 }],
      dec: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 784 }] },
    outputs: { h: { net: 'enc', from: 'x' }, mu: { slice: 'h', start: 0, size: 16 }, logvar: { slice: 'h', start: 16, size: 16 },
      z: { sample: ['mu', 'logvar'] }, logits: { net: 'dec', from: 'z' } },
  },
  program: {
    losses: { vae: [{ type: 'bce_logits', on: 'logits', target: 'x', reduce: 'sum' }, { type: 'kl_gauss', on: ['mu', 'logvar'] }] },
    optimizers: { adam: { type: 'adam', lr: 1e-3 } },
  },
};

async function dlplay(w, x, epochs) {
  const dl = await load();
  const m = dl.model(w.spec);
  m.setProgram(w.program);
  await m.train({ x: x.subarray(0, 640 * 784) }, { batchSize: BATCH }); // warm-up
  const t0 = performance.now();
  const h = await m.train({ x }, { batchSize: BATCH, epochs, shuffle: false });
  const seconds = (performance.now() - t0) / 1000;
  m.dispose();
  return { steps: h.iterations / seconds, samples: (h.iterations * BATCH) / seconds };
}

// ---- TensorFlow.js, written as its users write custom training loops ----
const dense = (i, o) => ({ w: tf.variable(tf.randomNormal([i, o], 0, Math.sqrt(2 / i))), b: tf.variable(tf.zeros([o])) });
const apply = (l, x) => tf.add(tf.matMul(x, l.w), l.b);
const vars = (...ls) => ls.flatMap((l) => [l.w, l.b]);

async function tfGan(x, steps) {
  const g1 = dense(64, 256), g2 = dense(256, 784), d1 = dense(784, 256), d2 = dense(256, 1);
  const G = (z) => tf.tanh(apply(g2, tf.leakyRelu(apply(g1, z), 0.2)));
  const D = (v) => apply(d2, tf.leakyRelu(apply(d1, v), 0.2));
  const optD = tf.train.adam(2e-4, 0.5), optG = tf.train.adam(2e-4, 0.5);
  const ones = tf.ones([BATCH, 1]), zeros = tf.zeros([BATCH, 1]);
  const data = tf.tensor2d(x, [x.length / 784, 784]);
  const step = (k) => {
    const batch = data.slice([(k * BATCH) % (data.shape[0] - BATCH), 0], [BATCH, 784]);
    optD.minimize(() => {
      const fake = G(tf.randomNormal([BATCH, 64]));
      return tf.add(tf.losses.sigmoidCrossEntropy(ones, D(batch)), tf.losses.sigmoidCrossEntropy(zeros, D(fake)));
    }, false, vars(d1, d2));
    optG.minimize(() => tf.losses.sigmoidCrossEntropy(ones, D(G(tf.randomNormal([BATCH, 64])))), false, vars(g1, g2));
    batch.dispose();
  };
  for (let k = 0; k < 10; k++) tf.tidy(() => step(k)); // warm-up
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) tf.tidy(() => step(k));
  await vars(g1).at(0).data(); // wait for the last update
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([data, ones, zeros, ...vars(g1, g2, d1, d2)]);
  return steps / seconds;
}

async function tfVae(x, steps) {
  const e1 = dense(784, 256), e2 = dense(256, 32), h1 = dense(16, 256), h2 = dense(256, 784);
  const opt = tf.train.adam(1e-3);
  const data = tf.tensor2d(x, [x.length / 784, 784]);
  const step = (k) => {
    const batch = data.slice([(k * BATCH) % (data.shape[0] - BATCH), 0], [BATCH, 784]);
    opt.minimize(() => {
      const h = apply(e2, tf.relu(apply(e1, batch)));
      const mu = h.slice([0, 0], [BATCH, 16]), logvar = h.slice([0, 16], [BATCH, 16]);
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), tf.randomNormal([BATCH, 16])));
      const logits = apply(h2, tf.relu(apply(h1, z)));
      // summed BCE on logits per sample (the stable form), and the KL term, averaged over the batch
      const bce = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, batch)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
      const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
      return tf.div(tf.add(bce, kl), BATCH);
    }, false, vars(e1, e2, h1, h2));
    batch.dispose();
  };
  for (let k = 0; k < 10; k++) tf.tidy(() => step(k));
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) tf.tidy(() => step(k));
  await vars(e1).at(0).data();
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([data, ...vars(e1, e2, h1, h2)]);
  return (steps * BATCH) / seconds;
}

await tf.setBackend('wasm');
await tf.ready();
console.log(`Generative programs (batch ${BATCH}, Adam; Node ${process.versions.node}, tfjs ${tf.version.tfjs} wasm)\n`);
const gan = await dlplay(GAN, real, 3), vae = await dlplay(VAE, pixels, 3);
const tfg = await tfGan(real, 150), tfv = await tfVae(pixels, 150);
printTable(['workload', 'dlplay', 'tfjs-wasm', 'dlplay/tfjs-wasm'], [
  ['MLP GAN (steps/s)', gan.steps.toFixed(0), tfg.toFixed(1), (gan.steps / tfg).toFixed(1)],
  ['MLP VAE (samples/s)', vae.samples.toFixed(0), tfv.toFixed(0), (vae.samples / tfv).toFixed(1)],
]);
console.log('target: dlplay >= 10x tfjs-wasm on both');

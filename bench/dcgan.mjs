// dcgan.mjs: one DCGAN step, dlplay against TensorFlow.js and native PyTorch on the same shapes:
//   G  z100 -> dense 7x7x64, batch norm, ReLU -> transposed conv 4x4/2 to 14x14x32, batch norm,
//      ReLU -> transposed conv 4x4/2 to 28x28x1, tanh
//   D  conv 4x4/2 to 14x14x32, leaky ReLU 0.2 -> conv 4x4/2 to 7x7x64, leaky ReLU -> dense 1
//   batch 64, Adam 2e-4 (beta1 0.5) for both; one step = one D update on 64 real and 64
//   generated images, then one G update. Reported in steps/s.
// TensorFlow.js's WASM backend has no convolution weight gradient (Conv2DBackpropFilter), so
// the TensorFlow.js figure is its CPU backend's. PyTorch is Debian's python3-torch on one thread
// (bench/dcgan_torch.py); without it that column says so. Run with `make bench`.
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { load } from '../wasm/dlplay.mjs';
import { readDataset, take } from '../wasm/datasets.mjs';
import { exampleSpec } from '../examples/gan.mjs';
import { ganProgram } from '../web/js/generative.mjs';
import { printTable } from './common.mjs';

const BATCH = 64;
const train = await readDataset(new URL('../web/data/mnist-train.dlds.gz', import.meta.url).pathname);
const real = Float32Array.from(take(train, 64 * 40).x, (v) => (v / 255) * 2 - 1);

async function dlplay() {
  const dl = await load();
  const flags = { dcgan: true, conditional: false, latent: 100, seed: 1, loss: 'bce', k: 1, lrD: 2e-4, lrG: 2e-4, smooth: 0 };
  const m = dl.model(exampleSpec(flags));
  m.setProgram(ganProgram(flags));
  await m.train({ x: real.subarray(0, 64 * 10 * 784) }, { batchSize: BATCH }); // warm-up
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now(), h = await m.train({ x: real }, { batchSize: BATCH, shuffle: false });
    best = Math.max(best, h.iterations / ((performance.now() - t0) / 1000));
  }
  m.dispose();
  return best;
}

async function tfjs(steps) {
  const lrelu = () => tf.layers.leakyReLU({ alpha: 0.2 });
  const G = tf.sequential({ layers: [tf.layers.dense({ inputShape: [100], units: 7 * 7 * 64 }), tf.layers.batchNormalization(), tf.layers.reLU(), tf.layers.reshape({ targetShape: [7, 7, 64] }),
    tf.layers.conv2dTranspose({ filters: 32, kernelSize: 4, strides: 2, padding: 'same' }), tf.layers.batchNormalization(), tf.layers.reLU(),
    tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' })] });
  const D = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 4, strides: 2, padding: 'same' }), lrelu(),
    tf.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, padding: 'same' }), lrelu(), tf.layers.flatten(), tf.layers.dense({ units: 1 })] });
  const optD = tf.train.adam(2e-4, 0.5), optG = tf.train.adam(2e-4, 0.5);
  const ones = tf.ones([BATCH, 1]), zeros = tf.zeros([BATCH, 1]), data = tf.tensor4d(real, [real.length / 784, 28, 28, 1]);
  const step = (k) => {
    const batch = data.slice([(k * BATCH) % (data.shape[0] - BATCH), 0, 0, 0], [BATCH, 28, 28, 1]);
    optD.minimize(() => {
      const fake = G.apply(tf.randomNormal([BATCH, 100]), { training: true });
      return tf.add(tf.losses.sigmoidCrossEntropy(ones, D.apply(batch, { training: true })), tf.losses.sigmoidCrossEntropy(zeros, D.apply(fake, { training: true })));
    }, false, D.trainableWeights.map((w) => w.val));
    optG.minimize(() => tf.losses.sigmoidCrossEntropy(ones, D.apply(G.apply(tf.randomNormal([BATCH, 100]), { training: true }), { training: true })), false, G.trainableWeights.map((w) => w.val));
  };
  tf.tidy(() => step(0)); // warm-up (a step takes seconds here)
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) tf.tidy(() => step(k));
  await G.trainableWeights[0].val.data();
  const rate = steps / ((performance.now() - t0) / 1000);
  tf.dispose([ones, zeros, data]);
  return rate;
}

function torch() {
  try {
    const [rate, version] = execFileSync('/usr/bin/python3', [new URL('dcgan_torch.py', import.meta.url).pathname, '30'], { encoding: 'utf8' }).trim().split(' ');
    return { rate: Number(rate), version };
  } catch {
    return null;
  }
}

await tf.setBackend('cpu');
await tf.ready();
const ours = await dlplay();
console.error(`dlplay: ${ours.toFixed(2)} steps/s; timing TensorFlow.js (cpu) and PyTorch…`);
const tfc = await tfjs(2), pt = torch();
console.log(`DCGAN step, steps/s (batch ${BATCH}; Node ${process.versions.node}, tfjs ${tf.version.tfjs} cpu${pt ? `, PyTorch ${pt.version} one thread` : ''})`);
printTable(['workload', 'dlplay', 'tfjs-cpu', 'pytorch (1 thread)', 'dlplay/tfjs-cpu', 'dlplay/pytorch'], [
  ['DCGAN step', ours.toFixed(2), tfc.toFixed(3), pt ? pt.rate.toFixed(2) : 'not installed', (ours / tfc).toFixed(1), pt ? (ours / pt.rate).toFixed(2) : '-'],
]);
console.log('* tfjs-wasm lacks Conv2DBackpropFilter, so TensorFlow.js trains this on its CPU backend.');
console.log('target: dlplay >= 0.5x PyTorch on one thread');

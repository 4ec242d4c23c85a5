// train.mjs: training throughput (samples/s, batch 64, Adam) on MNIST for (a) an MLP
// 784-256-128-10 and (b) LeNet, for dlplay and for the JS libraries a user would reach for:
// TensorFlow.js with its WASM and CPU backends (model.fit, as a user writes it) and ConvNetJS.
// TensorFlow.js's WASM backend has no kernel for the convolution filter gradient
// (Conv2DBackpropFilter), so LeNet trains there only on the CPU backend. Run with `make bench`.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import convnetjs from 'convnetjs';
import { load } from '../wasm/dlplay.mjs';
import { readDataset, take } from '../wasm/datasets.mjs';
import { printTable } from './common.mjs';

const BATCH = 64;
const train = await readDataset(new URL('../web/data/mnist-train.dlds.gz', import.meta.url).pathname);

const MLP = { input: [784], seed: 1, layers: [
  { type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10 }] };
const LENET = { input: [1, 28, 28], seed: 1, layers: [
  { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' }, { type: 'maxPool2d', size: 2 },
  { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' }, { type: 'maxPool2d', size: 2 }, { type: 'flatten' },
  { type: 'dense', units: 120, activation: 'relu' }, { type: 'dense', units: 84, activation: 'relu' }, { type: 'dense', units: 10 }] };

async function dlplay(spec, n) {
  const dl = await load();
  const m = dl.model(spec), d = take(train, n);
  await m.fit({ x: take(train, 640).x, y: take(train, 640).y }, { batchSize: BATCH }); // warm-up
  const t0 = performance.now();
  await m.fit({ x: d.x, y: d.y }, { batchSize: BATCH, shuffle: false });
  const s = n / ((performance.now() - t0) / 1000);
  m.dispose();
  return s;
}

function tfModel(conv) {
  const m = tf.sequential();
  if (conv) {
    m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 120, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 84, activation: 'relu' }));
  } else {
    m.add(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  }
  m.add(tf.layers.dense({ units: 10 }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: (y, p) => tf.losses.softmaxCrossEntropy(y, p) });
  return m;
}

async function tfjs(backend, conv, n) {
  await tf.setBackend(backend);
  await tf.ready();
  const d = take(train, n);
  const x = tf.tensor(Float32Array.from(d.x, (v) => v / 255), conv ? [n, 28, 28, 1] : [n, 784]);
  const y = tf.oneHot(tf.tensor1d(Array.from(d.y), 'int32'), 10);
  const m = tfModel(conv);
  await m.fit(x.slice(0, 640), y.slice(0, 640), { batchSize: BATCH, epochs: 1, verbose: 0 }); // warm-up
  const t0 = performance.now();
  await m.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never' });
  const s = n / ((performance.now() - t0) / 1000);
  tf.dispose([x, y]);
  m.dispose();
  return s;
}

function convnet(conv, n) {
  const layers = [{ type: 'input', out_sx: conv ? 28 : 1, out_sy: conv ? 28 : 1, out_depth: conv ? 1 : 784 }];
  if (conv)
    layers.push({ type: 'conv', sx: 5, filters: 8, stride: 1, pad: 2, activation: 'relu' }, { type: 'pool', sx: 2, stride: 2 },
      { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' }, { type: 'pool', sx: 2, stride: 2 },
      { type: 'fc', num_neurons: 120, activation: 'relu' }, { type: 'fc', num_neurons: 84, activation: 'relu' });
  else layers.push({ type: 'fc', num_neurons: 256, activation: 'relu' }, { type: 'fc', num_neurons: 128, activation: 'relu' });
  layers.push({ type: 'softmax', num_classes: 10 });
  const net = new convnetjs.Net();
  net.makeLayers(layers);
  // ConvNetJS has no Adam (adadelta, adagrad, windowgrad, sgd): it gets plain SGD with momentum,
  // its cheapest update, and trains one sample per call as its demos do.
  const trainer = new convnetjs.Trainer(net, { method: 'sgd', learning_rate: 0.01, momentum: 0.9, batch_size: BATCH });
  const d = take(train, n), vols = [];
  for (let i = 0; i < n; i++) {
    const v = new convnetjs.Vol(conv ? 28 : 1, conv ? 28 : 1, conv ? 1 : 784, 0);
    for (let j = 0; j < 784; j++) v.w[j] = d.x[i * 784 + j] / 255;
    vols.push(v);
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) trainer.train(vols[i], d.y[i]);
  return n / ((performance.now() - t0) / 1000);
}

const fmt = (s) => s.toFixed(0);
console.log(`MNIST training throughput, samples/s (batch ${BATCH}, Adam; Node ${process.versions.node}, tfjs ${tf.version.tfjs})\n`);
const mlp = { dlplay: await dlplay(MLP, 19200), wasm: await tfjs('wasm', false, 6400), cpu: await tfjs('cpu', false, 3200), convnet: convnet(false, 1280) };
// Show, rather than assert, that the WASM backend cannot train the CNN.
let wasmConv = 'n/a*';
try {
  wasmConv = (await tfjs('wasm', true, 640)).toFixed(0);
} catch (e) {
  console.log(`tfjs-wasm on LeNet: ${e.message.split('\n')[0]}`);
}
const lenet = { dlplay: await dlplay(LENET, 6400), cpu: await tfjs('cpu', true, 1280), convnet: convnet(true, 640) };
printTable(['workload', 'dlplay', 'tfjs-wasm', 'tfjs-cpu', 'convnetjs (sgd)', 'dlplay/tfjs-wasm', 'dlplay/tfjs-cpu', 'dlplay/convnetjs'], [
  ['(a) MLP 784-256-128-10', fmt(mlp.dlplay), fmt(mlp.wasm), fmt(mlp.cpu), fmt(mlp.convnet), (mlp.dlplay / mlp.wasm).toFixed(1), (mlp.dlplay / mlp.cpu).toFixed(1), (mlp.dlplay / mlp.convnet).toFixed(0)],
  ['(b) LeNet-5 (28x28)', fmt(lenet.dlplay), wasmConv, fmt(lenet.cpu), fmt(lenet.convnet), '-', (lenet.dlplay / lenet.cpu).toFixed(1), (lenet.dlplay / lenet.convnet).toFixed(0)],
]);
console.log('\n* tfjs-wasm lacks Conv2DBackpropFilter; for LeNet the fastest TensorFlow.js backend that trains it in Node is cpu.');
console.log('  convnetjs trains one sample per call with SGD + momentum (it has no Adam).');
console.log('targets: (a) dlplay >= 5x tfjs-wasm; (b) dlplay >= 3000 samples/s');

// text.mjs: language models, dlplay against TensorFlow.js (WASM and CPU backends) on the same
// workloads, in tokens per second of training (Adam, batch 32, tinyshakespeare windows):
//   char-LSTM  embedding 32 -> LSTM 128 -> dense 65 per position; 64 steps; Adam 2e-3.
//   mini-GPT   the text page's and examples/charlm.mjs's default: token embedding 128 + learned
//              positions, 4 pre-LN blocks of 4 heads (MLP 256, GELU), final layer norm, output tied
//              to the embedding; 64 steps; Adam 1e-3.
// tfjs-wasm cannot train tf.layers.embedding (no gradient for its gather there), so on every
// backend the embedding is written as one-hot -> dense, which is the same function. The LSTM is
// tf.layers.lstm in a tf.sequential trained with trainOnBatch, as its users write it; the GPT is
// written from tfjs core ops with optimizer.minimize (tfjs has no transformer layer), with GELU
// in its tanh form where the backend lacks erf.
// Run with `make bench`.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { load } from '../wasm/dlplay.mjs';
import { charVocab, windows, lmSpec, lmProgram, LM_NETS } from '../web/js/text.mjs';
import { printTable } from './common.mjs';

const B = 32, T = 64;
const text = readFileSync(new URL('../web/text/tinyshakespeare.txt', import.meta.url), 'utf8');
const vocab = charVocab(text), V = vocab.size, data = windows(vocab.encode(text), T);
const LSTM = { cell: 'lstm', layers: 1, units: 128, embed: 32, steps: T, vocab: V };
const GPT = { ...LM_NETS.gpt, steps: T, vocab: V };

async function dlplay(net, lr, iterations) {
  const dl = await load();
  const m = dl.model(lmSpec(net));
  m.setProgram(lmProgram({ lr }));
  await m.train({ x: data.x, y: data.y }, { batchSize: B, iterations: 3 }); // warm-up
  const t0 = performance.now();
  await m.train({ x: data.x, y: data.y }, { batchSize: B, iterations });
  const s = (performance.now() - t0) / 1000;
  m.dispose();
  return (iterations * B * T) / s;
}

// ---- TensorFlow.js ----
const batchOf = (k) => {
  const at = ((k * B) % (data.n - B)) * T;
  return { x: tf.tensor2d(Int32Array.from(data.x.subarray(at, at + B * T)), [B, T], 'int32'), y: tf.tensor2d(Int32Array.from(data.y.subarray(at, at + B * T)), [B, T], 'int32') };
};

async function timeSteps(step, steps) {
  for (let k = 0; k < 2; k++) await step(k); // warm-up
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) await step(k);
  await tf.ready();
  return (steps * B * T) / ((performance.now() - t0) / 1000);
}

async function tfLstm(steps) {
  const model = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [T, V], units: 32, useBias: false }), // the embedding, from one-hot rows
    tf.layers.lstm({ units: 128, returnSequences: true }),
    tf.layers.dense({ units: V, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: tf.train.adam(2e-3), loss: 'categoricalCrossentropy' });
  const rate = await timeSteps(async (k) => {
    const { x, y } = batchOf(k), xs = tf.oneHot(x, V).toFloat(), ys = tf.oneHot(y, V).toFloat();
    await model.trainOnBatch(xs, ys);
    tf.dispose([x, y, xs, ys]);
  }, steps);
  model.dispose();
  return rate;
}

async function tfGpt(steps, exactGelu) {
  const D = GPT.units, H = GPT.heads, L = GPT.layers, dh = D / H, M = GPT.mlpRatio * D;
  const w = (r, c, std = 0.02) => tf.variable(tf.randomNormal([r, c], 0, std)), z = (n) => tf.variable(tf.zeros([n])), o = (n) => tf.variable(tf.ones([n]));
  const emb = w(V, D), pos = w(T, D);
  const blocks = Array.from({ length: L }, () => ({ g1: o(D), b1: z(D), wq: w(D, D), bq: z(D), wk: w(D, D), bk: z(D), wv: w(D, D), bv: z(D), wo: w(D, D), bo: z(D),
    g2: o(D), b2: z(D), w1: w(D, M), c1: z(M), w2: w(M, D), c2: z(D) }));
  const gf = o(D), bf = z(D);
  const vars = [emb, pos, gf, bf, ...blocks.flatMap((b) => Object.values(b))];
  const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(1e9); // 0 on and below the diagonal, -1e9 above
  const ln = (x, g, b) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(g).add(b);
  };
  const lin = (x, wt, b) => tf.matMul(x.reshape([-1, wt.shape[0]]), wt).add(b).reshape([B, T, wt.shape[1]]);
  const gelu = exactGelu ? (x) => x.mul(tf.erf(x.div(Math.SQRT2)).add(1)).mul(0.5)
    : (x) => x.mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1)).mul(0.5);
  const heads = (x) => x.reshape([B, T, H, dh]).transpose([0, 2, 1, 3]);
  const opt = tf.train.adam(1e-3);
  const rate = await timeSteps((k) => {
    const { x, y } = batchOf(k);
    tf.tidy(() => opt.minimize(() => {
      let h = tf.matMul(tf.oneHot(x, V).toFloat().reshape([B * T, V]), emb).reshape([B, T, D]).add(pos);
      for (const b of blocks) {
        const a = ln(h, b.g1, b.b1);
        const q = heads(lin(a, b.wq, b.bq)), kk = heads(lin(a, b.wk, b.bk)), v = heads(lin(a, b.wv, b.bv));
        const att = tf.softmax(tf.matMul(q, kk, false, true).mul(1 / Math.sqrt(dh)).add(mask));
        const ctx = tf.matMul(att, v).transpose([0, 2, 1, 3]).reshape([B, T, D]);
        h = h.add(lin(ctx, b.wo, b.bo));
        h = h.add(lin(gelu(lin(ln(h, b.g2, b.b2), b.w1, b.c1)), b.w2, b.c2));
      }
      const logits = tf.matMul(ln(h, gf, bf).reshape([B * T, D]), emb, false, true);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y.reshape([-1]), V), logits);
    }, false, vars));
    tf.dispose([x, y]);
  }, steps);
  tf.dispose([...vars, mask]);
  return rate;
}

const hasErf = () => {
  try {
    tf.tidy(() => tf.erf(tf.ones([1])).dataSync());
    return true;
  } catch {
    return false;
  }
};

console.log(`Language models (batch ${B}, ${T} steps, tokens/s of training; Node ${process.versions.node}, tfjs ${tf.version.tfjs})\n`);
const ours = { lstm: await dlplay(LSTM, 2e-3, 60), gpt: await dlplay(GPT, 1e-3, 20) };
const theirs = {};
for (const backend of ['wasm', 'cpu']) {
  await tf.setBackend(backend);
  await tf.ready();
  const slow = backend === 'cpu';
  theirs[backend] = { lstm: await tfLstm(slow ? 3 : 10), gpt: await tfGpt(slow ? 2 : 5, hasErf()), erf: hasErf() };
}
const row = (name, k) => [name, ours[k].toFixed(0), theirs.wasm[k].toFixed(0), theirs.cpu[k].toFixed(0), (ours[k] / theirs.wasm[k]).toFixed(1), (ours[k] / theirs.cpu[k]).toFixed(1)];
printTable(['workload (tokens/s)', 'dlplay', 'tfjs-wasm', 'tfjs-cpu', 'vs wasm', 'vs cpu'], [row('char-LSTM 32-128-65', 'lstm'), row('mini-GPT 4x128, 4 heads', 'gpt')]);
console.log(`(tfjs GELU: ${theirs.wasm.erf ? 'erf' : 'tanh form'} on wasm, ${theirs.cpu.erf ? 'erf' : 'tanh form'} on cpu)`);
console.log('targets: char-LSTM >= 30,000 tokens/s and >= 7x tfjs-wasm; mini-GPT >= 5x tfjs-wasm');

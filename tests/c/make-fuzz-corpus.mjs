import { writeFileSync } from 'node:fs';
// make-fuzz-corpus.mjs: writes the seed corpus for fuzz_model.c (tests/c/fuzz-corpus/): a few
// specs (first byte 0), saved models with and without training state (first byte 1), and specs
// with programs (first byte 4: spec, NUL, program), small so that mutations stay cheap. Rerun
// after a format change: node tests/c/make-fuzz-corpus.mjs
import { load } from '../../wasm/dlplay.mjs';
const dl = await load();
const specs = [
  { input: [16], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10 }] },
  { input: [1, 12, 12], seed: 3, layers: [{ type: 'conv2d', filters: 2, kernel: 3, padding: 'same', activation: 'leakyRelu', alpha: 0.1 }, { type: 'maxPool2d', size: 2 }, { type: 'batchNorm' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }] },
  { input: [2, 6, 6], layers: [{ type: 'residual', layers: [{ type: 'conv2d', filters: 4, kernel: [3, 1], stride: 2, padding: [1, 0] }] }, { type: 'conv2dTranspose', filters: 1, kernel: 2, stride: 2, outputPadding: 1 }, { type: 'upsample', size: [1, 2] }, { type: 'globalAvgPool' }, { type: 'layerNorm' }, { type: 'activation', activation: 'prelu' }] },
  { input: [4], layers: [{ type: 'reshape', shape: [2, 2] }, { type: 'layerNorm', dims: 2 }, { type: 'flatten' }, { type: 'dense', units: 2, kernelInitializer: { type: 'uniform', a: -1, b: 1 }, useBias: false }] },
];
specs.forEach((s, i) => writeFileSync(new URL(`fuzz-corpus/spec${i}`, import.meta.url), Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify(s))])));
for (const [i, s] of specs.entries()) {
  const m = dl.model(s);
  if (i < 2) {
    const n = s.input.reduce((a, b) => a * b, 1), K = m.outputSize;
    await m.fit({ x: new Float32Array(n * 4).fill(0.5), y: Uint8Array.from([0, 1, 2, 1].map((v) => v % K)) }, { batchSize: 2 });
  }
  writeFileSync(new URL(`fuzz-corpus/model${i}`, import.meta.url), Buffer.concat([Buffer.from([i % 2 ? 3 : 1]), m.save({ optimizer: i < 2 })]));
}

const programs = [
  [{ seed: 2, inputs: { x: [6], z: { shape: [3], noise: 'normal' } },
     networks: { G: [{ type: 'dense', units: 6, activation: 'tanh' }], D: [{ type: 'dense', units: 4, activation: 'leakyRelu', alpha: 0.2 }, { type: 'dense', units: 1 }] },
     outputs: { fake: { net: 'G', from: 'z' }, fd: { detach: 'fake' }, r: { net: 'D', from: 'x' }, f: { net: 'D', from: 'fd' }, gs: { net: 'D', from: 'fake' } } },
   { losses: { d: [{ type: 'bce_logits', on: 'r', target: 0.9 }, { type: 'bce_logits', on: 'f', target: 0 }], g: { type: 'bce_logits', on: 'gs', target: 1 } },
     optimizers: { d: { type: 'adam', lr: 0.001, beta1: 0.5, networks: ['D'] }, g: { type: 'rmsprop', networks: ['G'], schedule: { type: 'cosine', period: 10 } } },
     steps: [{ loss: 'd', optimizer: 'd', repeat: 2 }, { loss: 'g', optimizer: 'g' }] }],
  [{ inputs: { x: [8], y: { classes: 3 } }, networks: { enc: [{ type: 'dense', units: 4 }], dec: [{ type: 'dense', units: 8 }] },
     outputs: { h: { net: 'enc', from: 'x' }, mu: { slice: 'h', start: 0, size: 2 }, lv: { slice: 'h', start: 2, size: 2 }, z: { sample: ['mu', 'lv'] }, zy: { concat: ['z', 'y'] }, out: { net: 'dec', from: 'z' } } },
   { losses: { vae: [{ type: 'bce_logits', on: 'out', target: 'x', reduce: 'sum' }, { type: 'kl_gauss', on: ['mu', 'lv'], warmup: 5 }] }, optimizers: { a: { type: 'adamw', clipNorm: 1 } } }],
];
programs.forEach(([spec, prog], i) =>
  writeFileSync(new URL(`fuzz-corpus/program${i}`, import.meta.url), Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify(spec)), Buffer.from([0]), Buffer.from(JSON.stringify(prog))])));

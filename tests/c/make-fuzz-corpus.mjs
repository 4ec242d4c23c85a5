import { writeFileSync } from 'node:fs';
// make-fuzz-corpus.mjs: writes the seed corpus for fuzz_model.c (tests/c/fuzz-corpus/): a few
// specs (first byte 0) and saved models with and without training state (first byte 1), small
// so that mutations stay cheap. Rerun after a format change: node tests/c/make-fuzz-corpus.mjs
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

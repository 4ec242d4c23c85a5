// gemm.mjs: f32 GEMM throughput, in one Node process: dlplay's SIMD128 kernel, its scalar
// reference (the fallback module), TensorFlow.js's WASM backend matMul (SIMD, single thread),
// and the machine's SIMD128 peak (bench/peak.c: independent multiplies and adds), so every
// figure is also a fraction of what this engine can issue. Run with `make bench`.
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { load } from '../wasm/dlplay.mjs';
import { bestMs, printTable } from './common.mjs';

const SHAPES = [
  // M, K, N: square sizes, then the skinny shapes an MLP's training step runs (batch 64)
  [128, 128, 128],
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
  [64, 784, 256],
  [64, 256, 128],
];

async function peakGflops() {
  const bytes = await readFile(new URL('../build/peak.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, { env: { emscripten_notify_memory_growth() {} } });
  instance.exports._initialize?.();
  const iters = 5e6;
  const ms = bestMs(() => instance.exports.dl_bench_peak(iters), { minMs: 100 });
  return (iters * 12 * 8) / ms / 1e6; // 12 chains x 4 lanes x (mul + add)
}

// dl_gemm_<impl> on random matrices in the module's memory; returns GFLOPS.
function dlGemm(engine, impl, M, K, N) {
  const e = engine.raw;
  const a = e.dl_alloc(M * K * 4), b = e.dl_alloc(K * N * 4), c = e.dl_alloc(M * N * 4);
  const mem = new Float32Array(e.memory.buffer);
  for (let i = 0; i < M * K; i++) mem[a / 4 + i] = Math.random() - 0.5;
  for (let i = 0; i < K * N; i++) mem[b / 4 + i] = Math.random() - 0.5;
  const fn = e[`dl_gemm_${impl}`], ws = e.dl_alloc(Math.max(1, e.dl_gemm_workspace(M, N, K)) * 4);
  const slow = impl === 'ref' && M * N * K > 3e7; // the scalar reference: one short round is enough
  const ms = bestMs(() => fn(0, 0, M, N, K, a, K, b, N, 0, c, N, ws), slow ? { rounds: 1, minMs: 0, warmup: 0 } : {});
  e.dl_free(a), e.dl_free(b), e.dl_free(c), e.dl_free(ws);
  return (2 * M * N * K) / ms / 1e6;
}

// tf.matMul on the WASM backend. The backend runs kernels synchronously, so the call itself is
// the work; reading the result back (dataSync) is left out, in tfjs's favour.
function tfGemm(M, K, N) {
  const a = tf.randomUniform([M, K], -0.5, 0.5), b = tf.randomUniform([K, N], -0.5, 0.5);
  const ms = bestMs(() => tf.matMul(a, b).dispose());
  a.dispose(), b.dispose();
  return (2 * M * N * K) / ms / 1e6;
}

await tf.setBackend('wasm');
await tf.ready();
const simd = await load({ simd: true });
const scalar = await load({ simd: false });
const peak = await peakGflops();

console.log(`f32 GEMM, GFLOPS (Node ${process.versions.node}; tfjs ${tf.version.tfjs} wasm backend, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')})`);
console.log(`SIMD128 peak of this engine (independent mul + add): ${peak.toFixed(1)} GFLOPS\n`);
const rows = [];
for (const [M, K, N] of SHAPES) {
  const d = dlGemm(simd, 'simd', M, K, N), s = dlGemm(scalar, 'ref', M, K, N), t = tfGemm(M, K, N);
  rows.push([`${M}x${K}x${N}`, d.toFixed(1), s.toFixed(2), t.toFixed(1), (d / t).toFixed(2), `${((100 * d) / peak).toFixed(0)}%`, `${((100 * t) / peak).toFixed(0)}%`]);
}
printTable(['M x K x N', 'dlplay simd', 'dlplay scalar', 'tfjs-wasm', 'dlplay/tfjs', 'dlplay/peak', 'tfjs/peak'], rows);
console.log('\ntargets: dlplay/tfjs >= 1.2 at every N >= 256; dlplay >= 70% of peak at N = 512');

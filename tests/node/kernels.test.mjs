// kernels.test.mjs: every SIMD128 kernel against its scalar reference, inside one wasm module
// (build/dlplay-kernels.wasm: the pages' module exports no kernels, so it ships no references),
// on sizes below, at and above the vector tile (XNNPACK's n_lt/n_eq/n_gt/n_div cases), on
// buffers offset from 16-byte alignment, and in place where the kernel allows it.
// Tolerances: elementwise kernels must match bit for bit (wasm has no fused multiply-add);
// reductions change the summation order, so |simd - ref| <= 1e-6 * K * (|ref| + 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomFloats } from './helpers.mjs';
import { load } from '../../wasm/dlplay.mjs';

const dl = await load({ simd: true, wasmUrl: new URL('../../build/dlplay-kernels.wasm', import.meta.url) });
const e = dl.raw;
const mem = () => e.memory.buffer;

// Buffers in wasm memory, each starting 4 bytes past a 16-byte boundary.
function buffers(sizes) {
  const ptrs = sizes.map((n) => e.dl_alloc(n * 4 + 32) + 4);
  return { ptrs, free: () => ptrs.forEach((p) => e.dl_free(p - 4)) };
}
const view = (p, n) => new Float32Array(mem(), p, n);

// Run `call(impl, ...ptrs)` for ref and simd on identical copies of the inputs; return both outputs.
function runPair(name, sizes, fill, call, outIndex) {
  const results = {};
  for (const impl of ['ref', 'simd']) {
    const { ptrs, free } = buffers(sizes);
    sizes.forEach((n, i) => view(ptrs[i], n).set(fill[i]));
    const ret = call(e[`dl_${name}_${impl}`], ...ptrs);
    results[impl] = { out: view(ptrs[outIndex], sizes[outIndex]).slice(), ret };
    free();
  }
  return results;
}

function assertClose(name, got, want, tol, where) {
  for (let i = 0; i < want.length; i++) {
    const ok = tol === 0 ? Object.is(got[i], want[i]) || got[i] === want[i] : Math.abs(got[i] - want[i]) <= tol * (Math.abs(want[i]) + 1);
    if (!ok) assert.fail(`${name} ${where}: index ${i}: simd ${got[i]}, ref ${want[i]}`);
  }
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 64, 65, 1000, 1023];

test('kernels.def lists exactly the pairs the module exports', () => {
  const listed = readFileSync(new URL('../../core/kernels/kernels.def', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => /^DL_KERNEL\((\w+)\)/.exec(l)?.[1])
    .filter(Boolean);
  const exported = Object.keys(e).filter((k) => k.endsWith('_simd')).map((k) => k.slice(3, -5));
  assert.deepEqual([...exported].sort(), [...listed].sort());
  for (const k of listed) assert.equal(typeof e[`dl_${k}_ref`], 'function', `dl_${k}_ref`);
});

test('the SIMD module runs SIMD kernels', () => {
  assert.equal(dl.simd, true);
  assert.equal(e.dl_simd_enabled(), 1);
});

for (const [name, op] of [['vadd'], ['vsub'], ['vmul']]) {
  test(`${name}_simd equals ${name}_ref bit for bit, also in place`, () => {
    for (const n of SIZES) {
      const a = randomFloats(n, n), b = randomFloats(n, n + 1);
      const r = runPair(name, [n, n, n], [a, b, new Float32Array(n)], (f, pa, pb, po) => f(n, pa, pb, po), 2);
      assertClose(name, r.simd.out, r.ref.out, 0, `n=${n}`);
      const inplace = runPair(name, [n, n], [a, b], (f, pa, pb) => f(n, pa, pb, pa), 0);
      assertClose(name, inplace.simd.out, r.ref.out, 0, `in place n=${n}`);
    }
  });
  void op;
}

test('vaxpy and vscale equal their references bit for bit', () => {
  for (const n of SIZES) {
    const x = randomFloats(n, 3 * n), y = randomFloats(n, 3 * n + 1);
    const a = runPair('vaxpy', [n, n], [x, y], (f, px, py) => f(n, 0.37, px, py), 1);
    assertClose('vaxpy', a.simd.out, a.ref.out, 0, `n=${n}`);
    const s = runPair('vscale', [n, n], [x, y], (f, px, py) => f(n, -1.7, px, py), 1);
    assertClose('vscale', s.simd.out, s.ref.out, 0, `n=${n}`);
  }
});

test('vrelu and vrelu_backward equal their references bit for bit, including -0 and NaN', () => {
  for (const n of SIZES) {
    const x = randomFloats(n, 5 * n);
    if (n > 3) (x[0] = -0), (x[1] = NaN), (x[2] = 0);
    const dy = randomFloats(n, 5 * n + 1), dx = randomFloats(n, 5 * n + 2);
    const f = runPair('vrelu', [n, n], [x, new Float32Array(n)], (fn, px, py) => fn(n, px, py), 1);
    assertClose('vrelu', f.simd.out, f.ref.out, 0, `n=${n}`);
    const b = runPair('vrelu_backward', [n, n, n], [x, dy, dx], (fn, px, pdy, pdx) => fn(n, px, pdy, pdx), 2);
    assertClose('vrelu_backward', b.simd.out, b.ref.out, 0, `n=${n}`);
  }
});

test('vsum and vdot agree with their references within the summation-order tolerance', () => {
  for (const n of SIZES) {
    const x = randomFloats(n, 7 * n), y = randomFloats(n, 7 * n + 1);
    const s = runPair('vsum', [n], [x], (f, px) => f(n, px), 0);
    assertClose('vsum', [s.simd.ret], [s.ref.ret], 1e-6 * n, `n=${n}`);
    const d = runPair('vdot', [n, n], [x, y], (f, px, py) => f(n, px, py), 0);
    assertClose('vdot', [d.simd.ret], [d.ref.ret], 1e-6 * n, `n=${n}`);
  }
});

test('bias_rows and colsum equal their references bit for bit', () => {
  for (const [rows, cols] of [[1, 1], [3, 5], [4, 8], [7, 17], [64, 65]]) {
    const b = randomFloats(cols, rows), y = randomFloats(rows * cols, cols), s = randomFloats(cols, 9);
    const r1 = runPair('bias_rows', [cols, rows * cols], [b, y], (f, pb, py) => f(rows, cols, pb, py), 1);
    assertClose('bias_rows', r1.simd.out, r1.ref.out, 0, `${rows}x${cols}`);
    const r2 = runPair('colsum', [rows * cols, cols], [y, s], (f, py, ps) => f(rows, cols, py, ps), 1);
    assertClose('colsum', r2.simd.out, r2.ref.out, 0, `${rows}x${cols}`);
  }
});

test('adam_update equals its reference bit for bit', () => {
  for (const n of SIZES) {
    const g = randomFloats(n, n), m = randomFloats(n, n + 1), v = randomFloats(n, n + 2, 0, 1), w = randomFloats(n, n + 3);
    for (const out of [1, 2, 3]) {
      const r = runPair('adam_update', [n, n, n, n], [g, m, v, w], (f, pg, pm, pv, pw) => f(n, 0.001, 0.9, 0.999, 1e-8, pg, pm, pv, pw), out);
      assertClose('adam_update', r.simd.out, r.ref.out, 0, `n=${n} buffer ${out}`);
    }
  }
});

test('adam_update treats gradients whose square would be subnormal as 0, in both versions alike', () => {
  // a confident classifier's gradients: (1 - b2) g^2 below 2^-126 is slow to compute, not just to use
  const n = 9, g = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1e-3 : i % 3 === 1 ? 1e-19 : -2e-18));
  const zeros = () => new Float32Array(n), w = new Float32Array(n).fill(0.5);
  const r = runPair('adam_update', [n, n, n, n], [g, zeros(), zeros(), w], (f, pg, pm, pv, pw) => f(n, 0.001, 0.9, 0.999, 1e-8, pg, pm, pv, pw), 1);
  for (const m of [r.simd.out, r.ref.out])
    m.forEach((x, i) => assert.ok(i % 3 === 0 ? x > 0 : x === 0, `m[${i}] = ${x} for g = ${g[i]}`));
  assert.ok(Math.abs(e.dl_adam_tiny(0.999) - Math.sqrt((2 * 2 ** -126) / 0.001)) < 1e-22);
});

test('gemm_simd agrees with gemm_ref for every transpose, beta and edge size', () => {
  const dims = [1, 3, 4, 5, 8, 9, 17, 65];
  const shapes = [];
  for (const M of dims) for (const N of [1, 7, 8, 9, 33]) for (const K of [1, 5, 17]) shapes.push([M, N, K]);
  shapes.push([129, 65, 300], [130, 9, 257], [3, 2049, 5], [3, 1025, 300], [64, 256, 784]); // past MC, KC and NC
  for (const [M, N, K] of shapes)
    for (const ta of [0, 1])
      for (const tb of [0, 1])
        for (const beta of [0, 1]) {
          const lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 2, ldc = N + 3; // strided rows
          const sa = (ta ? K : M) * lda, sb = (tb ? N : K) * ldb, sc = M * ldc;
          const A = randomFloats(sa, M + N), B = randomFloats(sb, N + K), C = randomFloats(sc, M + K);
          if (beta === 0) C.fill(NaN); // beta 0 must never read C
          // the workspace the plan would give, offset from 16-byte alignment like the other buffers
          const wsFloats = e.dl_gemm_workspace(M, N, K), ws = e.dl_alloc(wsFloats * 4 + 32) + 4;
          const r = runPair('gemm', [sa, sb, sc], [A, B, C], (f, pa, pb, pc) => f(ta, tb, M, N, K, pa, lda, pb, ldb, beta, pc, ldc, ws), 2);
          e.dl_free(ws - 4);
          for (let i = 0; i < M; i++)
            for (let j = 0; j < N; j++) {
              const got = r.simd.out[i * ldc + j], want = r.ref.out[i * ldc + j];
              if (!(Math.abs(got - want) <= 1e-6 * K * (Math.abs(want) + 1)))
                assert.fail(`gemm M=${M} N=${N} K=${K} ta=${ta} tb=${tb} beta=${beta} at (${i},${j}): simd ${got}, ref ${want}`);
            }
        }
});

const CONV_CASES = [
  // C, H, W, KH, KW, sh, sw, pt, pl, pb, pr
  [1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1],
  [3, 7, 9, 3, 3, 2, 2, 1, 1, 0, 1],
  [2, 8, 8, 5, 5, 1, 1, 2, 2, 2, 2],
  [2, 6, 13, 2, 4, 1, 3, 0, 1, 0, 2],
  [1, 28, 28, 5, 5, 1, 1, 2, 2, 2, 2],
  [4, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0],
];

test('im2col and col2im equal their references bit for bit', () => {
  for (const [C, H, W, KH, KW, sh, sw, pt, pl, pb, pr] of CONV_CASES) {
    const OH = Math.floor((H + pt + pb - KH) / sh) + 1, OW = Math.floor((W + pl + pr - KW) / sw) + 1;
    const rows = C * KH * KW, ld = OH * OW + 5;
    const x = randomFloats(C * H * W, H), col = randomFloats(rows * ld, W);
    const f = runPair('im2col', [C * H * W, rows * ld], [x, col], (fn, px, pc) => fn(px, C, H, W, KH, KW, sh, sw, pt, pl, OH, OW, pc, ld), 1);
    assertClose('im2col', f.simd.out, f.ref.out, 0, JSON.stringify([C, H, W, KH, KW, sh, sw]));
    const b = runPair('col2im', [rows * ld, C * H * W], [col, x], (fn, pc, px) => fn(pc, ld, C, H, W, KH, KW, sh, sw, pt, pl, OH, OW, px), 1);
    assertClose('col2im', b.simd.out, b.ref.out, 0, JSON.stringify([C, H, W, KH, KW, sh, sw]));
  }
});

test('maxpool, maxpool_backward and avgpool equal their references bit for bit', () => {
  for (const [H, W, K, s, p] of [[4, 4, 2, 2, 0], [28, 28, 2, 2, 0], [7, 9, 2, 2, 0], [5, 5, 3, 2, 1], [6, 10, 3, 1, 1], [17, 33, 2, 2, 0]]) {
    const OH = Math.floor((H + 2 * p - K) / s) + 1, OW = Math.floor((W + 2 * p - K) / s) + 1;
    const x = randomFloats(H * W, H * W), y = new Float32Array(OH * OW), dy = randomFloats(OH * OW, 3), dx = randomFloats(H * W, 4);
    for (const name of ['maxpool', 'avgpool']) {
      const r = runPair(name, [H * W, OH * OW], [x, y], (f, px, py) => f(px, H, W, K, K, s, s, p, p, OH, OW, py), 1);
      assertClose(name, r.simd.out, r.ref.out, 0, `${H}x${W} k${K} s${s} p${p}`);
    }
    const fwd = runPair('maxpool', [H * W, OH * OW], [x, y], (f, px, py) => f(px, H, W, K, K, s, s, p, p, OH, OW, py), 1).ref.out;
    const b = runPair('maxpool_backward', [H * W, OH * OW, OH * OW, H * W], [x, fwd, dy, dx],
      (f, px, py, pdy, pdx) => f(px, py, pdy, H, W, K, K, s, s, p, p, OH, OW, pdx), 3);
    assertClose('maxpool_backward', b.simd.out, b.ref.out, 0, `${H}x${W}`);
  }
});

// A dense grid over the range that matters, plus the edges: zeros, tiny, huge, infinities, NaN.
function grid() {
  const v = [];
  for (let x = -20; x <= 20; x += 1 / 256) v.push(x);
  v.push(0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 88, 100, -87, -100, 3e38, -3e38, Infinity, -Infinity, NaN);
  return Float32Array.from(v);
}

// erf in double: its Taylor series below 3 (terms peak near 1e3: no loss at 1e-7), 1 - erfc by its
// continued fraction above (Numerical Recipes' erfc, to double precision there)
function erf(x) {
  if (Math.abs(x) < 3) {
    let s = 0, term = x;
    for (let k = 0; k < 200; k++) {
      s += term / (2 * k + 1);
      term *= (-x * x) / (k + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * s;
  }
  const a = Math.abs(x);
  let f = 0;
  for (let k = 200; k >= 1; k--) f = (k / 2) / (a + f);
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  return Math.sign(x) * (1 - erfc);
}

for (const [name, exact] of [['vexp', Math.exp], ['vtanh', Math.tanh], ['vsigmoid', (x) => 1 / (1 + Math.exp(-x))], ['verf', erf]]) {
  test(`${name}_simd equals ${name}_ref bit for bit over a dense grid, and the reference is within 4 ulp-ish of double precision`, () => {
    const x = grid(), n = x.length;
    const r = runPair(name, [n, n], [x, new Float32Array(n)], (f, px, py) => f(n, px, py), 1);
    assertClose(name, r.simd.out, r.ref.out, 0, `grid of ${n}`);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i], got = r.ref.out[i];
      if (Number.isNaN(xi)) {
        assert.ok(Number.isNaN(got), `${name}(NaN) is NaN`);
        continue;
      }
      // exp clamps its argument to [-87, 88]: no infinities and no subnormals, by design
      const want = name === 'vexp' ? Math.exp(Math.min(88, Math.max(-87, xi))) : exact(xi);
      if (name !== 'vexp' && Math.abs(want) < 1e-37) continue; // sigmoid far below 0: clamped as exp
      const err = Math.abs(got - want) / Math.max(Math.abs(want), 1e-30);
      worst = Math.max(worst, err);
      assert.ok(err < 5e-7, `${name}(${xi}) = ${got}, want ${want} (relative error ${err})`);
    }
    for (const size of SIZES) { // edge sizes, unaligned, in place
      const xs = randomFloats(size, size, -10, 10);
      const p = runPair(name, [size], [xs], (f, px) => f(size, px, px), 0);
      assertClose(name, p.simd.out, p.ref.out, 0, `in place n=${size}`);
    }
  });
}

test('vleaky_relu, its backward and vmaxabs equal their references, including -0 and NaN', () => {
  for (const n of SIZES) {
    const x = randomFloats(n, 9 * n);
    if (n > 3) (x[0] = -0), (x[1] = NaN), (x[2] = 0);
    const dy = randomFloats(n, 9 * n + 1), dx = randomFloats(n, 9 * n + 2);
    const f = runPair('vleaky_relu', [n, n], [x, new Float32Array(n)], (fn, px, py) => fn(n, 0.2, px, py), 1);
    assertClose('vleaky_relu', f.simd.out, f.ref.out, 0, `n=${n}`);
    const b = runPair('vleaky_relu_backward', [n, n, n], [x, dy, dx], (fn, px, pdy, pdx) => fn(n, 0.2, px, pdy, pdx), 2);
    assertClose('vleaky_relu_backward', b.simd.out, b.ref.out, 0, `n=${n}`);
    const clean = randomFloats(n, 11 * n, -5, 5);
    const m = runPair('vmaxabs', [n], [clean], (fn, px) => fn(n, px), 0);
    assert.equal(m.simd.ret, m.ref.ret, `vmaxabs n=${n}`);
    for (const bad of [NaN, Infinity]) {
      const at = n - 1, withBad = clean.slice();
      withBad[at] = bad;
      const mb = runPair('vmaxabs', [n], [withBad], (fn, px) => fn(n, px), 0);
      assert.ok(!Number.isFinite(mb.simd.ret) && !Number.isFinite(mb.ref.ret), `vmaxabs with ${bad} at ${at} of ${n}`);
    }
  }
});

test('subnormals are flushed to 0 by vflush and by the Adam update, in both versions alike', () => {
  const tiny = 1e-39; // subnormal in float32
  for (const n of SIZES) {
    const x = Float32Array.from(randomFloats(n, 13 * n), (v, i) => (i % 3 === 0 ? v * tiny : v));
    const f = runPair('vflush', [n], [x], (fn, px) => fn(n, px), 0);
    assertClose('vflush', f.simd.out, f.ref.out, 0, `n=${n}`);
    f.simd.out.forEach((v, i) => assert.ok(v === 0 ? Math.abs(x[i]) < 1.1754944e-38 : v === x[i], `vflush n=${n} index ${i}`));
    // zero gradients: moments decay past the smallest normal float; tiny weights stay put
    const g = new Float32Array(n), m = new Float32Array(n).fill(2e-38), v = new Float32Array(n).fill(2e-38), w = new Float32Array(n).fill(tiny);
    for (const out of [1, 2, 3]) {
      const r = runPair('adam_update', [n, n, n, n], [g, m, v, w], (fn, pg, pm, pv, pw) => fn(n, 0.001, 0.5, 0.5, 1e-8, pg, pm, pv, pw), out);
      assertClose('adam_update', r.simd.out, r.ref.out, 0, `n=${n} buffer ${out}`);
      assert.ok(r.ref.out.every((x) => x === 0), `adam_update buffer ${out}: subnormals stored as 0`);
    }
  }
});

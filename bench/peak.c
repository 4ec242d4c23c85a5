/* bench/peak.c: the SIMD128 ceiling of this machine and engine, for scale in bench/gemm.mjs.
 * Twelve independent chains acc = acc * a + b: enough in flight to cover the latency of a
 * multiply followed by an add on every FP pipe, and few enough (with a, b) to stay in the
 * 15 vector registers V8 gives wasm on x64. 8 flops per chain per iteration. */
#include <wasm_simd128.h>

float dl_bench_peak(int iters) {
  v128_t a = wasm_f32x4_splat(0.999f), b = wasm_f32x4_splat(0.001f);
  v128_t c0 = a, c1 = b, c2 = a, c3 = b, c4 = a, c5 = b, c6 = a, c7 = b, c8 = a, c9 = b, c10 = a, c11 = b;
  for (int i = 0; i < iters; i++) {
#define STEP(c) c = wasm_f32x4_add(wasm_f32x4_mul(c, a), b);
    STEP(c0) STEP(c1) STEP(c2) STEP(c3) STEP(c4) STEP(c5) STEP(c6) STEP(c7) STEP(c8) STEP(c9) STEP(c10) STEP(c11)
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(c0, c1), wasm_f32x4_add(c2, c3)),
                            wasm_f32x4_add(wasm_f32x4_add(c4, c5), wasm_f32x4_add(c6, c7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(c8, c9), wasm_f32x4_add(c10, c11)));
  return wasm_f32x4_extract_lane(s, 0);
}

/* gemm_simd.c: packed, register-blocked GEMM in SIMD128 (the Goto/BLIS scheme).
 *
 * C is computed in MR x NR tiles. For each KC-deep slice of K, a KC x NC block of op(B) is packed
 * into NR-wide column panels and an MC x KC block of op(A) into MR-tall row panels, so the
 * microkernel streams both contiguously whatever the transposes. The microkernel keeps the
 * MR x NR tile of C in 2*MR vector registers: per k it loads two B vectors, splats MR values of
 * A, and does 2*MR multiplies and adds. MR = 4 (8 accumulators + 2 B + splat + product) is the
 * largest tile V8's x64 register allocator keeps out of memory: measured in Node 20 on this
 * machine, 4x8 reaches ~49 GFLOPS at N = 512 against ~29 for 5x8 and ~27 for 6x8, which spill
 * (build with -DMR=5 to compare). Edge tiles are computed on zero-padded panels
 * into a small buffer and copied out. The pack buffers are the caller's workspace (from its
 * memory plan), so the kernels keep no state and each thread could have its own. */
#include "kernels.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#ifndef MR
#define MR 4
#endif
#define NR 8
#define KC 256
#define MC 128 /* multiple of MR; MC x KC floats of A stay in L2 */
#define NC 1024

static int round_up(int x, int m) { return (x + m - 1) / m * m; }

/* Transpose a 4 x 4 block: rows r0..r3 in, columns c[0..3] out. */
static void transpose4(v128_t r0, v128_t r1, v128_t r2, v128_t r3, v128_t *c) {
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  c[0] = wasm_i64x2_shuffle(t0, t2, 0, 2), c[1] = wasm_i64x2_shuffle(t0, t2, 1, 3);
  c[2] = wasm_i64x2_shuffle(t1, t3, 0, 2), c[3] = wasm_i64x2_shuffle(t1, t3, 1, 3);
}

/* packed[p][k][r] = op(A)[i0 + p*MR + r, k0 + k], zero past M */
static void pack_a(float *dst, int ta, const float *A, int lda, int i0, int mc, int k0, int kc, int M) {
#if MR == 4
  if (!ta) { /* rows of A become the panel's columns: 4 x 4 transposes, then the scalar rest */
    for (int p = 0; p < mc; p += MR) {
      int i = i0 + p, k = 0;
      if (i + MR <= M)
        for (; k + 4 <= kc; k += 4, dst += 4 * MR) {
          const float *a = A + (size_t)i * lda + k0 + k;
          v128_t c[4];
          transpose4(wasm_v128_load(a), wasm_v128_load(a + lda), wasm_v128_load(a + 2 * (size_t)lda), wasm_v128_load(a + 3 * (size_t)lda), c);
          for (int t = 0; t < 4; t++) wasm_v128_store(dst + t * MR, c[t]);
        }
      for (; k < kc; k++)
        for (int r = 0; r < MR; r++) *dst++ = i + r < M ? A[(size_t)(i + r) * lda + k0 + k] : 0.0f;
    }
    return;
  }
#endif
  for (int p = 0; p < mc; p += MR)
    for (int k = 0; k < kc; k++)
      for (int r = 0; r < MR; r++) {
        int i = i0 + p + r;
        *dst++ = i < M ? (ta ? A[(size_t)(k0 + k) * lda + i] : A[(size_t)i * lda + k0 + k]) : 0.0f;
      }
}

/* packed[p][k][j] = op(B)[k0 + k, j0 + p*NR + j], zero past N */
static void pack_b(float *dst, int tb, const float *B, int ldb, int k0, int kc, int j0, int nc, int N) {
  for (int p = 0; p < nc; p += NR) {
    int j = j0 + p;
    if (!tb && j + NR <= N) { /* the common case: two straight vector copies per row */
      for (int k = 0; k < kc; k++, dst += NR) {
        const float *src = B + (size_t)(k0 + k) * ldb + j;
        wasm_v128_store(dst, wasm_v128_load(src));
        wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
      }
      continue;
    }
    int k = 0;
    if (tb && j + NR <= N) /* rows of B become the panel's columns: two 4 x 4 transposes per 4 k */
      for (; k + 4 <= kc; k += 4, dst += 4 * NR) {
        const float *b = B + (size_t)j * ldb + k0 + k;
        v128_t lo[4], hi[4];
        transpose4(wasm_v128_load(b), wasm_v128_load(b + ldb), wasm_v128_load(b + 2 * (size_t)ldb), wasm_v128_load(b + 3 * (size_t)ldb), lo);
        b += 4 * (size_t)ldb;
        transpose4(wasm_v128_load(b), wasm_v128_load(b + ldb), wasm_v128_load(b + 2 * (size_t)ldb), wasm_v128_load(b + 3 * (size_t)ldb), hi);
        for (int t = 0; t < 4; t++) wasm_v128_store(dst + t * NR, lo[t]), wasm_v128_store(dst + t * NR + 4, hi[t]);
      }
    for (; k < kc; k++)
      for (int q = 0; q < NR; q++, dst++) {
        int jj = j + q;
        *dst = jj < N ? (tb ? B[(size_t)jj * ldb + k0 + k] : B[(size_t)(k0 + k) * ldb + jj]) : 0.0f;
      }
  }
}

/* c[MR x NR] (row stride ldc) = a_panel . b_panel + beta c; beta = 0 does not read c. */
static void microkernel(int kc, const float *a, const float *b, float beta, float *c, int ldc) {
  v128_t acc[MR][2];
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < kc; k++, a += MR, b += NR) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    for (int r = 0; r < MR; r++) {
      v128_t ar = wasm_v128_load32_splat(a + r);
      acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(ar, b0));
      acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(ar, b1));
    }
  }
  if (beta == 0.0f) {
    for (int r = 0; r < MR; r++) {
      wasm_v128_store(c + (size_t)r * ldc, acc[r][0]);
      wasm_v128_store(c + (size_t)r * ldc + 4, acc[r][1]);
    }
  } else {
    v128_t vb = wasm_f32x4_splat(beta);
    for (int r = 0; r < MR; r++) {
      float *cr = c + (size_t)r * ldc;
      wasm_v128_store(cr, wasm_f32x4_add(wasm_f32x4_mul(vb, wasm_v128_load(cr)), acc[r][0]));
      wasm_v128_store(cr + 4, wasm_f32x4_add(wasm_f32x4_mul(vb, wasm_v128_load(cr + 4)), acc[r][1]));
    }
  }
}

size_t dl_gemm_workspace(int M, int N, int K) {
  int mc = round_up(M < MC ? M : MC, MR), kc = K < KC ? K : KC, nc = round_up(N < NC ? N : NC, NR);
  return (size_t)(mc > 0 ? mc : 0) * (kc > 0 ? kc : 0) + (size_t)(kc > 0 ? kc : 0) * (nc > 0 ? nc : 0);
}

void dl_gemm_simd(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
                  float *C, int ldc, float *ws) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { /* C = beta C */
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
    return;
  }
  float edge[MR * NR] __attribute__((aligned(16)));
  /* A's panels first, then B's: sized as dl_gemm_workspace says */
  float *pack_a_buf = ws, *pack_b_buf = ws + (size_t)round_up(M < MC ? M : MC, MR) * (K < KC ? K : KC);
  for (int j0 = 0; j0 < N; j0 += NC) {
    int nc = N - j0 < NC ? N - j0 : NC;
    for (int k0 = 0; k0 < K; k0 += KC) {
      int kc = K - k0 < KC ? K - k0 : KC;
      float bk = k0 == 0 ? beta : 1.0f; /* later K slices accumulate onto the first */
      pack_b(pack_b_buf, tb, B, ldb, k0, kc, j0, nc, N);
      for (int i0 = 0; i0 < M; i0 += MC) {
        int mc = M - i0 < MC ? M - i0 : MC;
        pack_a(pack_a_buf, ta, A, lda, i0, mc, k0, kc, M);
        for (int jp = 0; jp < nc; jp += NR) {
          int nr = nc - jp < NR ? nc - jp : NR;
          const float *bp = pack_b_buf + (size_t)jp * kc;
          for (int ip = 0; ip < mc; ip += MR) {
            int mr = mc - ip < MR ? mc - ip : MR;
            const float *ap = pack_a_buf + (size_t)ip * kc;
            float *c = C + (size_t)(i0 + ip) * ldc + j0 + jp;
            if (mr == MR && nr == NR) {
              microkernel(kc, ap, bp, bk, c, ldc);
            } else {
              microkernel(kc, ap, bp, 0.0f, edge, NR);
              for (int r = 0; r < mr; r++)
                for (int q = 0; q < nr; q++) {
                  float *cc = c + (size_t)r * ldc + q;
                  *cc = bk == 0.0f ? edge[r * NR + q] : bk * *cc + edge[r * NR + q];
                }
            }
          }
        }
      }
    }
  }
}

#else
size_t dl_gemm_workspace(int M, int N, int K) {
  (void)M, (void)N, (void)K;
  return 0;
}
void dl_gemm_simd(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
                  float *C, int ldc, float *ws) {
  dl_gemm_ref(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, ws);
}
#endif

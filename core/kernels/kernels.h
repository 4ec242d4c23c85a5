/* kernels.h: hot loops. Each kernel has a scalar reference (_ref, the specification) and a
 * SIMD128 version (_simd) with the same signature; dl_<name> is the one this build uses. In
 * builds without SIMD128 the _simd names forward to _ref, so every build exports both.
 * Matrices are row-major; element counts are size_t, dimensions int. Nothing here validates
 * input: the ops above checked it at build time. */
#ifndef DL_KERNELS_H
#define DL_KERNELS_H
#include <stddef.h>

#define DL_KERNEL_PAIR(ret, name, args) ret dl_##name##_ref args; ret dl_##name##_simd args;

/* C[M,N] = op(A)[M,K] op(B)[K,N] + beta C; op(A) = A^T when ta (A stored K x M). beta = 0 never reads C.
 * ws: dl_gemm_workspace(M, N, K) floats, 16-byte aligned, for packing (the reference ignores it):
 * the caller's plan owns it, so the kernels hold no state of their own. */
DL_KERNEL_PAIR(void, gemm, (int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                            float beta, float *C, int ldc, float *ws))
size_t dl_gemm_workspace(int M, int N, int K);
/* Unfold one image x[C,H,W] into col[C*KH*KW, OH*OW] (row stride ldcol), zero outside the image:
 * col[(c*KH + i)*KW + j, oh*OW + ow] = x[c, oh*sh - pt + i, ow*sw - pl + j]. */
DL_KERNEL_PAIR(void, im2col, (const float *x, int C, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl,
                              int OH, int OW, float *col, int ldcol))
/* The adjoint of im2col: x[c, ih, iw] += col[...] for every cell that im2col read. */
DL_KERNEL_PAIR(void, col2im, (const float *col, int ldcol, int C, int H, int W, int KH, int KW, int sh, int sw,
                              int pt, int pl, int OH, int OW, float *x))
/* Max over each window of one plane x[H,W] -> y[OH,OW]; padding cells never win. */
DL_KERNEL_PAIR(void, maxpool, (const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH,
                               int OW, float *y))
/* dx[argmax of window] += dy, the argmax being the first cell (row-major) equal to y. */
DL_KERNEL_PAIR(void, maxpool_backward, (const float *x, const float *y, const float *dy, int H, int W, int KH, int KW,
                                        int sh, int sw, int pt, int pl, int OH, int OW, float *dx))
/* Mean over the in-image cells of each window. */
DL_KERNEL_PAIR(void, avgpool, (const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH,
                               int OW, float *y))
/* Elementwise; out may alias an input. */
DL_KERNEL_PAIR(void, vadd, (size_t n, const float *a, const float *b, float *out))
DL_KERNEL_PAIR(void, vsub, (size_t n, const float *a, const float *b, float *out))
DL_KERNEL_PAIR(void, vmul, (size_t n, const float *a, const float *b, float *out))
DL_KERNEL_PAIR(void, vaxpy, (size_t n, float alpha, const float *x, float *y))   /* y += alpha x */
DL_KERNEL_PAIR(void, vscale, (size_t n, float alpha, const float *x, float *y))  /* y = alpha x */
DL_KERNEL_PAIR(void, vrelu, (size_t n, const float *x, float *y))                /* y = max(x, 0) */
DL_KERNEL_PAIR(void, vrelu_backward, (size_t n, const float *x, const float *dy, float *dx)) /* dx += dy [x > 0] */
DL_KERNEL_PAIR(float, vsum, (size_t n, const float *x))
DL_KERNEL_PAIR(float, vdot, (size_t n, const float *x, const float *y))
/* y[r, c] += b[c] for r < rows, c < cols. */
DL_KERNEL_PAIR(void, bias_rows, (int rows, int cols, const float *b, float *y))
/* s[c] += sum over r of y[r, c]. */
DL_KERNEL_PAIR(void, colsum, (int rows, int cols, const float *y, float *s))
/* Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr_t m / (sqrt(v) + eps_t), where the
 * caller folds the bias corrections into lr_t and eps_t; subnormal m, v and w are stored as 0. */
/* The gradient magnitude below which adam_update treats a gradient as 0 (see vec_ref.c). */
float dl_adam_tiny(float b2);
DL_KERNEL_PAIR(void, adam_update, (size_t n, float lr_t, float b1, float b2, float eps_t, const float *g, float *m,
                                   float *v, float *w))

/* Transcendentals by one algorithm in both versions (so the pair agrees bit for bit; the tests
 * check the reference against double precision over a dense grid):
 * exp: x = n ln2 + r, |r| <= ln2/2, e^r by its Taylor polynomial to r^6, times 2^n built in the
 * exponent bits; x is clamped to [-87, 88] (no infinities, no subnormals).
 * tanh: an odd Taylor polynomial below |x| = 0.4; above, (1 - t)/(1 + t) with t = e^(-2|x|).
 * sigmoid: s = e^(-|x|), then 1/(1 + s) or s/(1 + s) by the sign of x. */
DL_KERNEL_PAIR(void, vexp, (size_t n, const float *x, float *y))
DL_KERNEL_PAIR(void, vtanh, (size_t n, const float *x, float *y))
DL_KERNEL_PAIR(void, vsigmoid, (size_t n, const float *x, float *y))
/* erf: below |x| = 0.84 its odd Taylor series to x^19; above, Abramowitz & Stegun 7.1.26,
 * 1 - (a1 t + ... + a5 t^5) e^(-x^2) with t = 1/(1 + p|x|); 1 from |x| = 4 (GELU's Phi). */
DL_KERNEL_PAIR(void, verf, (size_t n, const float *x, float *y))
/* y = x > 0 ? x : a x;  dx += dy (x > 0 ? 1 : a) */
DL_KERNEL_PAIR(void, vleaky_relu, (size_t n, float a, const float *x, float *y))
DL_KERNEL_PAIR(void, vleaky_relu_backward, (size_t n, float a, const float *x, const float *dy, float *dx))
/* x = 0 where |x| < FLT_MIN (subnormals: wasm has no flush-to-zero mode, and they are slow). */
DL_KERNEL_PAIR(void, vflush, (size_t n, float *x))
/* max |x|, or NaN when any x is NaN: a finiteness check in one pass. */
DL_KERNEL_PAIR(float, vmaxabs, (size_t n, const float *x))

#ifdef __wasm_simd128__
#define DL_KERNEL_USE(name) dl_##name##_simd
#else
#define DL_KERNEL_USE(name) dl_##name##_ref
#endif
#define dl_gemm DL_KERNEL_USE(gemm)
#define dl_im2col DL_KERNEL_USE(im2col)
#define dl_col2im DL_KERNEL_USE(col2im)
#define dl_maxpool DL_KERNEL_USE(maxpool)
#define dl_maxpool_backward DL_KERNEL_USE(maxpool_backward)
#define dl_avgpool DL_KERNEL_USE(avgpool)
#define dl_vadd DL_KERNEL_USE(vadd)
#define dl_vsub DL_KERNEL_USE(vsub)
#define dl_vmul DL_KERNEL_USE(vmul)
#define dl_vaxpy DL_KERNEL_USE(vaxpy)
#define dl_vscale DL_KERNEL_USE(vscale)
#define dl_vrelu DL_KERNEL_USE(vrelu)
#define dl_vrelu_backward DL_KERNEL_USE(vrelu_backward)
#define dl_vsum DL_KERNEL_USE(vsum)
#define dl_vdot DL_KERNEL_USE(vdot)
#define dl_bias_rows DL_KERNEL_USE(bias_rows)
#define dl_colsum DL_KERNEL_USE(colsum)
#define dl_adam_update DL_KERNEL_USE(adam_update)
#define dl_vexp DL_KERNEL_USE(vexp)
#define dl_vtanh DL_KERNEL_USE(vtanh)
#define dl_vsigmoid DL_KERNEL_USE(vsigmoid)
#define dl_verf DL_KERNEL_USE(verf)
#define dl_vleaky_relu DL_KERNEL_USE(vleaky_relu)
#define dl_vleaky_relu_backward DL_KERNEL_USE(vleaky_relu_backward)
#define dl_vmaxabs DL_KERNEL_USE(vmaxabs)
#define dl_vflush DL_KERNEL_USE(vflush)
#endif

/* im2col_simd.c: im2col/col2im with the in-image run of each output row done in vectors.
 * For a kernel offset (i, j) and output row oh, the output columns whose input column
 * ow*sw - pl + j lies inside the image form one contiguous range [ow_lo, ow_hi); outside it the
 * cells are padding. With stride 1 the range maps to a contiguous input run (vector copies);
 * other strides gather lane by lane. */
#include "kernels.h"

/* The range of ow with 0 <= ow*s - p + j < W. */
static void inside_range(int OW, int W, int s, int p, int j, int *lo, int *hi) {
  int a = p - j, l = a > 0 ? (a + s - 1) / s : 0;       /* first ow with ow*s >= p - j */
  int b = W + p - j, h = b > 0 ? (b + s - 1) / s : 0;   /* first ow with ow*s >= W + p - j */
  if (h > OW) h = OW;
  if (l > h) l = h;
  *lo = l, *hi = h;
}

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

void dl_im2col_simd(const float *x, int C, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH,
                    int OW, float *col, int ldcol) {
  for (int c = 0; c < C; c++)
    for (int i = 0; i < KH; i++)
      for (int j = 0; j < KW; j++) {
        float *row = col + (size_t)((c * KH + i) * KW + j) * ldcol;
        int lo, hi;
        inside_range(OW, W, sw, pl, j, &lo, &hi);
        for (int oh = 0; oh < OH; oh++) {
          float *out = row + (size_t)oh * OW;
          int ih = oh * sh - pt + i;
          if (ih < 0 || ih >= H) {
            for (int ow = 0; ow < OW; ow++) out[ow] = 0.0f;
            continue;
          }
          const float *in = x + ((size_t)c * H + ih) * W - pl + j;
          int ow = 0;
          for (; ow < lo; ow++) out[ow] = 0.0f;
          if (sw == 1) {
            for (; ow + 4 <= hi; ow += 4) wasm_v128_store(out + ow, wasm_v128_load(in + ow));
            for (; ow < hi; ow++) out[ow] = in[ow];
          } else {
            for (; ow < hi; ow++) out[ow] = in[ow * sw];
          }
          for (; ow < OW; ow++) out[ow] = 0.0f;
        }
      }
}

void dl_col2im_simd(const float *col, int ldcol, int C, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl,
                    int OH, int OW, float *x) {
  for (int c = 0; c < C; c++)
    for (int i = 0; i < KH; i++)
      for (int j = 0; j < KW; j++) {
        const float *row = col + (size_t)((c * KH + i) * KW + j) * ldcol;
        int lo, hi;
        inside_range(OW, W, sw, pl, j, &lo, &hi);
        for (int oh = 0; oh < OH; oh++) {
          int ih = oh * sh - pt + i;
          if (ih < 0 || ih >= H) continue;
          const float *src = row + (size_t)oh * OW;
          float *dst = x + ((size_t)c * H + ih) * W - pl + j;
          int ow = lo;
          if (sw == 1) {
            for (; ow + 4 <= hi; ow += 4)
              wasm_v128_store(dst + ow, wasm_f32x4_add(wasm_v128_load(dst + ow), wasm_v128_load(src + ow)));
            for (; ow < hi; ow++) dst[ow] += src[ow];
          } else {
            for (; ow < hi; ow++) dst[ow * sw] += src[ow];
          }
        }
      }
}
#else
void dl_im2col_simd(const float *x, int C, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH,
                    int OW, float *col, int ldcol) {
  (void)inside_range;
  dl_im2col_ref(x, C, H, W, KH, KW, sh, sw, pt, pl, OH, OW, col, ldcol);
}
void dl_col2im_simd(const float *col, int ldcol, int C, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl,
                    int OH, int OW, float *x) {
  dl_col2im_ref(col, ldcol, C, H, W, KH, KW, sh, sw, pt, pl, OH, OW, x);
}
#endif

/* pool_simd.c: pooling with the common 2x2 window, stride 2, no padding in vectors (four outputs
 * from two rows of eight inputs, deinterleaved into even and odd columns); every other shape,
 * and the right-hand tail, takes the reference path. */
#include "kernels.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

static int is_2x2(int KH, int KW, int sh, int sw, int pt, int pl) {
  return KH == 2 && KW == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0;
}

/* f32x4.pmax (b < a ? a : b) rather than f32x4.max: it is one instruction on x86 and the NaN
 * rule does not matter here, since a NaN input already poisons the loss and stops training. */
void dl_maxpool_simd(const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                     float *y) {
  if (!is_2x2(KH, KW, sh, sw, pt, pl) || 2 * OH > H || 2 * OW > W) {
    dl_maxpool_ref(x, H, W, KH, KW, sh, sw, pt, pl, OH, OW, y);
    return;
  }
  for (int oh = 0; oh < OH; oh++) {
    const float *r0 = x + (size_t)(2 * oh) * W, *r1 = r0 + W;
    float *out = y + (size_t)oh * OW;
    int ow = 0;
    for (; ow + 4 <= OW; ow += 4) {
      v128_t m0 = wasm_f32x4_pmax(wasm_v128_load(r0 + 2 * ow), wasm_v128_load(r1 + 2 * ow));
      v128_t m1 = wasm_f32x4_pmax(wasm_v128_load(r0 + 2 * ow + 4), wasm_v128_load(r1 + 2 * ow + 4));
      v128_t even = wasm_i32x4_shuffle(m0, m1, 0, 2, 4, 6), odd = wasm_i32x4_shuffle(m0, m1, 1, 3, 5, 7);
      wasm_v128_store(out + ow, wasm_f32x4_pmax(even, odd));
    }
    for (; ow < OW; ow++) {
      float a = r0[2 * ow] > r0[2 * ow + 1] ? r0[2 * ow] : r0[2 * ow + 1];
      float b = r1[2 * ow] > r1[2 * ow + 1] ? r1[2 * ow] : r1[2 * ow + 1];
      out[ow] = a > b ? a : b;
    }
  }
}

void dl_maxpool_backward_simd(const float *x, const float *y, const float *dy, int H, int W, int KH, int KW, int sh,
                              int sw, int pt, int pl, int OH, int OW, float *dx) {
  /* Scattering to the first maximum is branchy and cheap next to the convolutions around it. */
  dl_maxpool_backward_ref(x, y, dy, H, W, KH, KW, sh, sw, pt, pl, OH, OW, dx);
}

void dl_avgpool_simd(const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                     float *y) {
  if (!is_2x2(KH, KW, sh, sw, pt, pl) || 2 * OH > H || 2 * OW > W) {
    dl_avgpool_ref(x, H, W, KH, KW, sh, sw, pt, pl, OH, OW, y);
    return;
  }
  for (int oh = 0; oh < OH; oh++) {
    const float *r0 = x + (size_t)(2 * oh) * W, *r1 = r0 + W;
    float *out = y + (size_t)oh * OW;
    int ow = 0;
    /* summed in the reference's order, ((a + b) + c) + d, so the results match it bit for bit */
    for (; ow + 4 <= OW; ow += 4) {
      v128_t a0 = wasm_v128_load(r0 + 2 * ow), a1 = wasm_v128_load(r0 + 2 * ow + 4);
      v128_t b0 = wasm_v128_load(r1 + 2 * ow), b1 = wasm_v128_load(r1 + 2 * ow + 4);
      v128_t ae = wasm_i32x4_shuffle(a0, a1, 0, 2, 4, 6), ao = wasm_i32x4_shuffle(a0, a1, 1, 3, 5, 7);
      v128_t be = wasm_i32x4_shuffle(b0, b1, 0, 2, 4, 6), bo = wasm_i32x4_shuffle(b0, b1, 1, 3, 5, 7);
      v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(ae, ao), be), bo);
      wasm_v128_store(out + ow, wasm_f32x4_div(s, wasm_f32x4_splat(4.0f)));
    }
    for (; ow < OW; ow++) out[ow] = (((r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow]) + r1[2 * ow + 1]) / 4.0f;
  }
}
#else
void dl_maxpool_simd(const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                     float *y) {
  dl_maxpool_ref(x, H, W, KH, KW, sh, sw, pt, pl, OH, OW, y);
}
void dl_maxpool_backward_simd(const float *x, const float *y, const float *dy, int H, int W, int KH, int KW, int sh,
                              int sw, int pt, int pl, int OH, int OW, float *dx) {
  dl_maxpool_backward_ref(x, y, dy, H, W, KH, KW, sh, sw, pt, pl, OH, OW, dx);
}
void dl_avgpool_simd(const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                     float *y) {
  dl_avgpool_ref(x, H, W, KH, KW, sh, sw, pt, pl, OH, OW, y);
}
#endif

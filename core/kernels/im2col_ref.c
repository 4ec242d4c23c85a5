/* im2col_ref.c: the specification of im2col and its adjoint col2im (see kernels.h). */
#include "kernels.h"

void dl_im2col_ref(const float *x, int C, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                   float *col, int ldcol) {
  for (int c = 0; c < C; c++)
    for (int i = 0; i < KH; i++)
      for (int j = 0; j < KW; j++) {
        float *row = col + (size_t)((c * KH + i) * KW + j) * ldcol;
        for (int oh = 0; oh < OH; oh++)
          for (int ow = 0; ow < OW; ow++) {
            int ih = oh * sh - pt + i, iw = ow * sw - pl + j;
            row[oh * OW + ow] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x[((size_t)c * H + ih) * W + iw] : 0.0f;
          }
      }
}

void dl_col2im_ref(const float *col, int ldcol, int C, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl,
                   int OH, int OW, float *x) {
  for (int c = 0; c < C; c++)
    for (int i = 0; i < KH; i++)
      for (int j = 0; j < KW; j++) {
        const float *row = col + (size_t)((c * KH + i) * KW + j) * ldcol;
        for (int oh = 0; oh < OH; oh++)
          for (int ow = 0; ow < OW; ow++) {
            int ih = oh * sh - pt + i, iw = ow * sw - pl + j;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) x[((size_t)c * H + ih) * W + iw] += row[oh * OW + ow];
          }
      }
}

/* pool_ref.c: the specification of max and average pooling over one plane (see kernels.h). */
#include <math.h>
#include "kernels.h"

void dl_maxpool_ref(const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                    float *y) {
  for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++) {
      float m = -INFINITY;
      for (int i = 0; i < KH; i++)
        for (int j = 0; j < KW; j++) {
          int ih = oh * sh - pt + i, iw = ow * sw - pl + j;
          if (ih >= 0 && ih < H && iw >= 0 && iw < W && x[ih * W + iw] > m) m = x[ih * W + iw];
        }
      y[oh * OW + ow] = m;
    }
}

void dl_maxpool_backward_ref(const float *x, const float *y, const float *dy, int H, int W, int KH, int KW, int sh,
                             int sw, int pt, int pl, int OH, int OW, float *dx) {
  for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++) {
      float m = y[oh * OW + ow];
      for (int i = 0; i < KH; i++)
        for (int j = 0; j < KW; j++) {
          int ih = oh * sh - pt + i, iw = ow * sw - pl + j;
          if (ih >= 0 && ih < H && iw >= 0 && iw < W && x[ih * W + iw] == m) {
            dx[ih * W + iw] += dy[oh * OW + ow];
            goto next; /* only the first maximum takes the gradient */
          }
        }
    next:;
    }
}

void dl_avgpool_ref(const float *x, int H, int W, int KH, int KW, int sh, int sw, int pt, int pl, int OH, int OW,
                    float *y) {
  for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++) {
      float s = 0.0f;
      int count = 0;
      for (int i = 0; i < KH; i++)
        for (int j = 0; j < KW; j++) {
          int ih = oh * sh - pt + i, iw = ow * sw - pl + j;
          if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += x[ih * W + iw], count++;
        }
      y[oh * OW + ow] = count ? s / (float)count : 0.0f;
    }
}

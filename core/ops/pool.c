/* pool.c: max and average pooling, global average pooling and nearest upsampling, NCHW,
 * plane by plane. Pooling windows follow conv2d's geometry and padding modes. */
#include "ops.h"

void dl_resolve_pads(int mode, int in, int k, int s, int *p0, int *p1); /* conv.c */

static dl_status pool_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int *a = n->iattr;
  if (x->ndim != 4 || !x->batched) return OP_FAIL(g, n, DL_ERR_SHAPE, "input must be batched [channels, height, width]");
  if (a[0] < 1 || a[1] < 1) return OP_FAIL(g, n, DL_ERR_ARG, "window %dx%d must be positive", a[0], a[1]);
  if (a[2] == 0) a[2] = a[0]; /* unset stride: the window size, so windows tile the image */
  if (a[3] == 0) a[3] = a[1];
  if (a[2] < 1 || a[3] < 1) return OP_FAIL(g, n, DL_ERR_ARG, "stride %dx%d must be positive", a[2], a[3]);
  if (a[8] < 0 || a[8] > 2) return OP_FAIL(g, n, DL_ERR_ARG, "padding mode %d, expected 0, 1 or 2", a[8]);
  int H = x->shape[2], W = x->shape[3];
  if (a[8]) {
    dl_resolve_pads(a[8], H, a[0], a[2], &a[4], &a[6]);
    dl_resolve_pads(a[8], W, a[1], a[3], &a[5], &a[7]);
  }
  for (int i = 4; i <= 7; i++)
    if (a[i] < 0 || a[i] >= (i % 2 ? a[1] : a[0])) return OP_FAIL(g, n, DL_ERR_ARG, "padding %d must be in [0, window)", a[i]);
  if (a[0] > H + a[4] + a[6] || a[1] > W + a[5] + a[7])
    return OP_FAIL(g, n, DL_ERR_SHAPE, "window %dx%d is larger than the %dx%d input it receives (padding included); use a smaller window or padding 'same'", a[0], a[1], H + a[4] + a[6],
                   W + a[5] + a[7]);
  n->ndim = 4, n->batched = 1;
  n->shape[0] = 1, n->shape[1] = x->shape[1];
  n->shape[2] = (H + a[4] + a[6] - a[0]) / a[2] + 1;
  n->shape[3] = (W + a[5] + a[7] - a[1]) / a[3] + 1;
  return DL_OK;
}

/* Plane geometry shared by the pooling loops. */
#define POOL_GEOM                                                                   \
  dl_node *x = dl_input(g, n, 0);                                                   \
  int *a = n->iattr, H = x->shape[2], W = x->shape[3], OH = n->shape[2], OW = n->shape[3]; \
  size_t planes = (size_t)g->batch * x->shape[1], ip = (size_t)H * W, op = (size_t)OH * OW;

#define maxpool2d_infer pool_infer
static void maxpool2d_forward(dl_graph *g, dl_node *n) {
  POOL_GEOM
  for (size_t p = 0; p < planes; p++)
    dl_maxpool(x->value + p * ip, H, W, a[0], a[1], a[2], a[3], a[4], a[5], OH, OW, n->value + p * op);
}
static void maxpool2d_backward(dl_graph *g, dl_node *n) {
  POOL_GEOM
  for (size_t p = 0; p < planes; p++)
    dl_maxpool_backward(x->value + p * ip, n->value + p * op, n->grad + p * op, H, W, a[0], a[1], a[2], a[3], a[4], a[5],
                        OH, OW, x->grad + p * ip);
}
DL_DEFINE_OP(maxpool2d);

#define avgpool2d_infer pool_infer
static void avgpool2d_forward(dl_graph *g, dl_node *n) {
  POOL_GEOM
  for (size_t p = 0; p < planes; p++)
    dl_avgpool(x->value + p * ip, H, W, a[0], a[1], a[2], a[3], a[4], a[5], OH, OW, n->value + p * op);
}
/* Each output spreads dy / count evenly over its in-image cells. */
static void avgpool2d_backward(dl_graph *g, dl_node *n) {
  POOL_GEOM
  for (size_t p = 0; p < planes; p++)
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++) {
        int h0 = oh * a[2] - a[4], w0 = ow * a[3] - a[5];
        int hl = h0 < 0 ? 0 : h0, hh = h0 + a[0] > H ? H : h0 + a[0];
        int wl = w0 < 0 ? 0 : w0, wh = w0 + a[1] > W ? W : w0 + a[1];
        float d = n->grad[p * op + oh * OW + ow] / (float)((hh - hl) * (wh - wl));
        for (int i = hl; i < hh; i++)
          for (int j = wl; j < wh; j++) x->grad[p * ip + i * W + j] += d;
      }
}
DL_DEFINE_OP(avgpool2d);

static dl_status global_avgpool_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (x->ndim != 4 || !x->batched) return OP_FAIL(g, n, DL_ERR_SHAPE, "input must be batched [channels, height, width]");
  n->ndim = 2, n->batched = 1;
  n->shape[0] = 1, n->shape[1] = x->shape[1];
  return DL_OK;
}
static void global_avgpool_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  size_t planes = dl_node_numel(g, n), ip = (size_t)x->shape[2] * x->shape[3];
  for (size_t p = 0; p < planes; p++) n->value[p] = dl_vsum(ip, x->value + p * ip) / (float)ip;
}
static void global_avgpool_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  size_t planes = dl_node_numel(g, n), ip = (size_t)x->shape[2] * x->shape[3];
  for (size_t p = 0; p < planes; p++) {
    float d = n->grad[p] / (float)ip;
    for (size_t i = 0; i < ip; i++) x->grad[p * ip + i] += d;
  }
}
DL_DEFINE_OP(global_avgpool);

/* Nearest-neighbour upsampling: y[c, i, j] = x[c, i / fh, j / fw]. */
static dl_status upsample_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (x->ndim != 4 || !x->batched) return OP_FAIL(g, n, DL_ERR_SHAPE, "input must be batched [channels, height, width]");
  if (n->iattr[0] < 1 || n->iattr[1] < 1 || n->iattr[0] > 64 || n->iattr[1] > 64)
    return OP_FAIL(g, n, DL_ERR_ARG, "factor %dx%d outside [1, 64]", n->iattr[0], n->iattr[1]);
  dl_shape_like(n, x);
  n->shape[2] *= n->iattr[0];
  n->shape[3] *= n->iattr[1];
  return DL_OK;
}
static void upsample_forward(dl_graph *g, dl_node *n) {
  POOL_GEOM
  for (size_t p = 0; p < planes; p++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++) n->value[p * op + i * OW + j] = x->value[p * ip + (i / a[0]) * W + j / a[1]];
}
static void upsample_backward(dl_graph *g, dl_node *n) {
  POOL_GEOM
  for (size_t p = 0; p < planes; p++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++) x->grad[p * ip + (i / a[0]) * W + j / a[1]] += n->grad[p * op + i * OW + j];
}
DL_DEFINE_OP(upsample);

/* test_ops_conv.c: conv2d and conv2d_transpose (core/ops/conv.c): forward against a direct
 * convolution, the transposed forward through the adjoint identity
 * <conv_transpose(x), y> = <x, conv(y)>, backward against finite differences. */
#include "test_ops.h"

/* iattr for conv: stride h, w, pads t, l, b, r, mode, output padding h, w */
#define CONV_ATTR(sh, sw, pt, pl, pb, pr, mode, oph, opw) 9, IDS(sh, sw, pt, pl, pb, pr, mode, oph, opw)

/* y[n,f,oh,ow] = b[f] + sum_{c,i,j} W[f,c,i,j] x[n,c,oh*sh - pt + i*dh, ow*sw - pl + j*dw] (dilation dh, dw) */
static double direct_conv_dilated(const float *x, const float *w, const float *b, int C, int H, int W, int KH, int KW, int sh,
                                  int sw, int pt, int pl, int dh, int dw, int f, int oh, int ow) {
  double s = b ? b[f] : 0;
  for (int c = 0; c < C; c++)
    for (int i = 0; i < KH; i++)
      for (int j = 0; j < KW; j++) {
        int ih = oh * sh - pt + i * dh, iw = ow * sw - pl + j * dw;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += (double)w[((f * C + c) * KH + i) * KW + j] * x[(c * H + ih) * W + iw];
      }
  return s;
}
static double direct_conv(const float *x, const float *w, const float *b, int C, int H, int W, int KH, int KW, int sh,
                          int sw, int pt, int pl, int f, int oh, int ow) {
  return direct_conv_dilated(x, w, b, C, H, W, KH, KW, sh, sw, pt, pl, 1, 1, f, oh, ow);
}

static void check_conv_forward(int C, int H, int W, int F, int K, int s, int mode, int pt, int pl, int pb, int pr, int N) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(C, H, W)), w = gc_param(g, "w", 4, SHAPE(F, C, K, K)), b = gc_param(g, "b", 1, SHAPE(F));
  int32_t y = gc_op(g, "conv2d", 3, IDS(x, w, b), CONV_ATTR(s, s, pt, pl, pb, pr, mode, 0, 0), 0, NULL);
  CHECK_OK(dl_graph_plan(g, N));
  gc_fill(g, x, -1, 1, 1), gc_fill(g, w, -1, 1, 2), gc_fill(g, b, -1, 1, 3);
  CHECK_OK(dl_graph_forward(g, y));
  int32_t nd, shape[4];
  CHECK_OK(dl_graph_shape(g, y, &nd, shape, NULL));
  float *xs = gc_data(g, x, NULL), *ws = gc_data(g, w, NULL), *bs = gc_data(g, b, NULL), *ys = gc_data(g, y, NULL);
  /* the pads the op resolved ('same' puts the odd cell at the end, as TensorFlow does) */
  if (mode == 2) {
    int oh = (H + s - 1) / s, th = (oh - 1) * s + K - H, ow = (W + s - 1) / s, tw = (ow - 1) * s + K - W;
    pt = th > 0 ? th / 2 : 0, pl = tw > 0 ? tw / 2 : 0;
    CHECK(shape[2] == oh && shape[3] == ow);
  }
  int OH = shape[2], OW = shape[3], bad = 0;
  for (int n = 0; n < N; n++)
    for (int f = 0; f < F; f++)
      for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
          double want = direct_conv(xs + n * C * H * W, ws, bs, C, H, W, K, K, s, s, pt, pl, f, i, j);
          bad += !(fabs(ys[((n * F + f) * OH + i) * OW + j] - want) <= 1e-5 * (1 + fabs(want)));
        }
  CHECK(bad == 0);
  dl_graph_destroy(g);
}

static void test_conv2d_forward_matches_direct_convolution(void) {
  check_conv_forward(3, 7, 6, 4, 3, 1, 2, 0, 0, 0, 0, 2); /* same, stride 1 */
  check_conv_forward(2, 9, 9, 3, 3, 2, 0, 1, 0, 2, 1, 3); /* explicit asymmetric pads, stride 2 */
  check_conv_forward(1, 8, 8, 2, 5, 1, 1, 0, 0, 0, 0, 2); /* valid */
  check_conv_forward(2, 6, 5, 3, 4, 2, 2, 0, 0, 0, 0, 1); /* same with an even kernel */
  check_conv_forward(4, 5, 5, 6, 1, 1, 1, 0, 0, 0, 0, 2); /* 1x1 convolution mixes channels only */
}

static void test_conv2d_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, 5, 6)), w = gc_param(g, "w", 4, SHAPE(3, 2, 3, 3)), b = gc_param(g, "b", 1, SHAPE(3));
  GRADCHECK(g, gc_op(g, "conv2d", 3, IDS(x, w, b), CONV_ATTR(1, 1, 0, 0, 0, 0, 2, 0, 0), 0, NULL), 2, x, w, b);
  dl_graph_destroy(g);
  g = new_graph(); /* stride 2, explicit pads, no bias */
  x = gc_input(g, "x", 3, SHAPE(2, 7, 7)), w = gc_param(g, "w", 4, SHAPE(2, 2, 3, 3));
  GRADCHECK(g, gc_op(g, "conv2d", 2, IDS(x, w), CONV_ATTR(2, 2, 1, 0, 1, 2, 0, 0, 0), 0, NULL), 3, x, w);
  dl_graph_destroy(g);
}

/* Dilation (i9, i10): taps d apart, an effective kernel of d (k - 1) + 1; 'same' pads for that. */
#define CONV_DIL_ATTR(s, pt, pl, pb, pr, mode, dh, dw) 11, IDS(s, s, pt, pl, pb, pr, mode, 0, 0, dh, dw)
static void check_dilated_forward(int C, int H, int W, int F, int K, int s, int d, int mode, int pt, int pl, int pb, int pr, int wantOH) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(C, H, W)), w = gc_param(g, "w", 4, SHAPE(F, C, K, K)), b = gc_param(g, "b", 1, SHAPE(F));
  int32_t y = gc_op(g, "conv2d", 3, IDS(x, w, b), CONV_DIL_ATTR(s, pt, pl, pb, pr, mode, d, d), 0, NULL);
  CHECK_OK(dl_graph_plan(g, 2));
  gc_fill(g, x, -1, 1, 1), gc_fill(g, w, -1, 1, 2), gc_fill(g, b, -1, 1, 3);
  CHECK_OK(dl_graph_forward(g, y));
  int32_t nd, shape[4];
  CHECK_OK(dl_graph_shape(g, y, &nd, shape, NULL));
  CHECK(shape[2] == wantOH);
  if (mode == 2) { /* TensorFlow's 'same' with the effective kernel: the odd cell at the end */
    int ke = d * (K - 1) + 1, th = ((H + s - 1) / s - 1) * s + ke - H;
    pt = pl = th > 0 ? th / 2 : 0;
  }
  float *xs = gc_data(g, x, NULL), *ws = gc_data(g, w, NULL), *bs = gc_data(g, b, NULL), *ys = gc_data(g, y, NULL);
  int OH = shape[2], OW = shape[3], bad = 0;
  for (int n = 0; n < 2; n++)
    for (int f = 0; f < F; f++)
      for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
          double want = direct_conv_dilated(xs + n * C * H * W, ws, bs, C, H, W, K, K, s, s, pt, pl, d, d, f, i, j);
          bad += !(fabs(ys[((n * F + f) * OH + i) * OW + j] - want) <= 1e-5 * (1 + fabs(want)));
        }
  CHECK(bad == 0);
  dl_graph_destroy(g);
}

static void test_conv2d_dilated_matches_direct_and_numeric(void) {
  check_dilated_forward(2, 9, 9, 3, 3, 1, 2, 1, 0, 0, 0, 0, 5); /* valid: 9 - 5 + 1 */
  check_dilated_forward(2, 8, 8, 2, 3, 1, 2, 2, 0, 0, 0, 0, 8); /* same keeps the size */
  check_dilated_forward(1, 11, 11, 2, 3, 2, 3, 0, 1, 1, 2, 2, 4); /* explicit pads, stride 2: (11 + 3 - 7) / 2 + 1 */
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, 7, 6)), w = gc_param(g, "w", 4, SHAPE(3, 2, 2, 3)), b = gc_param(g, "b", 1, SHAPE(3));
  GRADCHECK(g, gc_op(g, "conv2d", 3, IDS(x, w, b), 11, IDS(1, 2, 1, 0, 1, 2, 0, 0, 0, 2, 2), 0, NULL), 2, x, w, b);
  dl_graph_destroy(g);
  g = new_graph(); /* a dilation too large for the input, and one for a transposed convolution, are refused */
  x = gc_input(g, "x", 3, SHAPE(1, 5, 5)), w = gc_param(g, "w", 4, SHAPE(1, 1, 3, 3));
  int32_t id, in[2] = {x, w}, big[11] = {1, 1, 0, 0, 0, 0, 1, 0, 0, 3, 3}, tr[11] = {1, 1, 0, 0, 0, 0, 1, 0, 0, 2, 2};
  CHECK_ERR(dl_graph_op(g, "conv2d", NULL, 2, in, 11, big, 0, NULL, &id), DL_ERR_SHAPE, "dilation 3x3");
  CHECK_ERR(dl_graph_op(g, "conv2d_transpose", NULL, 2, in, 11, tr, 0, NULL, &id), DL_ERR_ARG, "dilation");
  dl_graph_destroy(g);
}

static void check_transpose_adjoint(int C, int H, int W, int F, int K, int s, int mode, int oph, int N) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(C, H, W)), w = gc_param(g, "w", 4, SHAPE(C, F, K, K));
  int32_t y = gc_op(g, "conv2d_transpose", 2, IDS(x, w), CONV_ATTR(s, s, 1, 1, 1, 1, mode, oph, oph), 0, NULL);
  int32_t nd, shape[4];
  CHECK_OK(dl_graph_shape(g, y, &nd, shape, NULL));
  int OH = shape[2], OW = shape[3];
  if (mode == 2) CHECK(OH == H * s && OW == W * s);
  /* the conv2d from y's grid back to x's, with the same weights read as [C out, F in, K, K] */
  int32_t v = gc_input(g, "v", 3, SHAPE(F, OH, OW));
  int32_t pads[9] = {s, s, 1, 1, 1, 1, 0, 0, 0};
  if (mode == 2) { /* the pads 'same' resolves to for a transposed convolution */
    int t = K - s > 0 ? K - s : 0;
    pads[2] = pads[3] = t / 2, pads[4] = pads[5] = t - t / 2;
  }
  int32_t u = gc_op(g, "conv2d", 2, IDS(v, w), 9, pads, 0, NULL);
  CHECK_OK(dl_graph_plan(g, N));
  gc_fill(g, x, -1, 1, 1), gc_fill(g, w, -1, 1, 2), gc_fill(g, v, -1, 1, 3);
  CHECK_OK(dl_graph_forward(g, y));
  CHECK_OK(dl_graph_forward(g, u));
  size_t ny, nu;
  float *ys = gc_data(g, y, &ny), *vs = gc_data(g, v, NULL), *us = gc_data(g, u, &nu), *xs = gc_data(g, x, NULL);
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < ny; i++) lhs += (double)ys[i] * vs[i];
  for (size_t i = 0; i < nu; i++) rhs += (double)xs[i] * us[i];
  CHECK_NEAR(lhs, rhs, 1e-4 * (1 + fabs(lhs)));
  dl_graph_destroy(g);
}

static void test_conv2d_transpose_is_the_adjoint_of_conv2d(void) {
  check_transpose_adjoint(3, 4, 5, 2, 3, 2, 0, 1, 2); /* explicit pads, output padding */
  check_transpose_adjoint(2, 3, 3, 4, 4, 2, 2, 0, 3); /* same: output = input * stride */
  check_transpose_adjoint(2, 5, 4, 3, 3, 1, 0, 0, 1);
}

static void test_conv2d_transpose_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(3, 3, 4)), w = gc_param(g, "w", 4, SHAPE(3, 2, 3, 3)), b = gc_param(g, "b", 1, SHAPE(2));
  GRADCHECK(g, gc_op(g, "conv2d_transpose", 3, IDS(x, w, b), CONV_ATTR(2, 2, 1, 1, 1, 1, 0, 1, 1), 0, NULL), 2, x, w, b);
  dl_graph_destroy(g);
}

static void test_conv2d_rejects_kernel_larger_than_input(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(1, 5, 5)), w = gc_param(g, "w", 4, SHAPE(4, 1, 7, 7)), id;
  CHECK_ERR(dl_graph_op(g, "conv2d", "c2", 2, IDS(x, w), CONV_ATTR(1, 1, 0, 0, 0, 0, 1, 0, 0), 0, NULL, &id), DL_ERR_SHAPE,
            "conv2d 'c2': kernel 7x7 is larger than the 5x5 input it receives (padding included); use a smaller kernel or padding 'same'");
  int32_t w3 = gc_param(g, "w3", 4, SHAPE(4, 3, 3, 3));
  CHECK_ERR(dl_graph_op(g, "conv2d", "c3", 2, IDS(x, w3), CONV_ATTR(1, 1, 0, 0, 0, 0, 1, 0, 0), 0, NULL, &id), DL_ERR_SHAPE,
            "input has 1 channels, weight expects 3");
  dl_graph_destroy(g);
}

void run_conv_tests(void) {
  RUN(test_conv2d_dilated_matches_direct_and_numeric);
  RUN(test_conv2d_forward_matches_direct_convolution);
  RUN(test_conv2d_backward_matches_numeric);
  RUN(test_conv2d_transpose_is_the_adjoint_of_conv2d);
  RUN(test_conv2d_transpose_backward_matches_numeric);
  RUN(test_conv2d_rejects_kernel_larger_than_input);
}

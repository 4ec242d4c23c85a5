/* conv.c: 2-D convolution and transposed convolution, NCHW, by im2col + GEMM.
 *
 * conv2d: x[C,H,W], W[F,C,KH,KW], b[F] -> y[F,OH,OW], OH = (H + pt + pb - KH) / sh + 1.
 *   Per chunk of samples: col[C*KH*KW, cn*OH*OW] = im2col(x), tmp[F, cn*OH*OW] = W col, then
 *   tmp is scattered to y with the bias. Backward: dW += dy col^T (im2col is redone, a cheap
 *   data rearrangement, so the arena holds one chunk of columns instead of the whole batch),
 *   dcol = W^T dy, dx += col2im(dcol).
 * Dilation d (i9, i10; 0 means 1) spaces the kernel's taps d apart: the op spreads W into a
 *   kernel of d (KH - 1) + 1 rows (and columns) with zeros between the taps, in scratch, runs the
 *   same im2col + GEMM with it, and gathers dW back from the spread positions. The zeros cost
 *   work, but the kernels stay as they are; dilation is for teaching and small nets here.
 * conv2d_transpose: x[C,H,W], W[C,F,KH,KW], b[F] -> y[F,OH,OW], OH = (H-1) sh - pt - pb + KH + oph:
 *   the adjoint of a conv2d from y's grid to x's, so its forward is col2im(W^T x) and its
 *   backward runs im2col on dy.
 * Samples are processed in chunks so that one GEMM covers several images (small feature maps
 * alone make skinny, slow GEMMs) while the workspace stays near CHUNK_FLOATS. */
#include "ops.h"

#define CHUNK_FLOATS (1u << 18)
#define MAX_CHUNK 64

typedef struct {
  int C, H, W, F, KH, KW, sh, sw, pt, pl, pb, pr, OH, OW;
  int kh, kw, dh, dw; /* the weight's own size and the dilation; KH, KW are the spread kernel's */
  int chunk;      /* samples per GEMM */
  int transposed; /* x is on the small grid (H, W), y on the large one (OH, OW) */
} conv_geom;

/* Padding for mode 1 (valid: none) or 2 (same: TensorFlow's rule, the odd cell at the end). */
void dl_resolve_pads(int mode, int in, int k, int s, int *p0, int *p1) {
  if (mode == 1) {
    *p0 = *p1 = 0;
  } else if (mode == 2) {
    int out = (in + s - 1) / s, total = (out - 1) * s + k - in;
    if (total < 0) total = 0;
    *p0 = total / 2;
    *p1 = total - total / 2;
  }
}

static int chunk_for(size_t per_sample_floats) {
  size_t c = CHUNK_FLOATS / (per_sample_floats ? per_sample_floats : 1);
  return c < 1 ? 1 : c > MAX_CHUNK ? MAX_CHUNK : (int)c;
}

/* A dilation attribute (0 means 1), and the span of k taps that far apart. */
static int dilation(int a) { return a > 1 ? a : 1; }
static int spread(int k, int d) { return d * (k - 1) + 1; }

/* Geometry from the node's inputs and (resolved) attributes. */
static void geometry(dl_graph *g, dl_node *n, conv_geom *q) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int *a = n->iattr;
  q->transposed = n->op == DL_OP_CONV2D_T;
  q->C = x->shape[1], q->H = x->shape[2], q->W = x->shape[3];
  q->F = q->transposed ? w->shape[1] : w->shape[0];
  q->kh = w->shape[2], q->kw = w->shape[3];
  q->dh = dilation(a[9]), q->dw = dilation(a[10]); /* (1 for a transposed convolution: infer refuses more) */
  q->KH = spread(q->kh, q->dh), q->KW = spread(q->kw, q->dw);
  q->sh = a[0], q->sw = a[1], q->pt = a[2], q->pl = a[3], q->pb = a[4], q->pr = a[5];
  if (q->transposed) {
    q->OH = (q->H - 1) * q->sh - q->pt - q->pb + q->KH + a[7];
    q->OW = (q->W - 1) * q->sw - q->pl - q->pr + q->KW + a[8];
    /* columns span the small grid: F*KH*KW rows of H*W; tmp holds C rows of H*W */
    q->chunk = chunk_for((size_t)(q->F * q->KH * q->KW + q->C) * q->H * q->W);
  } else {
    q->OH = (q->H + q->pt + q->pb - q->KH) / q->sh + 1;
    q->OW = (q->W + q->pl + q->pr - q->KW) / q->sw + 1;
    q->chunk = chunk_for((size_t)(q->C * q->KH * q->KW + q->F) * q->OH * q->OW);
  }
}

/* Scratch layout: the columns (and the gathered dy or x) for one chunk, then GEMM's packing. */
static size_t columns(const conv_geom *q, int tr) {
  size_t cols = tr ? (size_t)q->H * q->W : (size_t)q->OH * q->OW;
  size_t rows = tr ? (size_t)(q->F * q->KH * q->KW + q->C) : (size_t)(q->C * q->KH * q->KW + q->F);
  return rows * cols * (size_t)q->chunk;
}
static size_t max3(size_t a, size_t b, size_t c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }
/* The three products of a chunk (forward, dW, dx), at the widest chunk. */
static size_t conv_gemm_workspace(const conv_geom *q, int tr) {
  int KK = q->KH * q->KW, ld = q->chunk * (tr ? q->H * q->W : q->OH * q->OW);
  if (tr) return max3(dl_gemm_workspace(q->F * KK, ld, q->C), dl_gemm_workspace(q->C, q->F * KK, ld), dl_gemm_workspace(q->C, ld, q->F * KK));
  return max3(dl_gemm_workspace(q->F, ld, q->C * KK), dl_gemm_workspace(q->F, q->C * KK, ld), dl_gemm_workspace(q->C * KK, ld, q->F));
}

/* A dilated kernel spread out with zeros, and its gradient before the gather: after the rest. */
static size_t spread_floats(const conv_geom *q) {
  return q->dh > 1 || q->dw > 1 ? 2 * (size_t)q->F * q->C * q->KH * q->KW : 0;
}
static float *spread_at(dl_node *n, const conv_geom *q) { return n->scratch + columns(q, 0) + conv_gemm_workspace(q, 0); }

/* The kernel the GEMMs use: W itself, or W spread to taps d apart (zeros between). */
static const float *spread_kernel(dl_node *n, const conv_geom *q, const float *w) {
  if (!spread_floats(q)) return w;
  float *k = spread_at(n, q);
  memset(k, 0, (size_t)q->F * q->C * q->KH * q->KW * sizeof(float));
  for (int fc = 0; fc < q->F * q->C; fc++)
    for (int i = 0; i < q->kh; i++)
      for (int j = 0; j < q->kw; j++) k[((size_t)fc * q->KH + i * q->dh) * q->KW + j * q->dw] = w[((size_t)fc * q->kh + i) * q->kw + j];
  return k;
}

static dl_status conv_infer_common(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int *a = n->iattr, tr = n->op == DL_OP_CONV2D_T;
  if (n->ninputs < 2 || n->ninputs > 3) return OP_FAIL(g, n, DL_ERR_ARG, "%d inputs given, expected x, W and optional b", n->ninputs);
  if (x->ndim != 4 || !x->batched) return OP_FAIL(g, n, DL_ERR_SHAPE, "input must be batched [channels, height, width]");
  if (w->ndim != 4) return OP_FAIL(g, n, DL_ERR_SHAPE, "weight must be 4-D, has %d dims", w->ndim);
  if (w->shape[tr ? 0 : 1] != x->shape[1])
    return OP_FAIL(g, n, DL_ERR_SHAPE, "input has %d channels, weight expects %d", x->shape[1], w->shape[tr ? 0 : 1]);
  int F = tr ? w->shape[1] : w->shape[0];
  if (n->ninputs == 3) {
    dl_node *b = dl_input(g, n, 2);
    if (b->ndim != 1 || b->shape[0] != F) return OP_FAIL(g, n, DL_ERR_SHAPE, "bias must be [%d]", F);
  }
  if (a[0] == 0) a[0] = 1; /* unset strides mean 1 */
  if (a[1] == 0) a[1] = 1;
  if (a[0] < 1 || a[1] < 1 || a[0] > 64 || a[1] > 64) return OP_FAIL(g, n, DL_ERR_ARG, "stride %dx%d outside [1, 64]", a[0], a[1]);
  if (a[6] < 0 || a[6] > 2) return OP_FAIL(g, n, DL_ERR_ARG, "padding mode %d, expected 0 (explicit), 1 (valid) or 2 (same)", a[6]);
  if (tr && (a[9] > 1 || a[10] > 1)) return OP_FAIL(g, n, DL_ERR_ARG, "dilation is for conv2d only");
  if (a[9] < 0 || a[10] < 0 || a[9] > 16 || a[10] > 16) return OP_FAIL(g, n, DL_ERR_ARG, "dilation %dx%d outside [1, 16]", a[9], a[10]);
  int dh = dilation(a[9]), dw = dilation(a[10]);
  /* (the spread kernel's size: what the padding rules and the output size see) */
  int KH = spread(w->shape[2], dh), KW = spread(w->shape[3], dw), H = x->shape[2], W = x->shape[3];
  if (tr) {
    if (a[6] == 1) a[2] = a[3] = a[4] = a[5] = 0;
    if (a[6] == 2) { /* output = input * stride */
      int th = KH - a[0] > 0 ? KH - a[0] : 0, tw = KW - a[1] > 0 ? KW - a[1] : 0;
      a[2] = th / 2, a[4] = th - th / 2, a[3] = tw / 2, a[5] = tw - tw / 2;
      a[7] = a[0] - KH > 0 ? a[0] - KH : 0;
      a[8] = a[1] - KW > 0 ? a[1] - KW : 0;
    }
    if (a[7] < 0 || a[8] < 0 || a[7] >= a[0] || a[8] >= a[1])
      return OP_FAIL(g, n, DL_ERR_ARG, "output padding %dx%d must be below the stride %dx%d", a[7], a[8], a[0], a[1]);
  } else {
    if (a[6]) {
      dl_resolve_pads(a[6], H, KH, a[0], &a[2], &a[4]);
      dl_resolve_pads(a[6], W, KW, a[1], &a[3], &a[5]);
    }
  }
  for (int i = 2; i <= 5; i++)
    if (a[i] < 0 || a[i] >= (i % 2 ? KW : KH)) return OP_FAIL(g, n, DL_ERR_ARG, "padding %d must be in [0, kernel size)", a[i]);
  if (!tr && (KH > H + a[2] + a[4] || KW > W + a[3] + a[5])) {
    if (dh > 1 || dw > 1)
      return OP_FAIL(g, n, DL_ERR_SHAPE, "dilation %dx%d spans %dx%d, larger than the %dx%d input (padding included)", dh, dw, KH, KW, H + a[2] + a[4], W + a[3] + a[5]);
    return OP_FAIL(g, n, DL_ERR_SHAPE, "kernel %dx%d is larger than the %dx%d input it receives (padding included); use a smaller kernel or padding 'same'", KH, KW, H + a[2] + a[4],
                   W + a[3] + a[5]);
  }
  /* sizes in checked 64 bits (size.h), against the cap before any 32-bit product is formed from them */
  uint64_t KK = dl_size_mul((uint64_t)KH, (uint64_t)KW), C = (uint64_t)x->shape[1], rows, positions;
  if (tr) { /* columns span the small grid; the output is (H - 1) stride + kernel + output padding */
    uint64_t oh = dl_size_add(dl_size_mul((uint64_t)H - 1, (uint64_t)a[0]), (uint64_t)KH + a[7]);
    uint64_t ow = dl_size_add(dl_size_mul((uint64_t)W - 1, (uint64_t)a[1]), (uint64_t)KW + a[8]);
    rows = dl_size_add(dl_size_mul((uint64_t)F, KK), C), positions = dl_size_mul((uint64_t)H, (uint64_t)W);
    if (dl_size_mul(dl_size_mul(oh, ow), (uint64_t)F) > DL_MAX_NUMEL)
      return OP_FAIL(g, n, DL_ERR_OOM, "output of %llux%llu x %d channels is too large", (unsigned long long)oh, (unsigned long long)ow, F);
  } else { /* at most (padded size) positions */
    rows = dl_size_add(dl_size_mul(C, KK), (uint64_t)F);
    positions = dl_size_mul((uint64_t)H + a[2] + a[4], (uint64_t)W + a[3] + a[5]);
  }
  if (dl_size_mul(rows, positions) > DL_MAX_NUMEL)
    return OP_FAIL(g, n, DL_ERR_OOM, "its columns (%llu rows x up to %llu positions) are too large", (unsigned long long)rows,
                   (unsigned long long)positions);
  conv_geom q;
  geometry(g, n, &q);
  if (q.OH < 1 || q.OW < 1) return OP_FAIL(g, n, DL_ERR_SHAPE, "output would be %dx%d", q.OH, q.OW);
  n->ndim = 4, n->batched = 1;
  n->shape[0] = 1, n->shape[1] = F, n->shape[2] = q.OH, n->shape[3] = q.OW;
  n->scratch_fixed = dl_size_add(dl_size_add(columns(&q, tr), conv_gemm_workspace(&q, tr)), spread_floats(&q));
  n->workspace = 1; /* columns and GEMM's packing live only inside one forward or backward call */
  return DL_OK;
}

/* ---- conv2d ---- */
#define conv2d_infer conv_infer_common

static void conv2d_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1), *b = n->ninputs == 3 ? dl_input(g, n, 2) : NULL;
  conv_geom q;
  geometry(g, n, &q);
  int CKK = q.C * q.KH * q.KW, P = q.OH * q.OW, N = g->batch;
  size_t xs = (size_t)q.C * q.H * q.W, ys = (size_t)q.F * P;
  const float *kernel = spread_kernel(n, &q, w->value);
  for (int s0 = 0; s0 < N; s0 += q.chunk) {
    int cn = N - s0 < q.chunk ? N - s0 : q.chunk, ld = cn * P;
    float *col = n->scratch, *tmp = col + (size_t)CKK * ld;
    for (int s = 0; s < cn; s++)
      dl_im2col(x->value + (s0 + s) * xs, q.C, q.H, q.W, q.KH, q.KW, q.sh, q.sw, q.pt, q.pl, q.OH, q.OW, col + s * P, ld);
    dl_gemm(0, 0, q.F, ld, CKK, kernel, CKK, col, ld, 0.0f, tmp, ld, n->scratch + columns(&q, 0));
    for (int s = 0; s < cn; s++)
      for (int f = 0; f < q.F; f++) {
        float *y = n->value + (s0 + s) * ys + (size_t)f * P;
        memcpy(y, tmp + (size_t)f * ld + s * P, P * sizeof(float));
        if (b) for (int i = 0; i < P; i++) y[i] += b->value[f];
      }
  }
}

static void conv2d_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1), *b = n->ninputs == 3 ? dl_input(g, n, 2) : NULL;
  conv_geom q;
  geometry(g, n, &q);
  int CKK = q.C * q.KH * q.KW, P = q.OH * q.OW, N = g->batch;
  size_t xs = (size_t)q.C * q.H * q.W, ys = (size_t)q.F * P;
  /* dilated: the spread kernel, and dW of the spread kernel (gathered into W's gradient at the end) */
  const float *kernel = spread_kernel(n, &q, w->value);
  float *dkernel = spread_floats(&q) ? spread_at(n, &q) + (size_t)q.F * CKK : w->grad;
  if (spread_floats(&q)) memset(dkernel, 0, (size_t)q.F * CKK * sizeof(float));
  for (int s0 = 0; s0 < N; s0 += q.chunk) {
    int cn = N - s0 < q.chunk ? N - s0 : q.chunk, ld = cn * P;
    float *col = n->scratch, *dyc = col + (size_t)CKK * ld; /* dy gathered as [F, cn*P] */
    for (int s = 0; s < cn; s++)
      for (int f = 0; f < q.F; f++)
        memcpy(dyc + (size_t)f * ld + s * P, n->grad + (s0 + s) * ys + (size_t)f * P, P * sizeof(float));
    if (b && b->needs_grad)
      for (int f = 0; f < q.F; f++) b->grad[f] += dl_vsum((size_t)ld, dyc + (size_t)f * ld);
    if (w->needs_grad) {
      for (int s = 0; s < cn; s++)
        dl_im2col(x->value + (s0 + s) * xs, q.C, q.H, q.W, q.KH, q.KW, q.sh, q.sw, q.pt, q.pl, q.OH, q.OW, col + s * P, ld);
      dl_gemm(0, 1, q.F, CKK, ld, dyc, ld, col, ld, 1.0f, dkernel, CKK, n->scratch + columns(&q, 0));
    }
    if (x->needs_grad) {
      dl_gemm(1, 0, CKK, ld, q.F, kernel, CKK, dyc, ld, 0.0f, col, ld, n->scratch + columns(&q, 0));
      for (int s = 0; s < cn; s++)
        dl_col2im(col + s * P, ld, q.C, q.H, q.W, q.KH, q.KW, q.sh, q.sw, q.pt, q.pl, q.OH, q.OW,
                  x->grad + (s0 + s) * xs);
    }
  }
  if (w->needs_grad && dkernel != w->grad) /* only the taps are weights */
    for (int fc = 0; fc < q.F * q.C; fc++)
      for (int i = 0; i < q.kh; i++)
        for (int j = 0; j < q.kw; j++) w->grad[((size_t)fc * q.kh + i) * q.kw + j] += dkernel[((size_t)fc * q.KH + i * q.dh) * q.KW + j * q.dw];
}
DL_DEFINE_OP(conv2d);

/* ---- conv2d_transpose ---- */
#define conv2d_transpose_infer conv_infer_common

/* Gather per-sample [C, P] planes of `src` (sample stride ss) into dst[C, cn*P]. */
static void gather(float *dst, const float *src, int cn, int C, int P, size_t ss) {
  for (int s = 0; s < cn; s++)
    for (int c = 0; c < C; c++) memcpy(dst + (size_t)c * cn * P + s * P, src + s * ss + (size_t)c * P, P * sizeof(float));
}

static void conv2d_transpose_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1), *b = n->ninputs == 3 ? dl_input(g, n, 2) : NULL;
  conv_geom q;
  geometry(g, n, &q);
  int FKK = q.F * q.KH * q.KW, P = q.H * q.W, Q = q.OH * q.OW, N = g->batch;
  size_t xs = (size_t)q.C * P, ys = (size_t)q.F * Q;
  memset(n->value, 0, (size_t)N * ys * sizeof(float));
  for (int s0 = 0; s0 < N; s0 += q.chunk) {
    int cn = N - s0 < q.chunk ? N - s0 : q.chunk, ld = cn * P;
    float *col = n->scratch, *xc = col + (size_t)FKK * ld;
    gather(xc, x->value + s0 * xs, cn, q.C, P, xs);
    dl_gemm(1, 0, FKK, ld, q.C, w->value, FKK, xc, ld, 0.0f, col, ld, n->scratch + columns(&q, 1)); /* col = W^T x */
    for (int s = 0; s < cn; s++)
      dl_col2im(col + s * P, ld, q.F, q.OH, q.OW, q.KH, q.KW, q.sh, q.sw, q.pt, q.pl, q.H, q.W, n->value + (s0 + s) * ys);
  }
  if (b)
    for (int s = 0; s < N; s++)
      for (int f = 0; f < q.F; f++) {
        float *y = n->value + s * ys + (size_t)f * Q;
        for (int i = 0; i < Q; i++) y[i] += b->value[f];
      }
}

static void conv2d_transpose_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1), *b = n->ninputs == 3 ? dl_input(g, n, 2) : NULL;
  conv_geom q;
  geometry(g, n, &q);
  int FKK = q.F * q.KH * q.KW, P = q.H * q.W, Q = q.OH * q.OW, N = g->batch;
  size_t xs = (size_t)q.C * P, ys = (size_t)q.F * Q;
  if (b && b->needs_grad)
    for (int s = 0; s < N; s++)
      for (int f = 0; f < q.F; f++) b->grad[f] += dl_vsum((size_t)Q, n->grad + s * ys + (size_t)f * Q);
  for (int s0 = 0; s0 < N; s0 += q.chunk) {
    int cn = N - s0 < q.chunk ? N - s0 : q.chunk, ld = cn * P;
    float *col = n->scratch, *tmp = col + (size_t)FKK * ld;
    for (int s = 0; s < cn; s++) /* dcol = im2col(dy) on x's grid */
      dl_im2col(n->grad + (s0 + s) * ys, q.F, q.OH, q.OW, q.KH, q.KW, q.sh, q.sw, q.pt, q.pl, q.H, q.W, col + s * P, ld);
    if (w->needs_grad) { /* dW[C, FKK] += x[C, ld] dcol^T */
      gather(tmp, x->value + s0 * xs, cn, q.C, P, xs);
      dl_gemm(0, 1, q.C, FKK, ld, tmp, ld, col, ld, 1.0f, w->grad, FKK, n->scratch + columns(&q, 1));
    }
    if (x->needs_grad) { /* dx[C, ld] = W[C, FKK] dcol */
      dl_gemm(0, 0, q.C, ld, FKK, w->value, FKK, col, ld, 0.0f, tmp, ld, n->scratch + columns(&q, 1));
      for (int s = 0; s < cn; s++)
        for (int c = 0; c < q.C; c++) {
          float *dx = x->grad + (s0 + s) * xs + (size_t)c * P;
          dl_vadd((size_t)P, dx, tmp + (size_t)c * ld + s * P, dx);
        }
    }
  }
}
DL_DEFINE_OP(conv2d_transpose);

/* rnn.c: recurrent layers, each one op over a whole sequence x[T, D] -> h[T, H].
 *
 * One op per layer rather than one per time step: the input's share of every gate is a single
 * GEMM over all N*T rows, each step adds h_{t-1} Wh (one GEMM over the batch) and applies its
 * gates in place, and backward runs the steps in reverse, then takes dWx, dx and the biases in
 * one GEMM each. Gates live in scratch from forward to backward, where they are overwritten by
 * their own gradients. Weights: Wx[D, G*H], Wh[H, G*H], gate blocks side by side in the order
 * below. i0 = 1 runs the sequence backwards (the second half of a bidirectional layer); an
 * optional initial state (h0, and c0 for the LSTM) is a batched input, zero when absent. i1 = 1
 * carries the state: forward ends by writing the last step's h (and c) into h0 (and c0), so the
 * next call continues where this one stopped (generation one token at a time; no backward).
 * i1 = 2 carries it in training only (a stateful layer): a training forward keeps the last state
 * in scratch and the step's commit writes it, after backward has read h0 and only if the step is
 * accepted; outside training the state inputs are not read (each window starts from zeros).
 *
 *   rnn   x, Wx, Wh, b[H]         h_t = tanh(x_t Wx + h_{t-1} Wh + b)
 *   lstm  x, Wx, Wh, b[4H]        [i f g o] = [σ σ tanh σ](x_t Wx + h_{t-1} Wh + b)
 *                                 c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)   (no peepholes)
 *   gru   x, Wx, Wh, bx, bh[3H]   [r z] = σ(x_t Wx + bx + h_{t-1} Wh + bh) over those blocks,
 *                                 n = tanh(x_t Wxn + bxn + r (h_{t-1} Whn + bhn)),
 *                                 h_t = (1 - z) n + z h_{t-1}   (PyTorch's form: r after Whn)
 */
#include "ops.h"

enum { CELL_RNN, CELL_LSTM, CELL_GRU };
static const int cell_gates[] = {1, 4, 3};

typedef struct {
  int kind, N, T, D, H, G, rev;
  dl_node *x, *wx, *wh, *b, *bh, *h0, *c0;
} seq;

static int fixed_inputs(int kind) { return kind == CELL_GRU ? 5 : 4; }
static int state_inputs(int kind) { return kind == CELL_LSTM ? 2 : 1; }

static seq seq_of(dl_graph *g, dl_node *n, int kind) {
  seq s = {kind, g->batch, 0, 0, 0, cell_gates[kind], n->iattr[0], NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  int k = fixed_inputs(kind);
  s.x = dl_input(g, n, 0), s.wx = dl_input(g, n, 1), s.wh = dl_input(g, n, 2), s.b = dl_input(g, n, 3);
  if (kind == CELL_GRU) s.bh = dl_input(g, n, 4);
  int unread = n->iattr[1] == 2 && !g->training; /* a stateful layer outside training */
  if (n->ninputs > k && !unread) s.h0 = dl_input(g, n, k);
  if (n->ninputs > k + 1 && !unread) s.c0 = dl_input(g, n, k + 1);
  s.T = s.x->shape[1], s.D = s.x->shape[2], s.H = s.wh->shape[0];
  return s;
}

/* Per-sample scratch: the gates (the LSTM's cells, the GRU's h Whn + bhn beside them), then
 * per-sample rows for the state gradients carried between steps and one temporary; a stateful
 * layer's last h and c to commit after them. */
static size_t gate_width(const seq *s) { return s->kind == CELL_RNN ? (size_t)s->H : 4 * (size_t)s->H; }
static float *to_commit(const seq *s, float *scratch) {
  return scratch + (size_t)s->N * ((size_t)s->T * (gate_width(s) + (s->kind == CELL_LSTM ? s->H : 0)) + 4 * (size_t)s->H);
}

static dl_status seq_infer(dl_graph *g, dl_node *n, int kind) {
  int k = fixed_inputs(kind), ns = state_inputs(kind);
  if (n->ninputs != k && n->ninputs != k + ns)
    return OP_FAIL(g, n, DL_ERR_ARG, "%d inputs given, expected %d (x, Wx, Wh, bias%s) and optionally %s", n->ninputs, k,
                   kind == CELL_GRU ? "es" : "", kind == CELL_LSTM ? "h0 and c0" : "h0");
  if (n->iattr[0] != 0 && n->iattr[0] != 1) return OP_FAIL(g, n, DL_ERR_ARG, "direction flag %d, expected 0 or 1", n->iattr[0]);
  if (n->iattr[1] < 0 || n->iattr[1] > 2) return OP_FAIL(g, n, DL_ERR_ARG, "carry flag %d, expected 0, 1 or 2", n->iattr[1]);
  if (n->iattr[1] == 2 && n->iattr[0]) return OP_FAIL(g, n, DL_ERR_ARG, "a reversed sequence cannot carry its state to the next batch");
  if (n->iattr[1] && n->ninputs != k + ns) return OP_FAIL(g, n, DL_ERR_ARG, "carrying the state needs the state inputs");
  dl_node *x = dl_input(g, n, 0), *wx = dl_input(g, n, 1), *wh = dl_input(g, n, 2);
  if (!x->batched || x->ndim != 3) return OP_FAIL(g, n, DL_ERR_SHAPE, "input must be a sequence [steps, features] per sample");
  if (wh->batched || wh->ndim != 2) return OP_FAIL(g, n, DL_ERR_SHAPE, "Wh must be [units, %d units]", cell_gates[kind]);
  int T = x->shape[1], D = x->shape[2], H = wh->shape[0], GH = cell_gates[kind] * H;
  if (wh->shape[1] != GH) return OP_FAIL(g, n, DL_ERR_SHAPE, "Wh is [%d, %d], expected [%d, %d]", H, wh->shape[1], H, GH);
  if (wx->batched || wx->ndim != 2 || wx->shape[0] != D || wx->shape[1] != GH)
    return OP_FAIL(g, n, DL_ERR_SHAPE, "Wx must be [%d, %d] for %d input features and %d units", D, GH, D, H);
  for (int i = 3; i < k; i++) {
    dl_node *b = dl_input(g, n, i);
    if (b->batched || b->ndim != 1 || b->shape[0] != GH) return OP_FAIL(g, n, DL_ERR_SHAPE, "bias must be [%d]", GH);
  }
  for (int i = k; i < n->ninputs; i++) {
    dl_node *h = dl_input(g, n, i);
    if (!h->batched || h->ndim != 2 || h->shape[1] != H) return OP_FAIL(g, n, DL_ERR_SHAPE, "initial state must be [%d] per sample", H);
  }
  n->ndim = 3, n->shape[0] = 1, n->shape[1] = T, n->shape[2] = H, n->batched = 1;
  seq s = {kind, 1, T, D, H, cell_gates[kind], 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  uint64_t per = dl_size_add(dl_size_mul((uint64_t)T, gate_width(&s) + (kind == CELL_LSTM ? (uint64_t)H : 0)), (n->iattr[1] == 2 ? 6 : 4) * (uint64_t)H);
  n->scratch_per_sample = per;
  /* GEMM packing for each product, at any batch (rows up to 2^20, as dense sizes it) */
  const int B = 1 << 20;
  size_t w[7] = {dl_gemm_workspace(B, GH, D), dl_gemm_workspace(B, GH, H), dl_gemm_workspace(B, H, GH), dl_gemm_workspace(B, D, GH),
                 dl_gemm_workspace(D, GH, B), dl_gemm_workspace(H, GH, B), dl_gemm_workspace(B, H, 2 * H)};
  for (int i = 0; i < 7; i++) n->work_floats = w[i] > n->work_floats ? w[i] : n->work_floats;
  return DL_OK;
}

/* The step order: s-th step visits time t; its previous state is at time tp. */
static int time_at(const seq *s, int step) { return s->rev ? s->T - 1 - step : step; }

/* The previous hidden state of every sample at step `step`: rows of y, or h0 (NULL: zeros). */
static const float *prev_h(const seq *s, const float *y, int step, int *ld) {
  if (step > 0) {
    *ld = s->T * s->H;
    return y + (size_t)time_at(s, step - 1) * s->H;
  }
  *ld = s->H;
  return s->h0 ? s->h0->value : NULL;
}

/* The LSTM's previous cell state of sample i at step `step`: its cells, or c0 (NULL: zeros). */
static const float *prev_c(const seq *s, const float *cells, int step, int i) {
  if (step > 0) return cells + ((size_t)i * s->T + time_at(s, step - 1)) * s->H;
  return s->c0 ? s->c0->value + (size_t)i * s->H : NULL;
}

static float sigm_d(float y) { return y * (1.0f - y); } /* σ' from σ */
static float tanh_d(float y) { return 1.0f - y * y; }   /* tanh' from tanh */

/* ---- forward ---- */
static void seq_forward(dl_graph *g, dl_node *n, int kind) {
  seq s = seq_of(g, n, kind);
  int N = s.N, T = s.T, H = s.H, GH = s.G * H, W = (int)gate_width(&s);
  /* after the gates: the LSTM's cells; for the GRU, h Wh + bh of the step [N, 3H] */
  float *y = n->value, *gates = kind == CELL_RNN ? y : n->scratch, *cells = n->scratch + (size_t)N * T * W, *tmp = cells;
  /* every step's input share at once: rows are (sample, time) */
  dl_gemm(0, 0, N * T, GH, s.D, s.x->value, s.D, s.wx->value, GH, 0.0f, gates, W, n->work);
  for (size_t r = 0; r < (size_t)N * T; r++) dl_vadd((size_t)GH, gates + r * W, s.b->value, gates + r * W);
  for (int st = 0; st < T; st++) {
    int t = time_at(&s, st), ld;
    const float *hp = prev_h(&s, y, st, &ld);
    float *gt = gates + (size_t)t * W;
    if (kind == CELL_GRU) {
      if (hp) dl_gemm(0, 0, N, GH, H, hp, ld, s.wh->value, GH, 0.0f, tmp, GH, n->work);
      else memset(tmp, 0, (size_t)N * GH * sizeof(float));
      dl_bias_rows(N, GH, s.bh->value, tmp);
    } else if (hp) {
      dl_gemm(0, 0, N, GH, H, hp, ld, s.wh->value, GH, 1.0f, gt, T * W, n->work);
    }
    for (int i = 0; i < N; i++) {
      float *a = gt + (size_t)i * T * W, *h = y + ((size_t)i * T + t) * H;
      const float *hpi = hp ? hp + (size_t)i * ld : NULL;
      if (kind == CELL_RNN) {
        dl_vtanh((size_t)H, a, a);
      } else if (kind == CELL_LSTM) {
        float *c = cells + ((size_t)i * T + t) * H;
        const float *cp = prev_c(&s, cells, st, i);
        dl_vsigmoid(2 * (size_t)H, a, a);
        dl_vtanh((size_t)H, a + 2 * H, a + 2 * H);
        dl_vsigmoid((size_t)H, a + 3 * H, a + 3 * H);
        for (int j = 0; j < H; j++) c[j] = (cp ? a[H + j] * cp[j] : 0.0f) + a[j] * a[2 * H + j];
        dl_vtanh((size_t)H, c, h);
        dl_vmul((size_t)H, h, a + 3 * H, h);
      } else {
        const float *gh = tmp + (size_t)i * GH;
        dl_vadd(2 * (size_t)H, a, gh, a);
        dl_vsigmoid(2 * (size_t)H, a, a);
        memcpy(a + 3 * H, gh + 2 * H, (size_t)H * sizeof(float)); /* kept: dr needs it */
        for (int j = 0; j < H; j++) a[2 * H + j] += a[j] * a[3 * H + j];
        dl_vtanh((size_t)H, a + 2 * H, a + 2 * H);
        for (int j = 0; j < H; j++) h[j] = (1.0f - a[H + j]) * a[2 * H + j] + (hpi ? a[H + j] * hpi[j] : 0.0f);
      }
    }
  }
  if (n->iattr[1] == 0 || (n->iattr[1] == 2 && !g->training)) return;
  /* carry: the last step's state becomes the next call's initial state (now, or at the commit) */
  int t = time_at(&s, T - 1), later = n->iattr[1] == 2;
  float *h = later ? to_commit(&s, n->scratch) : s.h0->value, *c = kind != CELL_LSTM ? NULL : later ? h + (size_t)N * H : s.c0->value;
  for (int i = 0; i < N; i++) {
    memcpy(h + (size_t)i * H, y + ((size_t)i * T + t) * H, (size_t)H * sizeof(float));
    if (c) memcpy(c + (size_t)i * H, cells + ((size_t)i * T + t) * H, (size_t)H * sizeof(float));
  }
  if (later) n->pending = 1;
}

/* A stateful layer's accepted training step: its last state becomes the next batch's first. */
static void seq_commit(dl_graph *g, dl_node *n, int kind) {
  seq s = seq_of(g, n, kind);
  int k = fixed_inputs(kind);
  size_t NH = (size_t)s.N * s.H;
  const float *h = to_commit(&s, n->scratch);
  /* the state inputs themselves: seq_of hides them outside training */
  memcpy(dl_input(g, n, k)->value, h, NH * sizeof(float));
  if (kind == CELL_LSTM) memcpy(dl_input(g, n, k + 1)->value, h + NH, NH * sizeof(float));
}

/* ---- backward ---- */

/* dWh += A^T dG over K rows; the GRU's dG rows hold [dr dz dn d(hn)] and Wh's blocks are r z n,
 * so its n block takes the d(hn) columns. */
static void wh_grad(const seq *s, const float *A, int lda, const float *dg, int ldb, int K, float *ws) {
  int H = s->H, GH = s->G * H;
  if (s->kind == CELL_GRU) {
    dl_gemm(1, 0, H, 2 * H, K, A, lda, dg, ldb, 1.0f, s->wh->grad, GH, ws);
    dl_gemm(1, 0, H, H, K, A, lda, dg + 3 * H, ldb, 1.0f, s->wh->grad + 2 * H, GH, ws);
  } else {
    dl_gemm(1, 0, H, GH, K, A, lda, dg, ldb, 1.0f, s->wh->grad, GH, ws);
  }
}

/* dWh = sum over every step of h_{prev}^T dG, as one product over all N*T rows rather than one
 * per step (a product of K = batch rows runs far below GEMM's peak). Rows are (sample, time), so
 * h_prev of row r is the output row before it (after it, backwards): one GEMM of the rows shifted
 * by one, minus the pairs that straddle two samples, plus the initial state's share. (GEMM has no
 * alpha: the straddling rows of dG are negated for the subtraction, then restored.) */
static void recurrent_weight_grad(const seq *s, const float *y, float *dg, int W, float *ws) {
  int N = s->N, T = s->T, H = s->H, rev = s->rev, first = rev ? T - 1 : 0;
  wh_grad(s, y + (rev ? H : 0), H, dg + (rev ? 0 : W), W, N * T - 1, ws);
  if (N > 1) {
    float *wrong = dg + (size_t)(rev ? T - 1 : T) * W; /* rows (n, first) whose neighbour is another sample's */
    for (int i = 0; i < N - 1; i++) dl_vscale((size_t)W, -1.0f, wrong + (size_t)i * T * W, wrong + (size_t)i * T * W);
    wh_grad(s, y + (size_t)(rev ? T : T - 1) * H, T * H, wrong, T * W, N - 1, ws);
    for (int i = 0; i < N - 1; i++) dl_vscale((size_t)W, -1.0f, wrong + (size_t)i * T * W, wrong + (size_t)i * T * W);
  }
  if (s->h0) wh_grad(s, s->h0->value, H, dg + (size_t)first * W, T * W, N, ws);
}
static void seq_backward(dl_graph *g, dl_node *n, int kind) {
  seq s = seq_of(g, n, kind);
  int N = s.N, T = s.T, H = s.H, GH = s.G * H, W = (int)gate_width(&s), D = s.D;
  float *y = n->value, *dy = n->grad;
  /* RNN: the gates' gradients go in scratch (its gates are y); the others overwrite their gates */
  float *dg = n->scratch, *cells = n->scratch + (size_t)N * T * W;
  float *dh = cells + (kind == CELL_LSTM ? (size_t)N * T * H : 0), *dc = dh + (size_t)N * H, *tc = dc + (size_t)N * H;
  memset(dh, 0, 2 * (size_t)N * H * sizeof(float));
  for (int st = T - 1; st >= 0; st--) {
    int t = time_at(&s, st), ld;
    const float *hp = prev_h(&s, y, st, &ld);
    float *gt = dg + (size_t)t * W;
    for (int i = 0; i < N; i++) {
      float *a = gt + (size_t)i * T * W, *dhi = dh + (size_t)i * H;
      const float *dyi = dy + ((size_t)i * T + t) * H, *hi = y + ((size_t)i * T + t) * H;
      const float *hpi = hp ? hp + (size_t)i * ld : NULL;
      if (kind == CELL_RNN) {
        for (int j = 0; j < H; j++) a[j] = (dyi[j] + dhi[j]) * tanh_d(hi[j]);
      } else if (kind == CELL_LSTM) {
        const float *c = cells + ((size_t)i * T + t) * H;
        const float *cp = prev_c(&s, cells, st, i);
        float *dci = dc + (size_t)i * H, *tci = tc + (size_t)i * H;
        dl_vtanh((size_t)H, c, tci);
        for (int j = 0; j < H; j++) {
          float ig = a[j], fg = a[H + j], gg = a[2 * H + j], og = a[3 * H + j], th = tci[j];
          float dhj = dyi[j] + dhi[j], dcj = dci[j] + dhj * og * tanh_d(th);
          a[j] = dcj * gg * sigm_d(ig);
          a[H + j] = cp ? dcj * cp[j] * sigm_d(fg) : 0.0f;
          a[2 * H + j] = dcj * ig * tanh_d(gg);
          a[3 * H + j] = dhj * th * sigm_d(og);
          dci[j] = dcj * fg; /* to c_{t-1} */
        }
      } else {
        for (int j = 0; j < H; j++) {
          float r = a[j], z = a[H + j], nn = a[2 * H + j], hn = a[3 * H + j], hpj = hpi ? hpi[j] : 0.0f;
          float dhj = dyi[j] + dhi[j], dn = dhj * (1.0f - z) * tanh_d(nn);
          a[j] = dn * hn * sigm_d(r);
          a[H + j] = dhj * (hpj - nn) * sigm_d(z);
          a[2 * H + j] = dn;
          a[3 * H + j] = dn * r; /* d(h Whn + bhn) */
          dhi[j] = dhj * z;      /* the direct path to h_{t-1} */
        }
      }
    }
    /* to h_{t-1} through Wh, and Wh's share of this step */
    int need_dh = st > 0 || (s.h0 && s.h0->needs_grad);
    if (kind == CELL_GRU) {
      if (need_dh) {
        dl_gemm(0, 1, N, H, 2 * H, gt, T * W, s.wh->value, GH, 1.0f, dh, H, n->work);
        dl_gemm(0, 1, N, H, H, gt + 3 * H, T * W, s.wh->value + 2 * H, GH, 1.0f, dh, H, n->work);
      }
      if (s.bh->needs_grad)
        for (int i = 0; i < N; i++) {
          const float *a = gt + (size_t)i * T * W;
          dl_vadd(2 * (size_t)H, s.bh->grad, a, s.bh->grad);
          dl_vadd((size_t)H, s.bh->grad + 2 * H, a + 3 * H, s.bh->grad + 2 * H);
        }
    } else {
      if (need_dh) dl_gemm(0, 1, N, H, GH, gt, T * W, s.wh->value, GH, 0.0f, dh, H, n->work);
    }
  }
  if (s.wh->needs_grad) recurrent_weight_grad(&s, y, dg, W, n->work);
  if (s.h0 && s.h0->needs_grad) dl_vadd((size_t)N * H, s.h0->grad, dh, s.h0->grad);
  if (s.c0 && s.c0->needs_grad) dl_vadd((size_t)N * H, s.c0->grad, dc, s.c0->grad);
  if (s.x->needs_grad) dl_gemm(0, 1, N * T, D, GH, dg, W, s.wx->value, GH, 1.0f, s.x->grad, D, n->work);
  if (s.wx->needs_grad) dl_gemm(1, 0, D, GH, N * T, s.x->value, D, dg, W, 1.0f, s.wx->grad, GH, n->work);
  if (s.b->needs_grad)
    for (size_t r = 0; r < (size_t)N * T; r++) dl_vadd((size_t)GH, s.b->grad, dg + r * W, s.b->grad);
}

#define SEQ_OP(name, KIND)                                                                            \
  static dl_status name##_infer(dl_graph *g, dl_node *n) { return seq_infer(g, n, KIND); }            \
  static void name##_forward(dl_graph *g, dl_node *n) { seq_forward(g, n, KIND); }                    \
  static void name##_backward(dl_graph *g, dl_node *n) { seq_backward(g, n, KIND); }                  \
  static void name##_commit(dl_graph *g, dl_node *n) { seq_commit(g, n, KIND); }                      \
  DL_DEFINE_OP_COMMIT(name)
SEQ_OP(rnn, CELL_RNN);
SEQ_OP(lstm, CELL_LSTM);
SEQ_OP(gru, CELL_GRU);

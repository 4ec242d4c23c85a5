/* test_ops_seq.c: embedding, one_hot (seq.c); rnn, lstm, gru (rnn.c); attention, matmul,
 * permute (attn.c); dense per position and cross-entropy per position. Forward results are
 * compared with plain loops written from the formulas, backward with finite differences. */
#include <math.h>
#include "test_ops.h"

/* The per-sample shape of node id is exactly the given one. */
static int has_shape(dl_graph *g, int32_t id, int nd, const int32_t *want) {
  int32_t n, shape[DL_MAX_DIMS], batched;
  if (dl_graph_shape(g, id, &n, shape, &batched) || n != nd + 1) return 0;
  for (int i = 0; i < nd; i++)
    if (shape[i + 1] != want[i]) return 0;
  return 1;
}

static void fill_ids(dl_graph *g, int32_t id, int V, unsigned seed) {
  size_t n;
  float *v = gc_data(g, id, &n);
  for (size_t i = 0; i < n; i++) v[i] = (float)((i * 7 + seed * 13 + i * i) % (size_t)V);
}

static void test_embedding_gathers_rows_and_scatters_gradients(void) {
  dl_graph *g = new_graph();
  int32_t ids = gc_input(g, "ids", 1, SHAPE(5)), w = gc_param(g, "w", 2, SHAPE(4, 3));
  int32_t y = gc_op(g, "embedding", 2, IDS(ids, w), 0, NULL, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, y, 2, 3);
  float *iv = gc_data(g, ids, NULL);
  float want_ids[] = {0, 3, 3, 1, 2, 2, 2, 0, 1, 3}; /* repeats: their gradients add up */
  memcpy(iv, want_ids, sizeof want_ids);
  CHECK(gc_run(&gc, &w, 1) == 0);
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL), *wv = gc_data(g, w, NULL);
  for (int i = 0; i < 10; i++)
    for (int d = 0; d < 3; d++) CHECK(o[i * 3 + d] == wv[(int)want_ids[i] * 3 + d]);
  iv[7] = 4;
  CHECK_ERR(dl_graph_forward(g, y), DL_ERR_ARG, "token 4 at position 2 of sample 1 is not in the vocabulary [0, 4)");
  iv[7] = -1;
  CHECK_ERR(dl_graph_forward(g, y), DL_ERR_ARG, "token -1");
  dl_graph_destroy(g);
}

static void test_one_hot_feeds_a_dense_layer(void) {
  dl_graph *g = new_graph();
  int32_t ids = gc_input(g, "ids", 1, SHAPE(3)), w = gc_param(g, "w", 2, SHAPE(5, 2)), depth = 5, per = 1;
  int32_t h = gc_op(g, "one_hot", 1, &ids, 1, &depth, 0, NULL);
  int32_t y = gc_op(g, "dense", 2, IDS(h, w), 2, IDS(0, per), 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, y, 2, 4);
  fill_ids(g, ids, 5, 1);
  CHECK(gc_run(&gc, &w, 1) == 0);
  CHECK_OK(dl_graph_forward(g, h));
  float *iv = gc_data(g, ids, NULL), *o = gc_data(g, h, NULL);
  for (int i = 0; i < 6; i++)
    for (int k = 0; k < 5; k++) CHECK(o[i * 5 + k] == (k == (int)iv[i] ? 1.0f : 0.0f));
  dl_graph_destroy(g);
}

static void test_dense_per_position_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 2, SHAPE(4, 3)), w = gc_param(g, "w", 2, SHAPE(3, 5)), b = gc_param(g, "b", 1, SHAPE(5));
  int32_t y = gc_op(g, "dense", 3, IDS(x, w, b), 2, IDS(0, 1), 0, NULL);
  CHECK(has_shape(g, y, 2, SHAPE(4, 5)));
  GRADCHECK(g, y, 2, x, w, b);
  dl_graph_destroy(g);
}

static void test_softmax_ce_per_position_with_weights(void) {
  dl_graph *g = new_graph();
  int32_t z = gc_input(g, "z", 2, SHAPE(3, 4)), t = gc_input(g, "t", 1, SHAPE(3)), w = gc_input(g, "w", 1, SHAPE(3));
  int32_t l = gc_op(g, "softmax_ce", 3, IDS(z, t, w), 0, NULL, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, l, 2, 5);
  fill_ids(g, t, 4, 2);
  float wv[] = {1, 0, 2, 0.5f, 1, 0}, *tv = gc_data(g, t, NULL), *zv = gc_data(g, z, NULL);
  memcpy(gc_data(g, w, NULL), wv, sizeof wv);
  CHECK(gc_run(&gc, &z, 1) == 0);
  CHECK_OK(dl_graph_forward(g, l));
  double num = 0, den = 0;
  for (int r = 0; r < 6; r++) {
    double lse = 0;
    for (int k = 0; k < 4; k++) lse += exp(zv[r * 4 + k]);
    num += wv[r] * (log(lse) - zv[r * 4 + (int)tv[r]]), den += wv[r];
  }
  CHECK_NEAR(gc_data(g, l, NULL)[0], num / den, 1e-5);
  tv[4] = 4;
  CHECK_ERR(dl_graph_forward(g, l), DL_ERR_ARG, "label 4 at position 1 of sample 1 is not a class in [0, 4)");
  dl_graph_destroy(g);
}

/* ---- recurrent layers against loops written from the formulas ---- */
static float sg(float x) { return 1.0f / (1.0f + expf(-x)); }

/* h[N,T,H] for kind 0 rnn, 1 lstm, 2 gru, running forwards or backwards, zero initial state. */
static void seq_reference(int kind, int rev, int N, int T, int D, int H, const float *x, const float *wx, const float *wh, const float *b,
                          const float *bh, float *out) {
  int G = kind == 0 ? 1 : kind == 1 ? 4 : 3;
  for (int i = 0; i < N; i++) {
    float h[16] = {0}, c[16] = {0}, a[64], ah[64];
    for (int s = 0; s < T; s++) {
      int t = rev ? T - 1 - s : s;
      for (int j = 0; j < G * H; j++) {
        a[j] = b[j], ah[j] = bh ? bh[j] : 0;
        for (int d = 0; d < D; d++) a[j] += x[(i * T + t) * D + d] * wx[d * G * H + j];
        for (int k = 0; k < H; k++) ah[j] += h[k] * wh[k * G * H + j];
      }
      for (int j = 0; j < H; j++) {
        if (kind == 0) h[j] = tanhf(a[j] + ah[j]);
        if (kind == 1) {
          float ig = sg(a[j] + ah[j]), fg = sg(a[H + j] + ah[H + j]), gg = tanhf(a[2 * H + j] + ah[2 * H + j]), og = sg(a[3 * H + j] + ah[3 * H + j]);
          c[j] = fg * c[j] + ig * gg;
          h[j] = og * tanhf(c[j]);
        }
      }
      if (kind == 2) {
        float hn[16];
        for (int j = 0; j < H; j++) {
          float r = sg(a[j] + ah[j]), z = sg(a[H + j] + ah[H + j]), nn = tanhf(a[2 * H + j] + r * ah[2 * H + j]);
          hn[j] = (1 - z) * nn + z * h[j];
        }
        memcpy(h, hn, sizeof hn);
      }
      memcpy(out + (i * T + t) * H, h, (size_t)H * sizeof(float));
    }
  }
}

static void test_recurrent_forward_matches_the_formulas(void) {
  static const char *const ops[] = {"rnn", "lstm", "gru"};
  for (int kind = 0; kind < 3; kind++)
    for (int rev = 0; rev < 2; rev++) {
      int N = 3, T = 5, D = 4, H = 3, G = kind == 0 ? 1 : kind == 1 ? 4 : 3;
      dl_graph *g = new_graph();
      int32_t x = gc_input(g, "x", 2, SHAPE(T, D)), wx = gc_param(g, "wx", 2, SHAPE(D, G * H)), wh = gc_param(g, "wh", 2, SHAPE(H, G * H));
      int32_t b = gc_param(g, "b", 1, SHAPE(G * H)), bh = gc_param(g, "bh", 1, SHAPE(G * H));
      int32_t y = gc_op(g, ops[kind], kind == 2 ? 5 : 4, IDS(x, wx, wh, b, bh), 1, &rev, 0, NULL);
      CHECK_OK(dl_graph_plan_inference(g, N));
      CHECK_OK(dl_graph_set_training(g, 0));
      for (int32_t i = 0; i < 5; i++) gc_fill(g, i, -1, 1, 10 + (unsigned)i);
      CHECK_OK(dl_graph_forward(g, y));
      float want[3 * 5 * 3];
      seq_reference(kind, rev, N, T, D, H, gc_data(g, x, NULL), gc_data(g, wx, NULL), gc_data(g, wh, NULL), gc_data(g, b, NULL),
                    kind == 2 ? gc_data(g, bh, NULL) : NULL, want);
      float *o = gc_data(g, y, NULL);
      int bad = 0;
      for (int i = 0; i < N * T * H; i++) bad += fabsf(o[i] - want[i]) > 2e-6f;
      if (bad) printf("  %s reverse %d: %d values differ from the formulas\n", ops[kind], rev, bad);
      CHECK(bad == 0);
      dl_graph_destroy(g);
    }
}

static void test_recurrent_backward_matches_numeric(void) {
  static const char *const ops[] = {"rnn", "lstm", "gru"};
  for (int kind = 0; kind < 3; kind++)
    for (int rev = 0; rev < 2; rev++) {
      int T = 4, D = 3, H = 3, G = kind == 0 ? 1 : kind == 1 ? 4 : 3;
      dl_graph *g = new_graph();
      int32_t x = gc_input(g, "x", 2, SHAPE(T, D)), wx = gc_param(g, "wx", 2, SHAPE(D, G * H)), wh = gc_param(g, "wh", 2, SHAPE(H, G * H));
      int32_t b = gc_param(g, "b", 1, SHAPE(G * H)), bh = gc_param(g, "bh", 1, SHAPE(G * H));
      int32_t h0 = gc_input(g, "h0", 1, SHAPE(H)), c0 = gc_input(g, "c0", 1, SHAPE(H));
      int nfix = kind == 2 ? 5 : 4;
      int32_t in[7] = {x, wx, wh, b, kind == 2 ? bh : h0, kind == 2 ? h0 : c0, 0};
      int nin = kind == 1 ? 6 : nfix + 1;
      int32_t y = gc_op(g, ops[kind], nin, in, 1, &rev, 0, NULL);
      gradcheck gc;
      gc_setup(&gc, g, y, 2, 20 + (unsigned)kind);
      int bad = gc_run(&gc, in, nin);
      if (bad) printf("  %s reverse %d\n", ops[kind], rev);
      CHECK(bad == 0);
      dl_graph_destroy(g);
    }
}

static void test_recurrent_layers_reject_wrong_shapes(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 2, SHAPE(5, 4)), wx = gc_param(g, "wx", 2, SHAPE(4, 12)), wh = gc_param(g, "wh", 2, SHAPE(3, 12));
  int32_t b = gc_param(g, "b", 1, SHAPE(12)), flat = gc_input(g, "flat", 1, SHAPE(4)), wh9 = gc_param(g, "wh9", 2, SHAPE(3, 9)), id;
  CHECK_OK(dl_graph_op(g, "lstm", "l", 4, IDS(x, wx, wh, b), 0, NULL, 0, NULL, &id));
  CHECK_ERR(dl_graph_op(g, "lstm", "l2", 4, IDS(x, wx, wh9, b), 0, NULL, 0, NULL, &id), DL_ERR_SHAPE, "lstm 'l2': Wh is [3, 9], expected [3, 12]");
  CHECK_ERR(dl_graph_op(g, "gru", "r", 4, IDS(x, wx, wh, b), 0, NULL, 0, NULL, &id), DL_ERR_ARG, "4 inputs given, expected 5");
  CHECK_ERR(dl_graph_op(g, "rnn", "r", 4, IDS(flat, wx, wh, b), 0, NULL, 0, NULL, &id), DL_ERR_SHAPE, "sequence [steps, features]");
  dl_graph_destroy(g);
}

/* ---- attention ---- */
static void attention_reference(int T, int S, int D, int heads, int causal, const float *q, const float *k, const float *v, const float *mask,
                                float *out) {
  int dh = D / heads;
  for (int h = 0; h < heads; h++)
    for (int t = 0; t < T; t++) {
      double sc[16], m = -1e30, sum = 0;
      for (int s = 0; s < S; s++) {
        int ok = (!causal || s <= t + S - T) && (!mask || mask[s] != 0);
        sc[s] = -1e30;
        if (!ok) continue;
        sc[s] = 0;
        for (int d = 0; d < dh; d++) sc[s] += (double)q[t * D + h * dh + d] * k[s * D + h * dh + d];
        sc[s] /= sqrt((double)dh);
        m = sc[s] > m ? sc[s] : m;
      }
      for (int s = 0; s < S; s++) sc[s] = sc[s] > -1e29 ? exp(sc[s] - m) : 0, sum += sc[s];
      for (int d = 0; d < dh; d++) {
        double o = 0;
        for (int s = 0; s < S; s++) o += sc[s] / sum * v[s * D + h * dh + d];
        out[t * D + h * dh + d] = (float)o;
      }
    }
}

static void test_attention_matches_the_formula(void) {
  for (int form = 0; form < 3; form++) { /* plain, causal, causal with more keys than queries and a padding mask */
    int T = form == 2 ? 3 : 5, S = 5, D = 8, heads = 2, causal = form > 0, N = 2;
    dl_graph *g = new_graph();
    int32_t q = gc_input(g, "q", 2, SHAPE(T, D)), k = gc_input(g, "k", 2, SHAPE(S, D)), v = gc_input(g, "v", 2, SHAPE(S, D));
    int32_t m = gc_input(g, "m", 1, SHAPE(S));
    int32_t y = gc_op(g, "attention", form == 2 ? 4 : 3, IDS(q, k, v, m), 2, IDS(heads, causal), 0, NULL);
    CHECK_OK(dl_graph_plan(g, N));
    for (int32_t i = 0; i < 3; i++) gc_fill(g, i, -2, 2, 30 + (unsigned)i);
    float mv[] = {1, 0, 1, 1, 1, 1, 1, 1, 0, 1};
    memcpy(gc_data(g, m, NULL), mv, sizeof mv);
    CHECK_OK(dl_graph_forward(g, y));
    float want[5 * 8], *o = gc_data(g, y, NULL);
    int bad = 0;
    for (int i = 0; i < N; i++) {
      attention_reference(T, S, D, heads, causal, gc_data(g, q, NULL) + i * T * D, gc_data(g, k, NULL) + i * S * D, gc_data(g, v, NULL) + i * S * D,
                          form == 2 ? mv + i * S : NULL, want);
      for (int j = 0; j < T * D; j++) bad += fabsf(o[i * T * D + j] - want[j]) > 1e-5f;
    }
    CHECK(bad == 0);
    dl_graph_destroy(g);
  }
}

static void test_attention_backward_matches_numeric(void) {
  for (int form = 0; form < 3; form++) {
    int T = form == 2 ? 2 : 4, S = 4, D = 6, heads = form == 1 ? 3 : 2, causal = form > 0;
    dl_graph *g = new_graph();
    int32_t q = gc_input(g, "q", 2, SHAPE(T, D)), k = gc_input(g, "k", 2, SHAPE(S, D)), v = gc_input(g, "v", 2, SHAPE(S, D));
    int32_t m = gc_input(g, "m", 1, SHAPE(S));
    int32_t y = gc_op(g, "attention", form == 2 ? 4 : 3, IDS(q, k, v, m), 2, IDS(heads, causal), 0, NULL);
    gradcheck gc;
    gc_setup(&gc, g, y, 2, 40 + (unsigned)form);
    float mv[] = {1, 1, 0, 1, 0, 1, 1, 1};
    memcpy(gc_data(g, m, NULL), mv, sizeof mv);
    CHECK(gc_run(&gc, IDS(q, k, v), 3) == 0);
    dl_graph_destroy(g);
  }
}

/* A whole pre-LN attention block: layer norm, q/k/v projections per position, causal attention,
 * the output projection and the residual sum. */
static void test_attention_block_backward_matches_numeric(void) {
  int T = 4, D = 4;
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 2, SHAPE(T, D)), ga = gc_param(g, "ga", 1, SHAPE(D)), be = gc_param(g, "be", 1, SHAPE(D));
  int32_t w[4], b[4], p[4];
  for (int i = 0; i < 4; i++) {
    char nw[16], nb[16];
    snprintf(nw, sizeof nw, "w%d", i), snprintf(nb, sizeof nb, "b%d", i);
    w[i] = gc_param(g, nw, 2, SHAPE(D, D)), b[i] = gc_param(g, nb, 1, SHAPE(D));
  }
  int32_t one = 1;
  float f[2] = {0, 1e-5f};
  int32_t ln = gc_op(g, "layernorm", 3, IDS(x, ga, be), 1, &one, 2, f);
  for (int i = 0; i < 3; i++) p[i] = gc_op(g, "dense", 3, IDS(ln, w[i], b[i]), 2, IDS(0, 1), 0, NULL);
  int32_t a = gc_op(g, "attention", 3, IDS(p[0], p[1], p[2]), 2, IDS(2, 1), 0, NULL);
  int32_t o = gc_op(g, "dense", 3, IDS(a, w[3], b[3]), 2, IDS(0, 1), 0, NULL);
  int32_t y = gc_op(g, "add", 2, IDS(o, x), 0, NULL, 0, NULL);
  GRADCHECK(g, y, 2, x, ga, be, w[0], w[1], w[2], w[3], b[0], b[3]);
  dl_graph_destroy(g);
}

static void test_matmul_and_permute_match_numeric(void) {
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      dl_graph *g = new_graph();
      int32_t a = gc_input(g, "a", 3, ta ? SHAPE(2, 4, 3) : SHAPE(2, 3, 4)), b = gc_input(g, "b", 3, tb ? SHAPE(2, 5, 4) : SHAPE(2, 4, 5));
      int32_t y = gc_op(g, "matmul", 2, IDS(a, b), 2, IDS(ta, tb), 0, NULL);
      CHECK(has_shape(g, y, 3, SHAPE(2, 3, 5)));
      GRADCHECK(g, y, 2, a, b);
      dl_graph_destroy(g);
    }
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 2, SHAPE(3, 4)), b = gc_param(g, "b", 2, SHAPE(4, 2));
  int32_t y = gc_op(g, "matmul", 2, IDS(a, b), 2, IDS(0, 0), 0, NULL);
  GRADCHECK(g, y, 3, a, b); /* one matrix shared by every sample */
  dl_graph_destroy(g);
  g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, 3, 4));
  int32_t pm = gc_op(g, "permute", 1, &x, 3, IDS(3, 1, 2), 0, NULL);
  CHECK(has_shape(g, pm, 3, SHAPE(4, 2, 3)));
  CHECK_OK(dl_graph_plan(g, 2));
  gc_fill(g, x, -1, 1, 3);
  CHECK_OK(dl_graph_forward(g, pm));
  float *xv = gc_data(g, x, NULL), *pv = gc_data(g, pm, NULL);
  int bad = 0;
  for (int n = 0; n < 2; n++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        for (int k = 0; k < 4; k++) bad += pv[n * 24 + (k * 2 + i) * 3 + j] != xv[n * 24 + (i * 3 + j) * 4 + k];
  CHECK(bad == 0);
  dl_graph_destroy(g);
  g = new_graph();
  x = gc_input(g, "x", 3, SHAPE(2, 3, 4));
  pm = gc_op(g, "permute", 1, &x, 3, IDS(2, 3, 1), 0, NULL);
  GRADCHECK(g, pm, 2, x);
  int32_t id;
  CHECK_ERR(dl_graph_op(g, "permute", "p", 1, &x, 3, IDS(1, 1, 2), 0, NULL, &id), DL_ERR_ARG, "an order of 1..3");
  dl_graph_destroy(g);
}

/* A tanh RNN unrolled by hand, one node per step: select x_t, h_t = tanh(x_t Wx + b + h_(t-1) Wh),
 * then stack the T step outputs (more than the old limit of 8 inputs) into a sequence. It must
 * equal the fused rnn op, and its gradients the finite differences. */
static int32_t unrolled_rnn(dl_graph *g, int T, int32_t x, int32_t wx, int32_t wh, int32_t b) {
  int32_t steps[16], h = -1;
  for (int t = 0; t < T; t++) {
    int32_t xt = gc_op(g, "select", 1, &x, 2, IDS(1, t), 0, NULL);
    int32_t a = gc_op(g, "dense", 3, IDS(xt, wx, b), 0, NULL, 0, NULL);
    if (h >= 0) a = gc_op(g, "add", 2, IDS(a, gc_op(g, "dense", 2, IDS(h, wh), 0, NULL, 0, NULL)), 0, NULL, 0, NULL);
    steps[t] = h = gc_op(g, "tanh", 1, &a, 0, NULL, 0, NULL);
  }
  return gc_op(g, "stack", T, steps, 1, IDS(1), 0, NULL);
}

static void test_stack_and_select_unroll_an_rnn(void) {
  int T = 12, D = 3, H = 2;
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 2, SHAPE(T, D)), wx = gc_param(g, "wx", 2, SHAPE(D, H)), wh = gc_param(g, "wh", 2, SHAPE(H, H));
  int32_t b = gc_param(g, "b", 1, SHAPE(H));
  int32_t fused = gc_op(g, "rnn", 4, IDS(x, wx, wh, b), 0, NULL, 0, NULL), y = unrolled_rnn(g, T, x, wx, wh, b);
  CHECK(has_shape(g, y, 2, SHAPE(T, H)));
  gradcheck gc;
  gc_setup(&gc, g, y, 2, 7);
  CHECK(gc_run(&gc, IDS(x, wx, wh, b), 4) == 0);
  float f[2 * 12 * 2], *u;
  CHECK_OK(dl_graph_forward(g, fused));
  memcpy(f, gc_data(g, fused, NULL), sizeof f); /* (the plan may give its memory to later nodes) */
  CHECK_OK(dl_graph_forward(g, y));
  u = gc_data(g, y, NULL);
  int bad = 0;
  for (int i = 0; i < 2 * T * H; i++) bad += fabsf(f[i] - u[i]) > 1e-6f;
  CHECK(bad == 0);
  int32_t id, two[2] = {x, b};
  CHECK_ERR(dl_graph_op(g, "stack", "s", 2, two, 1, IDS(1), 0, NULL, &id), DL_ERR_SHAPE, "must be alike");
  CHECK_ERR(dl_graph_op(g, "select", "s", 1, &x, 2, IDS(1, T), 0, NULL, &id), DL_ERR_ARG, "index 12 outside axis 1");
  CHECK_ERR(dl_graph_op(g, "select", "s", 1, &x, 2, IDS(3, 0), 0, NULL, &id), DL_ERR_ARG, "axis 3 out of range");
  dl_graph_destroy(g);
  /* a new last axis, and a select along it, undo each other */
  g = new_graph();
  x = gc_input(g, "x", 2, SHAPE(2, 3));
  int32_t z = gc_input(g, "z", 2, SHAPE(2, 3));
  int32_t s = gc_op(g, "stack", 2, IDS(x, z), 1, IDS(3), 0, NULL), back = gc_op(g, "select", 1, &s, 2, IDS(3, 1), 0, NULL);
  CHECK(has_shape(g, s, 3, SHAPE(2, 3, 2)));
  CHECK_OK(dl_graph_plan(g, 2));
  gc_fill(g, x, -1, 1, 3);
  gc_fill(g, z, -1, 1, 4);
  CHECK_OK(dl_graph_forward(g, back));
  CHECK(memcmp(gc_data(g, back, NULL), gc_data(g, z, NULL), 12 * sizeof(float)) == 0);
  GRADCHECK(g, s, 2, x, z);
  dl_graph_destroy(g);
}

void run_seq_tests(void) {
  RUN(test_embedding_gathers_rows_and_scatters_gradients);
  RUN(test_one_hot_feeds_a_dense_layer);
  RUN(test_dense_per_position_matches_numeric);
  RUN(test_softmax_ce_per_position_with_weights);
  RUN(test_recurrent_forward_matches_the_formulas);
  RUN(test_recurrent_backward_matches_numeric);
  RUN(test_recurrent_layers_reject_wrong_shapes);
  RUN(test_attention_matches_the_formula);
  RUN(test_attention_backward_matches_numeric);
  RUN(test_attention_block_backward_matches_numeric);
  RUN(test_matmul_and_permute_match_numeric);
  RUN(test_stack_and_select_unroll_an_rnn);
}

/* test_ops_gnn.c: graph_conv and graph_attention (gnn.c). Forward results are compared with
 * the formulas written out in double over a small directed, weighted graph (one self-loop given,
 * the others added), backward with finite differences; bad adjacencies are named. */
#include <math.h>
#include "test_ops.h"

enum { N = 5, F = 3 };

/* Two graphs: a path 0-1-2-3 with node 4 joined to 1 (sample 0), and a directed weighted one
 * with its own self-loop at node 2 (sample 1). */
static void fill_adjacency(float *a, int samples) {
  static const float path[N * N] = {0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
  static const float directed[N * N] = {0, 2, 0, 0, 0.5f, 0, 0, 1, 0, 0, 1, 0, 3, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0.25f, 0};
  memcpy(a, path, sizeof path);
  if (samples > 1) memcpy(a + N * N, directed, sizeof directed);
}

/* Ã: the adjacency with a self-loop where its diagonal is 0. */
static double tilde(const float *a, int i, int j) { return i == j && a[i * N + j] == 0.0f ? 1.0 : a[i * N + j]; }

static void test_graph_conv_matches_the_normalizations(void) {
  for (int32_t norm = 0; norm < 3; norm++) {
    dl_graph *g = new_graph();
    int32_t x = gc_input(g, "x", 2, SHAPE(N, F)), adj = gc_input(g, "adj", 2, SHAPE(N, N));
    int32_t y = gc_op(g, "graph_conv", 2, IDS(x, adj), 1, &norm, 0, NULL);
    gradcheck gc;
    gc_setup(&gc, g, y, 2, 5 + (unsigned)norm);
    float *a = gc_data(g, adj, NULL);
    fill_adjacency(a, 2);
    CHECK(gc_run(&gc, &x, 1) == 0);
    CHECK_OK(dl_graph_forward(g, y));
    const float *xv = gc_data(g, x, NULL), *yv = gc_data(g, y, NULL);
    for (int b = 0; b < 2; b++) {
      const float *ab = a + b * N * N;
      double deg[N];
      for (int i = 0; i < N; i++) {
        deg[i] = 0;
        for (int j = 0; j < N; j++) deg[i] += tilde(ab, i, j);
      }
      for (int i = 0; i < N; i++)
        for (int f = 0; f < F; f++) {
          double want = 0;
          for (int j = 0; j < N; j++) {
            double w = tilde(ab, i, j) * (norm == 0 ? 1 / sqrt(deg[i] * deg[j]) : norm == 1 ? 1 / deg[i] : 1);
            want += w * xv[(b * N + j) * F + f];
          }
          CHECK_NEAR(yv[(b * N + i) * F + f], want, 1e-5);
        }
    }
    dl_graph_destroy(g);
  }
}

static void test_graph_conv_shares_one_adjacency_and_names_bad_ones(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 2, SHAPE(N, F)), adj, norm = 0, y;
  CHECK_OK(dl_graph_input(g, "adj", 2, SHAPE(N, N), 0, &adj));
  y = gc_op(g, "graph_conv", 2, IDS(x, adj), 1, &norm, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, y, 3, 9);
  float *a = gc_data(g, adj, NULL);
  fill_adjacency(a, 1);
  CHECK(gc_run(&gc, &x, 1) == 0);
  CHECK_OK(dl_graph_forward(g, y));
  /* one shared graph: samples with equal features give equal outputs */
  float *xv = gc_data(g, x, NULL), *yv = gc_data(g, y, NULL);
  memcpy(xv + 2 * N * F, xv, N * F * sizeof(float));
  CHECK_OK(dl_graph_forward(g, y));
  for (int k = 0; k < N * F; k++) CHECK(yv[2 * N * F + k] == yv[k]);
  a[7] = -1;
  CHECK_ERR(dl_graph_forward(g, y), DL_ERR_ARG, "adjacency entry (1, 2) of sample 0 is -1: entries must be finite and >= 0");
  a[7] = NAN;
  CHECK_ERR(dl_graph_forward(g, y), DL_ERR_ARG, "adjacency entry (1, 2)");
  a[7] = 1;
  CHECK_OK(dl_graph_forward(g, y));
  int32_t wrong = gc_input(g, "wrong", 2, SHAPE(N, N + 1)), bad = 3, out;
  CHECK_ERR(dl_graph_op(g, "graph_conv", NULL, 2, IDS(x, wrong), 0, NULL, 0, NULL, &out), DL_ERR_SHAPE, "adjacency is 5x6: expected [5, 5] for 5 nodes");
  CHECK_ERR(dl_graph_op(g, "graph_conv", NULL, 2, IDS(x, adj), 1, &bad, 0, NULL, &out), DL_ERR_ARG, "normalization 3");
  dl_graph_destroy(g);
}

static void test_graph_attention_matches_the_formula(void) {
  dl_graph *g = new_graph();
  int32_t h = gc_input(g, "h", 2, SHAPE(N, F)), adj = gc_input(g, "adj", 2, SHAPE(N, N));
  int32_t as = gc_param(g, "a_self", 1, SHAPE(F)), an = gc_param(g, "a_nbr", 1, SHAPE(F));
  float slope = 0.1f;
  int32_t y = gc_op(g, "graph_attention", 4, IDS(h, adj, as, an), 0, NULL, 1, &slope);
  gradcheck gc;
  gc_setup(&gc, g, y, 2, 21);
  float *a = gc_data(g, adj, NULL);
  fill_adjacency(a, 2);
  CHECK(gc_run(&gc, IDS(h, as, an), 3) == 0);
  CHECK_OK(dl_graph_forward(g, y));
  const float *hv = gc_data(g, h, NULL), *asv = gc_data(g, as, NULL), *anv = gc_data(g, an, NULL), *yv = gc_data(g, y, NULL);
  float *alpha;
  size_t na;
  CHECK_OK(dl_graph_tensor(g, y, 2, &alpha, &na));
  CHECK(na >= 2 * (size_t)N * N);
  for (int b = 0; b < 2; b++) {
    const float *ab = a + b * N * N, *hb = hv + b * N * F;
    const float *P = alpha + b * (2 * N * N + 4 * N); /* each sample's scratch starts with its α */
    for (int i = 0; i < N; i++) {
      double e[N], top = -INFINITY, sum = 0;
      for (int j = 0; j < N; j++) {
        double z = 0;
        for (int f = 0; f < F; f++) z += (double)asv[f] * hb[i * F + f] + (double)anv[f] * hb[j * F + f];
        e[j] = tilde(ab, i, j) > 0 ? (z > 0 ? z : slope * z) : -INFINITY;
        top = fmax(top, e[j]);
      }
      for (int j = 0; j < N; j++) sum += (e[j] = e[j] == -INFINITY ? 0 : exp(e[j] - top));
      for (int j = 0; j < N; j++) CHECK_NEAR(P[i * N + j], e[j] / sum, 1e-6);
      for (int f = 0; f < F; f++) {
        double want = 0;
        for (int j = 0; j < N; j++) want += e[j] / sum * hb[j * F + f];
        CHECK_NEAR(yv[(b * N + i) * F + f], want, 1e-5);
      }
    }
  }
  float *v;
  size_t nv;
  CHECK_ERR(dl_graph_tensor(g, h, 2, &v, &nv), DL_ERR_ARG, "keeps no scratch");
  int32_t short_a = gc_param(g, "short", 1, SHAPE(F - 1)), out;
  CHECK_ERR(dl_graph_op(g, "graph_attention", NULL, 4, IDS(h, adj, short_a, an), 0, NULL, 0, NULL, &out), DL_ERR_SHAPE, "a_self is 2: expected one vector [3]");
  dl_graph_destroy(g);
}

void run_gnn_tests(void) {
  test_graph_conv_matches_the_normalizations();
  test_graph_conv_shares_one_adjacency_and_names_bad_ones();
  test_graph_attention_matches_the_formula();
}

/* test_optim.c: optimizers, penalties, clipping and the training step, against references
 * written in double straight from the update rules in optim.c. */
#include "check.h"
#include "dl.h"

#define LR 0.1
/* float storage and float arithmetic in the core against double here */
#define CHECK_REL(got, want) CHECK_NEAR((got), (want), 1e-6 * fmax(1.0, fabs(want)))

static const double W0[3] = {0.5, -1.0, 2.0};
static const double G[3][3] = {{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.25}, {0.05, 0.6, -0.35}};

/* A graph of `np` params "p0".. of shape [3], every one starting at W0. */
typedef struct {
  dl_graph *g;
  int32_t id[3];
  float *w[3], *gr[3];
} fixture;

static fixture make(int np, const int32_t *flags) {
  fixture f;
  memset(&f, 0, sizeof f);
  const int32_t shape[1] = {3};
  CHECK_OK(dl_graph_create(&f.g, 1));
  for (int i = 0; i < np; i++) {
    char name[8] = {'p', (char)('0' + i), 0};
    CHECK_OK(dl_graph_param(f.g, name, 1, shape, flags[i], &f.id[i]));
  }
  CHECK_OK(dl_graph_plan(f.g, 1));
  for (int i = 0; i < np; i++) {
    size_t n;
    CHECK_OK(dl_graph_tensor(f.g, f.id[i], 0, &f.w[i], &n));
    CHECK_OK(dl_graph_tensor(f.g, f.id[i], 1, &f.gr[i], &n));
    for (int k = 0; k < 3; k++) f.w[i][k] = (float)W0[k];
  }
  return f;
}

static fixture make1(void) { return make(1, (const int32_t[]){DL_PARAM_TRAINABLE | DL_PARAM_DECAY}); }

static void set3(float *dst, double a, double b, double c) { dst[0] = (float)a, dst[1] = (float)b, dst[2] = (float)c; }

static dl_optim *optim(dl_graph *g, const char *type, int32_t group) {
  dl_optim *o = NULL;
  CHECK_OK(dl_optim_create(&o, g, type, group));
  return o;
}

/* One element's update in double: w, first and second state, gradient, step t from 1. */
typedef void (*rule_fn)(double *w, double *s1, double *s2, double g, int t);

/* Three steps of `type` (options already set by `opts`) against `rule`. */
static void check_three_steps(const char *type, void (*opts)(dl_optim *), rule_fn rule) {
  fixture f = make1();
  dl_optim *o = optim(f.g, type, -1);
  if (opts) opts(o);
  double w[3], s1[3] = {0}, s2[3] = {0};
  memcpy(w, W0, sizeof w);
  for (int t = 1; t <= 3; t++) {
    set3(f.gr[0], G[t - 1][0], G[t - 1][1], G[t - 1][2]);
    CHECK_OK(dl_optim_step(o, (float)LR));
    for (int k = 0; k < 3; k++) {
      rule(&w[k], &s1[k], &s2[k], (double)(float)G[t - 1][k], t);
      CHECK_REL(f.w[0][k], w[k]);
    }
  }
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void sgd_rule(double *w, double *s1, double *s2, double g, int t) {
  (void)s1, (void)s2, (void)t;
  *w -= LR * g;
}
static void momentum_rule(double *w, double *v, double *s2, double g, int t) {
  (void)s2, (void)t;
  *v = 0.5 * *v + g;
  *w -= LR * *v;
}
static void nesterov_rule(double *w, double *v, double *s2, double g, int t) {
  (void)s2, (void)t;
  *v = 0.5 * *v + g;
  *w -= LR * (g + 0.5 * *v);
}
static void rmsprop_rule(double *w, double *s, double *s2, double g, int t) {
  (void)s2, (void)t;
  *s = 0.75 * *s + 0.25 * g * g;
  *w -= LR * g / (sqrt(*s) + 0.01);
}
static void adagrad_rule(double *w, double *s, double *s2, double g, int t) {
  (void)s2, (void)t;
  *s += g * g;
  *w -= LR * g / (sqrt(*s) + 0.01);
}
/* adam at the defaults b1 = 0.9, b2 = 0.999, eps = 1e-8 */
static void adam_rule(double *w, double *m, double *v, double g, int t) {
  *m = 0.9 * *m + 0.1 * g;
  *v = 0.999 * *v + 0.001 * g * g;
  double mh = *m / (1 - pow(0.9, t)), vh = *v / (1 - pow(0.999, t));
  *w -= LR * mh / (sqrt(vh) + 1e-8);
}
/* adamw with b1 = 0.5, b2 = 0.75, eps = 1e-3, weight_decay = 0.2 */
static void adamw_rule(double *w, double *m, double *v, double g, int t) {
  *w -= LR * 0.2 * *w;
  *m = 0.5 * *m + 0.5 * g;
  *v = 0.75 * *v + 0.25 * g * g;
  double mh = *m / (1 - pow(0.5, t)), vh = *v / (1 - pow(0.75, t));
  *w -= LR * mh / (sqrt(vh) + 1e-3);
}

static void momentum_half(dl_optim *o) { CHECK_OK(dl_optim_set(o, "momentum", 0.5f)); }
static void rmsprop_opts(dl_optim *o) {
  CHECK_OK(dl_optim_set(o, "rho", 0.75f));
  CHECK_OK(dl_optim_set(o, "eps", 0.01f));
}
static void adagrad_opts(dl_optim *o) { CHECK_OK(dl_optim_set(o, "eps", 0.01f)); }
static void adamw_opts(dl_optim *o) {
  CHECK_OK(dl_optim_set(o, "beta1", 0.5f));
  CHECK_OK(dl_optim_set(o, "beta2", 0.75f));
  CHECK_OK(dl_optim_set(o, "eps", 1e-3f));
  CHECK_OK(dl_optim_set(o, "weight_decay", 0.2f));
}

static void test_sgd_three_steps_match_hand_computed(void) {
  check_three_steps("sgd", NULL, sgd_rule);
  /* and one by hand: 0.5 - 0.1 (0.1 - 0.4) */
  fixture f = make1();
  dl_optim *o = optim(f.g, "sgd", -1);
  for (int t = 0; t < 2; t++) {
    set3(f.gr[0], G[t][0], G[t][1], G[t][2]);
    CHECK_OK(dl_optim_step(o, 0.1f));
  }
  CHECK_REL(f.w[0][0], 0.53);
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_momentum_three_steps_match_hand_computed(void) {
  check_three_steps("momentum", momentum_half, momentum_rule);
  /* by hand: v1 = 0.1, w1 = 0.49; v2 = 0.05 - 0.4 = -0.35, w2 = 0.525 */
  fixture f = make1();
  dl_optim *o = optim(f.g, "momentum", -1);
  momentum_half(o);
  for (int t = 0; t < 2; t++) {
    set3(f.gr[0], G[t][0], G[t][1], G[t][2]);
    CHECK_OK(dl_optim_step(o, 0.1f));
  }
  CHECK_REL(f.w[0][0], 0.525);
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_nesterov_three_steps_match_hand_computed(void) { check_three_steps("nesterov", momentum_half, nesterov_rule); }
static void test_rmsprop_three_steps_match_hand_computed(void) { check_three_steps("rmsprop", rmsprop_opts, rmsprop_rule); }
static void test_adagrad_three_steps_match_hand_computed(void) { check_three_steps("adagrad", adagrad_opts, adagrad_rule); }
static void test_adam_three_steps_match_hand_computed(void) { check_three_steps("adam", NULL, adam_rule); }
static void test_adamw_three_steps_match_hand_computed(void) { check_three_steps("adamw", adamw_opts, adamw_rule); }

static void test_penalties_change_gradient_of_decayed_params_only(void) {
  /* p0 decays, p1 (a bias) must see the raw gradient; w = 0 has sign 0 for l1 */
  struct { float l1, l2; } cases[] = {{0.1f, 0}, {0, 0.05f}, {0.1f, 0.05f}};
  for (int c = 0; c < 3; c++) {
    fixture f = make(2, (const int32_t[]){DL_PARAM_TRAINABLE | DL_PARAM_DECAY, DL_PARAM_TRAINABLE});
    f.w[0][1] = 0.0f;
    dl_optim *o = optim(f.g, "sgd", -1);
    CHECK_OK(dl_optim_set(o, "l1", cases[c].l1));
    CHECK_OK(dl_optim_set(o, "l2", cases[c].l2));
    set3(f.gr[0], 0.1, -0.2, 0.3);
    set3(f.gr[1], 0.1, -0.2, 0.3);
    CHECK_OK(dl_optim_step(o, (float)LR));
    double w[3] = {0.5, 0.0, 2.0}, g[3] = {0.1, -0.2, 0.3};
    for (int k = 0; k < 3; k++) {
      double sign = w[k] > 0 ? 1 : w[k] < 0 ? -1 : 0;
      double pen = (double)cases[c].l1 * sign + 2.0 * (double)cases[c].l2 * w[k];
      CHECK_REL(f.w[0][k], w[k] - LR * ((double)(float)g[k] + pen));
      CHECK_REL(f.w[1][k], W0[k] - LR * (double)(float)g[k]);
    }
    dl_optim_destroy(o);
    dl_graph_destroy(f.g);
  }
}

static void test_optim_penalty_sums_decayed_params_only(void) {
  fixture f = make(2, (const int32_t[]){DL_PARAM_TRAINABLE | DL_PARAM_DECAY, DL_PARAM_TRAINABLE});
  dl_optim *o = optim(f.g, "sgd", -1);
  CHECK_OK(dl_optim_set(o, "weight_decay", 0.5f));
  CHECK(dl_optim_penalty(o) == 0.0f); /* weight_decay is not a loss term */
  CHECK_OK(dl_optim_set(o, "l1", 0.1f));
  CHECK_OK(dl_optim_set(o, "l2", 0.05f));
  /* 0.1 (0.5 + 1 + 2) + 0.05 (0.25 + 1 + 4) */
  CHECK_REL(dl_optim_penalty(o), 0.35 + 0.2625);
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_sgd_weight_decay_is_coupled(void) {
  fixture f = make(2, (const int32_t[]){DL_PARAM_TRAINABLE | DL_PARAM_DECAY, DL_PARAM_TRAINABLE});
  dl_optim *o = optim(f.g, "sgd", -1);
  CHECK_OK(dl_optim_set(o, "weight_decay", 0.2f));
  set3(f.gr[0], 0.1, -0.2, 0.3);
  set3(f.gr[1], 0.1, -0.2, 0.3);
  CHECK_OK(dl_optim_step(o, (float)LR));
  const double g[3] = {0.1, -0.2, 0.3};
  for (int k = 0; k < 3; k++) {
    CHECK_REL(f.w[0][k], W0[k] - LR * ((double)(float)g[k] + (double)0.2f * W0[k]));
    CHECK_REL(f.w[1][k], W0[k] - LR * (double)(float)g[k]);
  }
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

/* Decoupled: with a zero gradient adam moves nothing, so only the decay shrinks w, and it
 * never reaches the moments (a coupled decay would make the step a full lr). */
static void test_adamw_weight_decay_is_decoupled(void) {
  fixture f = make(2, (const int32_t[]){DL_PARAM_TRAINABLE | DL_PARAM_DECAY, DL_PARAM_TRAINABLE});
  dl_optim *o = optim(f.g, "adamw", -1);
  CHECK_OK(dl_optim_set(o, "weight_decay", 0.2f));
  CHECK_OK(dl_optim_step(o, (float)LR));
  for (int k = 0; k < 3; k++) {
    CHECK_REL(f.w[0][k], W0[k] * (1 - LR * 0.2));
    CHECK(f.w[1][k] == (float)W0[k]);
  }
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_clip_value_limits_each_gradient(void) {
  fixture f = make1();
  dl_optim *o = optim(f.g, "sgd", -1);
  CHECK_OK(dl_optim_set(o, "clip_value", 0.25f));
  set3(f.gr[0], 0.1, -0.5, 0.3);
  CHECK_OK(dl_optim_step(o, (float)LR));
  CHECK_REL(f.w[0][0], 0.5 - LR * (double)0.1f);
  CHECK_REL(f.w[0][1], -1.0 + LR * 0.25);
  CHECK_REL(f.w[0][2], 2.0 - LR * 0.25);
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

/* WGAN's critic: after the rule, every weight into [-c, c]; weights inside stay as the rule left them */
static void test_clip_weights_clamps_each_weight_after_the_update(void) {
  fixture f = make1();
  dl_optim *o = optim(f.g, "sgd", -1);
  CHECK_OK(dl_optim_set(o, "clipWeights", 0.75f));
  set3(f.gr[0], 0.1, -0.5, 0.3);
  CHECK_OK(dl_optim_step(o, (float)LR));
  CHECK_REL(f.w[0][0], 0.5 - LR * (double)0.1f); /* inside: untouched */
  CHECK(f.w[0][1] == -0.75f && f.w[0][2] == 0.75f); /* -1 and 2 were outside */
  for (int t = 0; t < 50; t++) {
    set3(f.gr[0], -40.0, 40.0, -40.0);
    CHECK_OK(dl_optim_step(o, 1.0f));
    for (int k = 0; k < 3; k++) CHECK(f.w[0][k] >= -0.75f && f.w[0][k] <= 0.75f);
  }
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_clip_norm_scales_by_global_norm_over_params(void) {
  const int32_t fl[2] = {DL_PARAM_TRAINABLE, DL_PARAM_TRAINABLE};
  /* ||(3, 0, 0, 0, -4, 0)|| = 5: clip_norm 1 scales by 0.2, clip_norm 10 leaves it alone */
  const float limits[2] = {1.0f, 10.0f};
  const double scales[2] = {0.2, 1.0};
  for (int c = 0; c < 2; c++) {
    fixture f = make(2, fl);
    dl_optim *o = optim(f.g, "sgd", -1);
    CHECK_OK(dl_optim_set(o, "clip_norm", limits[c]));
    set3(f.gr[0], 3, 0, 0);
    set3(f.gr[1], 0, -4, 0);
    CHECK_OK(dl_optim_step(o, (float)LR));
    CHECK_REL(f.w[0][0], 0.5 - LR * 3 * scales[c]);
    CHECK_REL(f.w[1][1], -1.0 + LR * 4 * scales[c]);
    CHECK(f.w[0][2] == 2.0f && f.w[1][2] == 2.0f);
    dl_optim_destroy(o);
    dl_graph_destroy(f.g);
  }
  /* by value first, then by norm: (2, 0, 0, 0, -2, 0) has norm sqrt(8) */
  fixture f = make(2, fl);
  dl_optim *o = optim(f.g, "sgd", -1);
  CHECK_OK(dl_optim_set(o, "clip_value", 2.0f));
  CHECK_OK(dl_optim_set(o, "clip_norm", 1.0f));
  set3(f.gr[0], 3, 0, 0);
  set3(f.gr[1], 0, -4, 0);
  CHECK_OK(dl_optim_step(o, (float)LR));
  CHECK_REL(f.w[0][0], 0.5 - LR * 2 / sqrt(8.0));
  CHECK_REL(f.w[1][1], -1.0 + LR * 2 / sqrt(8.0));
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_frozen_and_untrainable_params_are_not_updated(void) {
  fixture f = make(3, (const int32_t[]){DL_PARAM_TRAINABLE | DL_PARAM_DECAY, DL_PARAM_TRAINABLE | DL_PARAM_DECAY,
                                        DL_PARAM_STATE});
  dl_optim *o = optim(f.g, "momentum", -1);
  CHECK_OK(dl_optim_set(o, "l2", 0.1f)); /* would move p1 even with a zero gradient */
  CHECK_OK(dl_graph_set_flags(f.g, f.id[1], DL_PARAM_TRAINABLE | DL_PARAM_DECAY | DL_PARAM_FROZEN));
  for (int i = 0; i < 3; i++) set3(f.gr[i], 0.1, -0.2, 0.3);
  CHECK_OK(dl_optim_step(o, (float)LR));
  CHECK(f.w[0][0] != 0.5f);
  for (int k = 0; k < 3; k++) CHECK(f.w[1][k] == (float)W0[k] && f.w[2][k] == (float)W0[k]);
  /* thawed, it learns again */
  CHECK_OK(dl_graph_set_flags(f.g, f.id[1], DL_PARAM_TRAINABLE | DL_PARAM_DECAY));
  set3(f.gr[1], 0.1, -0.2, 0.3);
  CHECK_OK(dl_optim_step(o, (float)LR));
  CHECK_REL(f.w[1][0], 0.5 - LR * ((double)0.1f + 2 * (double)0.1f * 0.5));
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_group_optimizer_updates_only_its_group(void) {
  const int32_t fl[2] = {DL_PARAM_TRAINABLE, DL_PARAM_TRAINABLE};
  const int32_t groups[3] = {0, 1, -1};
  for (int c = 0; c < 3; c++) {
    fixture f = make(2, fl);
    CHECK_OK(dl_graph_set_group(f.g, f.id[1], 1));
    dl_optim *o = optim(f.g, "sgd", groups[c]);
    set3(f.gr[0], 1, 1, 1);
    set3(f.gr[1], 1, 1, 1);
    CHECK_OK(dl_optim_step(o, (float)LR));
    int moved0 = f.w[0][0] != 0.5f, moved1 = f.w[1][0] != 0.5f;
    CHECK(moved0 == (groups[c] != 1));
    CHECK(moved1 == (groups[c] != 0));
    dl_optim_destroy(o);
    dl_graph_destroy(f.g);
  }
}

/* After a rejected step, the next one must be exactly a fresh optimizer's first (adam's bias
 * correction would notice a counted step, its moments a half-applied one). */
static void test_adam_nonfinite_gradient_changes_no_weight_or_state(void) {
  const int32_t fl[2] = {DL_PARAM_TRAINABLE | DL_PARAM_DECAY, DL_PARAM_TRAINABLE};
  fixture a = make(2, fl), b = make(2, fl);
  dl_optim *oa = optim(a.g, "adam", -1), *ob = optim(b.g, "adam", -1);
  CHECK_OK(dl_optim_set(oa, "l2", 0.1f));
  CHECK_OK(dl_optim_set(ob, "l2", 0.1f));
  const float bad[2] = {NAN, INFINITY};
  for (int c = 0; c < 2; c++) {
    set3(a.gr[0], 0.1, -0.2, 0.3);
    set3(a.gr[1], 0.1, -0.2, 0.3);
    a.gr[1][2] = bad[c]; /* in the last param, so the first has been walked over */
    CHECK_ERR(dl_optim_step(oa, (float)LR), DL_ERR_NUMERIC, "not finite");
    for (int i = 0; i < 2; i++)
      for (int k = 0; k < 3; k++) CHECK(a.w[i][k] == (float)W0[k]);
  }
  for (int i = 0; i < 2; i++) {
    set3(a.gr[i], 0.1, -0.2, 0.3);
    set3(b.gr[i], 0.1, -0.2, 0.3);
  }
  CHECK_OK(dl_optim_step(oa, (float)LR));
  CHECK_OK(dl_optim_step(ob, (float)LR));
  for (int i = 0; i < 2; i++) CHECK(memcmp(a.w[i], b.w[i], 3 * sizeof(float)) == 0);
  dl_optim_destroy(oa);
  dl_optim_destroy(ob);
  dl_graph_destroy(a.g);
  dl_graph_destroy(b.g);
}

static void test_optim_create_rejects_unknown_name(void) {
  fixture f = make1();
  dl_optim *o = NULL;
  CHECK_ERR(dl_optim_create(&o, f.g, "adamax", -1), DL_ERR_ARG, "adamax");
  CHECK(o == NULL);
  dl_graph_destroy(f.g);
}

static void test_optim_set_rejects_unknown_and_out_of_range_options(void) {
  fixture f = make1();
  dl_optim *o = optim(f.g, "adam", -1);
  CHECK_ERR(dl_optim_set(o, "gamma", 0.5f), DL_ERR_ARG, "gamma");
  CHECK_ERR(dl_optim_set(o, "beta1", 1.5f), DL_ERR_ARG, "beta1");
  CHECK_ERR(dl_optim_set(o, "beta2", 1.0f), DL_ERR_ARG, "beta2"); /* 1 would never forget */
  CHECK_ERR(dl_optim_set(o, "eps", 0.0f), DL_ERR_ARG, "eps");
  CHECK_ERR(dl_optim_set(o, "momentum", -0.1f), DL_ERR_ARG, "momentum");
  CHECK_ERR(dl_optim_set(o, "clip_norm", -1.0f), DL_ERR_ARG, "clip_norm");
  CHECK_ERR(dl_optim_set(o, "beta1", NAN), DL_ERR_ARG, "beta1");
  /* the rejected values left the defaults in place */
  double w[3], m[3] = {0}, v[3] = {0};
  memcpy(w, W0, sizeof w);
  set3(f.gr[0], G[0][0], G[0][1], G[0][2]);
  CHECK_OK(dl_optim_step(o, (float)LR));
  for (int k = 0; k < 3; k++) {
    adam_rule(&w[k], &m[k], &v[k], (double)(float)G[0][k], 1);
    CHECK_REL(f.w[0][k], w[k]);
  }
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_optim_step_rejects_bad_learning_rate(void) {
  fixture f = make1();
  dl_optim *o = optim(f.g, "sgd", -1);
  set3(f.gr[0], 0.1, -0.2, 0.3);
  CHECK_ERR(dl_optim_step(o, -0.1f), DL_ERR_ARG, "learning rate");
  CHECK_ERR(dl_optim_step(o, NAN), DL_ERR_ARG, "learning rate");
  CHECK_ERR(dl_optim_step(o, INFINITY), DL_ERR_ARG, "learning rate");
  for (int k = 0; k < 3; k++) CHECK(f.w[0][k] == (float)W0[k]);
  dl_optim_destroy(o);
  dl_graph_destroy(f.g);
}

static void test_optim_reset_restores_initial_behaviour(void) {
  fixture a = make1(), b = make1();
  dl_optim *oa = optim(a.g, "adam", -1), *ob = optim(b.g, "adam", -1);
  for (int t = 0; t < 3; t++) {
    set3(a.gr[0], G[t][0], G[t][1], G[t][2]);
    CHECK_OK(dl_optim_step(oa, (float)LR));
  }
  CHECK_OK(dl_optim_reset(oa));
  for (int k = 0; k < 3; k++) a.w[0][k] = (float)W0[k];
  set3(a.gr[0], G[1][0], G[1][1], G[1][2]);
  set3(b.gr[0], G[1][0], G[1][1], G[1][2]);
  CHECK_OK(dl_optim_step(oa, (float)LR));
  CHECK_OK(dl_optim_step(ob, (float)LR));
  CHECK(memcmp(a.w[0], b.w[0], 3 * sizeof(float)) == 0);
  dl_optim_destroy(oa);
  dl_optim_destroy(ob);
  dl_graph_destroy(a.g);
  dl_graph_destroy(b.g);
}

/* y = x W + b against t = 2 x0 - 3 x1 + 0.5, four samples, mean squared error. */
typedef struct {
  dl_graph *g;
  int32_t x, w, b, t, loss;
} regression;

static regression make_regression(void) {
  regression r;
  const int32_t two[1] = {2}, one[1] = {1}, wshape[2] = {2, 1};
  CHECK_OK(dl_graph_create(&r.g, 3));
  CHECK_OK(dl_graph_input(r.g, "x", 1, two, 1, &r.x));
  CHECK_OK(dl_graph_param(r.g, "W", 2, wshape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &r.w));
  CHECK_OK(dl_graph_param(r.g, "b", 1, one, DL_PARAM_TRAINABLE, &r.b));
  CHECK_OK(dl_graph_input(r.g, "t", 1, one, 1, &r.t));
  int32_t d, ins[3] = {r.x, r.w, r.b};
  CHECK_OK(dl_graph_op(r.g, "dense", "d", 3, ins, 0, NULL, 0, NULL, &d));
  int32_t pair[2] = {d, r.t};
  CHECK_OK(dl_graph_op(r.g, "mse", "loss", 2, pair, 0, NULL, 0, NULL, &r.loss));
  CHECK_OK(dl_graph_plan(r.g, 4));
  float *x, *t;
  size_t n;
  CHECK_OK(dl_graph_tensor(r.g, r.x, 0, &x, &n));
  CHECK_OK(dl_graph_tensor(r.g, r.t, 0, &t, &n));
  const float xs[8] = {1, 0, 0, 1, -1, 0, 0, -1}; /* centred: well conditioned */
  memcpy(x, xs, sizeof xs);
  for (int i = 0; i < 4; i++) t[i] = 2 * xs[2 * i] - 3 * xs[2 * i + 1] + 0.5f;
  return r;
}

static void test_train_step_fits_linear_target(void) {
  regression r = make_regression();
  dl_optim *o = optim(r.g, "sgd", -1);
  float first = 0, loss = 0;
  CHECK_OK(dl_train_step(r.g, o, r.loss, 0.1f, &first));
  for (int i = 0; i < 300; i++) CHECK_OK(dl_train_step(r.g, o, r.loss, 0.1f, &loss));
  CHECK(first > 1.0f);
  CHECK(loss < 1e-4f);
  float *w, *b;
  size_t n;
  CHECK_OK(dl_graph_tensor(r.g, r.w, 0, &w, &n));
  CHECK_OK(dl_graph_tensor(r.g, r.b, 0, &b, &n));
  CHECK_NEAR(w[0], 2.0, 1e-3);
  CHECK_NEAR(w[1], -3.0, 1e-3);
  CHECK_NEAR(b[0], 0.5, 1e-3);
  dl_optim_destroy(o);
  dl_graph_destroy(r.g);
}

static void test_train_step_nan_loss_keeps_weights(void) {
  regression r = make_regression();
  dl_optim *o = optim(r.g, "sgd", -1);
  CHECK_OK(dl_train_step(r.g, o, r.loss, 0.1f, NULL)); /* weights away from zero */
  float *w, *b, *t, before[3];
  size_t n;
  CHECK_OK(dl_graph_tensor(r.g, r.w, 0, &w, &n));
  CHECK_OK(dl_graph_tensor(r.g, r.b, 0, &b, &n));
  CHECK_OK(dl_graph_tensor(r.g, r.t, 0, &t, &n));
  before[0] = w[0], before[1] = w[1], before[2] = b[0];
  t[2] = NAN;
  float loss = 0;
  CHECK_ERR(dl_train_step(r.g, o, r.loss, 0.1f, &loss), DL_ERR_NUMERIC, "NaN");
  CHECK(isnan(loss));
  CHECK(w[0] == before[0] && w[1] == before[1] && b[0] == before[2]);
  dl_optim_destroy(o);
  dl_graph_destroy(r.g);
}

int main(void) {
  RUN(test_sgd_three_steps_match_hand_computed);
  RUN(test_momentum_three_steps_match_hand_computed);
  RUN(test_nesterov_three_steps_match_hand_computed);
  RUN(test_rmsprop_three_steps_match_hand_computed);
  RUN(test_adagrad_three_steps_match_hand_computed);
  RUN(test_adam_three_steps_match_hand_computed);
  RUN(test_adamw_three_steps_match_hand_computed);
  RUN(test_penalties_change_gradient_of_decayed_params_only);
  RUN(test_optim_penalty_sums_decayed_params_only);
  RUN(test_sgd_weight_decay_is_coupled);
  RUN(test_adamw_weight_decay_is_decoupled);
  RUN(test_clip_value_limits_each_gradient);
  RUN(test_clip_weights_clamps_each_weight_after_the_update);
  RUN(test_clip_norm_scales_by_global_norm_over_params);
  RUN(test_frozen_and_untrainable_params_are_not_updated);
  RUN(test_group_optimizer_updates_only_its_group);
  RUN(test_adam_nonfinite_gradient_changes_no_weight_or_state);
  RUN(test_optim_create_rejects_unknown_name);
  RUN(test_optim_set_rejects_unknown_and_out_of_range_options);
  RUN(test_optim_step_rejects_bad_learning_rate);
  RUN(test_optim_reset_restores_initial_behaviour);
  RUN(test_train_step_fits_linear_target);
  RUN(test_train_step_nan_loss_keeps_weights);
  return check_summary(__FILE__);
}

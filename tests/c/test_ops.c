/* test_ops.c: the op test program: every family's tests, the graph-level behaviour that
 * spans ops (GAN detach and freeze, batch sizes up to the planned one, errors leaving the
 * graph usable), and the check that every op in ops.def has a passing gradient check. */
#include "test_ops.h"

/* A toy GAN: G: z -> dense -> tanh; D: x -> dense -> score. The discriminator step detaches
 * G's output; the generator step freezes D's parameters but backpropagates through them. */
typedef struct {
  dl_graph *g;
  int32_t z, real, gw, gb, dw, db, fake, d_real, d_fake_detached, d_fake, loss_d, loss_g;
} toy_gan;

static void toy_gan_build(toy_gan *t) {
  dl_graph *g = t->g = new_graph();
  t->z = gc_input(g, "z", 1, SHAPE(2));
  t->real = gc_input(g, "real", 1, SHAPE(3));
  t->gw = gc_param(g, "gw", 2, SHAPE(2, 3)), t->gb = gc_param(g, "gb", 1, SHAPE(3));
  t->dw = gc_param(g, "dw", 2, SHAPE(3, 1)), t->db = gc_param(g, "db", 1, SHAPE(1));
  dl_graph_set_group(g, t->dw, 1), dl_graph_set_group(g, t->db, 1);
  int32_t h = gc_op(g, "dense", 3, IDS(t->z, t->gw, t->gb), 0, NULL, 0, NULL);
  t->fake = gc_op(g, "tanh", 1, &h, 0, NULL, 0, NULL);
  int32_t fake_const = gc_op(g, "detach", 1, &t->fake, 0, NULL, 0, NULL);
  t->d_real = gc_op(g, "dense", 3, IDS(t->real, t->dw, t->db), 0, NULL, 0, NULL);
  t->d_fake_detached = gc_op(g, "dense", 3, IDS(fake_const, t->dw, t->db), 0, NULL, 0, NULL);
  t->d_fake = gc_op(g, "dense", 3, IDS(t->fake, t->dw, t->db), 0, NULL, 0, NULL);
  float minus = -1.0f, plus = 1.0f;
  /* WGAN critic: D maximizes D(real) - D(fake); G maximizes D(fake) */
  int32_t lr = gc_op(g, "critic_mean", 1, &t->d_real, 0, NULL, 1, &minus);
  int32_t lf = gc_op(g, "critic_mean", 1, &t->d_fake_detached, 0, NULL, 1, &plus);
  t->loss_d = gc_op(g, "add", 2, IDS(lr, lf), 0, NULL, 0, NULL);
  t->loss_g = gc_op(g, "critic_mean", 1, &t->d_fake, 0, NULL, 1, &minus);
}

static void test_gan_discriminator_step_detaches_the_generator(void) {
  toy_gan t;
  toy_gan_build(&t);
  dl_graph *g = t.g;
  gradcheck gc;
  gc_setup(&gc, g, t.loss_d, 4, 3);
  size_t n;
  float *ggrad;
  CHECK(gc_run(&gc, IDS(t.dw, t.db), 2) == 0); /* D's gradient is right... */
  CHECK_OK(dl_graph_tensor(g, t.gw, 1, &ggrad, &n));
  for (size_t i = 0; i < n; i++) ggrad[i] = 7.0f; /* ...and G's is never touched */
  CHECK_OK(dl_graph_forward(g, t.loss_d));
  CHECK_OK(dl_graph_backward(g, t.loss_d));
  for (size_t i = 0; i < n; i++) CHECK(ggrad[i] == 7.0f);
  /* detach passes the value on: G's weights do change D's loss, yet took no gradient above */
  float before = gc_data(g, t.loss_d, NULL)[0];
  gc_data(g, t.gw, NULL)[0] += 0.5f;
  CHECK_OK(dl_graph_forward(g, t.loss_d));
  CHECK(gc_data(g, t.loss_d, NULL)[0] != before);
  gc_mark_covered("detach");
  dl_graph_destroy(g);
}

static void test_gan_generator_step_backpropagates_through_frozen_discriminator(void) {
  toy_gan t;
  toy_gan_build(&t);
  dl_graph *g = t.g;
  CHECK_OK(dl_graph_set_flags(g, t.dw, DL_PARAM_TRAINABLE | DL_PARAM_FROZEN));
  CHECK_OK(dl_graph_set_flags(g, t.db, DL_PARAM_TRAINABLE | DL_PARAM_FROZEN));
  gradcheck gc;
  gc_setup(&gc, g, t.loss_g, 4, 5);
  float *dgrad;
  size_t n;
  CHECK_OK(dl_graph_tensor(g, t.dw, 1, &dgrad, &n));
  for (size_t i = 0; i < n; i++) dgrad[i] = 7.0f;
  CHECK(gc_run(&gc, IDS(t.gw, t.gb), 2) == 0); /* G's gradient flows through D */
  for (size_t i = 0; i < n; i++) CHECK(dgrad[i] == 7.0f); /* D takes none */
  /* one optimizer step on group 0 (G) moves G only */
  dl_optim *o;
  CHECK_OK(dl_optim_create(&o, g, "sgd", 0));
  float dw_before = gc_data(g, t.dw, NULL)[0], gw_before = gc_data(g, t.gw, NULL)[0];
  CHECK_OK(dl_graph_forward(g, t.loss_g));
  CHECK_OK(dl_graph_backward(g, t.loss_g));
  CHECK_OK(dl_optim_step(o, 0.1f));
  CHECK(gc_data(g, t.dw, NULL)[0] == dw_before);
  CHECK(gc_data(g, t.gw, NULL)[0] != gw_before);
  dl_optim_destroy(o);
  dl_graph_destroy(g);
}

static void test_graph_runs_any_batch_up_to_the_planned_one(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(1, 6, 6)), w = gc_param(g, "w", 4, SHAPE(2, 1, 3, 3));
  int32_t c = gc_op(g, "conv2d", 2, IDS(x, w), 9, IDS(1, 1, 0, 0, 0, 0, 2, 0, 0), 0, NULL);
  int32_t p = gc_op(g, "maxpool2d", 1, &c, 9, IDS(2, 2, 2, 2, 0, 0, 0, 0, 1), 0, NULL);
  int32_t w2 = gc_param(g, "w2", 2, SHAPE(18, 3));
  int32_t y = gc_op(g, "dense", 2, IDS(p, w2), 0, NULL, 0, NULL);
  CHECK_OK(dl_graph_plan(g, 8));
  gc_fill(g, x, -1, 1, 1), gc_fill(g, w, -1, 1, 2), gc_fill(g, w2, -1, 1, 3);
  CHECK_OK(dl_graph_forward(g, y));
  float full[24];
  memcpy(full, gc_data(g, y, NULL), sizeof full);
  /* the sixth sample alone, moved to the front, predicts exactly what it did in the batch */
  float *xs = gc_data(g, x, NULL);
  memmove(xs, xs + 5 * 36, 36 * sizeof(float));
  CHECK_OK(dl_graph_set_batch(g, 1));
  CHECK_OK(dl_graph_forward(g, y));
  size_t n;
  float *one = gc_data(g, y, &n);
  CHECK(n == 3);
  for (int k = 0; k < 3; k++) CHECK(one[k] == full[5 * 3 + k]);
  CHECK_ERR(dl_graph_set_batch(g, 9), DL_ERR_ARG, "batch size 9 out of range [1, 8]");
  dl_graph_destroy(g);
}

static void test_graph_errors_name_the_problem_and_change_nothing(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(4)), id = -1;
  CHECK_ERR(dl_graph_op(g, "convolve", "c", 1, &x, 0, NULL, 0, NULL, &id), DL_ERR_ARG, "unknown op: convolve");
  CHECK_ERR(dl_graph_op(g, "relu", "r", 2, IDS(x, x), 0, NULL, 0, NULL, &id), DL_ERR_ARG, "relu 'r': 2 inputs given, expected 1");
  CHECK_ERR(dl_graph_op(g, "relu", "r", 1, IDS(5), 0, NULL, 0, NULL, &id), DL_ERR_ARG, "input 0 refers to node 5");
  CHECK_ERR(dl_graph_input(g, "y", 1, SHAPE(0), 1, &id), DL_ERR_SHAPE, "input 'y': dim 0 is 0, must be positive");
  CHECK_ERR(dl_graph_input(g, "x", 1, SHAPE(3), 1, &id), DL_ERR_ARG, "duplicate node name 'x'");
  CHECK_ERR(dl_graph_param(g, "huge", 2, SHAPE(100000, 100000), DL_PARAM_TRAINABLE, &id), DL_ERR_OOM, "too large");
  float nan = NAN;
  CHECK_ERR(dl_graph_op(g, "leaky_relu", "l", 1, &x, 0, NULL, 1, &nan, &id), DL_ERR_ARG, "not finite");
  CHECK_ERR(dl_graph_forward(g, x), DL_ERR_STATE, "not planned");
  CHECK(dl_graph_node_count(g) == 1); /* none of the failures added a node */
  CHECK_OK(dl_graph_op(g, "relu", "r", 1, &x, 0, NULL, 0, NULL, &id));
  CHECK_OK(dl_graph_plan(g, 2));
  CHECK_ERR(dl_graph_plan(g, 0), DL_ERR_ARG, "batch size 0");
  CHECK_ERR(dl_graph_backward(g, id), DL_ERR_SHAPE, "not a scalar");
  CHECK_OK(dl_graph_forward(g, id)); /* the failed calls left the planned graph usable */
  dl_graph_destroy(g);
}

static void test_create_destroy_cycles_do_not_leak(void) {
  /* LeakSanitizer reports any block left behind at exit */
  for (int i = 0; i < 200; i++) {
    dl_graph *g = new_graph();
    int32_t x = gc_input(g, "x", 1, SHAPE(8)), w = gc_param(g, "w", 2, SHAPE(8, 4)), t = gc_input(g, "t", 1, SHAPE(1));
    int32_t y = gc_op(g, "dense", 2, IDS(x, w), 0, NULL, 0, NULL);
    int32_t l = gc_op(g, "softmax_ce", 2, IDS(y, t), 0, NULL, 0, NULL);
    dl_optim *o;
    dl_graph_plan(g, 4);
    dl_optim_create(&o, g, "adam", -1);
    float loss;
    CHECK_OK(dl_train_step(g, o, l, 0.01f, &loss));
    dl_optim_destroy(o);
    dl_graph_destroy(g);
  }
}

int main(void) {
  run_dense_tests();
  run_arith_tests();
  run_shape_tests();
  run_act_tests();
  run_loss_tests();
  run_conv_tests();
  run_pool_tests();
  run_norm_tests();
  run_sample_tests();
  run_seq_tests();
  run_gnn_tests();
  RUN(test_gan_discriminator_step_detaches_the_generator);
  RUN(test_gan_generator_step_backpropagates_through_frozen_discriminator);
  RUN(test_graph_runs_any_batch_up_to_the_planned_one);
  RUN(test_graph_errors_name_the_problem_and_change_nothing);
  RUN(test_create_destroy_cycles_do_not_leak);
  check_tests++;
  if (gc_report_uncovered()) check_failed_tests++; /* every op in ops.def has a gradient check */
  return check_summary(__FILE__);
}

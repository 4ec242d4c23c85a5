#include <math.h>
/* test_model.c: the JSON reader, models built from specs, the training loop and the model file
 * format, natively under the sanitizers (the same code the fuzzer attacks). */
#include <stdlib.h>
#include "check.h"
#include "json.h"
#include "model.h"

static dl_status parse(const char *s, dl_json_doc **doc, const dl_json **root) { return dl_json_parse(s, strlen(s), doc, root); }

static void test_json_reads_every_kind_of_value(void) {
  dl_json_doc *doc;
  const dl_json *r;
  CHECK_OK(parse(" {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\n\\u00e9\\ud83d\\ude00\\\"\", \"o\": {}} ", &doc, &r));
  const dl_json *a = dl_json_get(r, "a");
  CHECK(a && a->type == DL_JSON_ARRAY && a->count == 5);
  CHECK(dl_json_at(a, 1)->number == -2500.0);
  CHECK(dl_json_at(a, 2)->type == DL_JSON_BOOL && dl_json_at(a, 2)->number == 1);
  CHECK(dl_json_at(a, 4)->type == DL_JSON_NULL);
  CHECK(!strcmp(dl_json_get(r, "s")->string, "x\n\xc3\xa9\xf0\x9f\x98\x80\""));
  CHECK(dl_json_get(r, "o")->type == DL_JSON_OBJECT && dl_json_get(r, "missing") == NULL);
  dl_json_free(doc);
}

static void test_json_rejects_malformed_input_with_an_offset(void) {
  dl_json_doc *doc;
  const dl_json *r;
  CHECK_ERR(parse("[1, 2,]", &doc, &r), DL_ERR_FORMAT, "json: unexpected character at offset 6");
  CHECK_ERR(parse("{\"a\" 1}", &doc, &r), DL_ERR_FORMAT, "expected ':'");
  CHECK_ERR(parse("\"abc", &doc, &r), DL_ERR_FORMAT, "unterminated string");
  CHECK_ERR(parse("[1] x", &doc, &r), DL_ERR_FORMAT, "trailing characters");
  CHECK_ERR(parse("1e999", &doc, &r), DL_ERR_FORMAT, "bad number");
  CHECK_ERR(parse("", &doc, &r), DL_ERR_FORMAT, "unexpected end");
  CHECK_ERR(parse("\"a\tb\"", &doc, &r), DL_ERR_FORMAT, "control character");
  char deep[200];
  memset(deep, '[', 100);
  deep[100] = 0;
  CHECK_ERR(parse(deep, &doc, &r), DL_ERR_FORMAT, "nested too deeply");
}

static const char *lenet =
    "{\"input\":[1,28,28],\"seed\":5,\"layers\":[{\"type\":\"conv2d\",\"filters\":8,\"kernel\":5,\"padding\":\"same\","
    "\"activation\":\"relu\"},{\"type\":\"maxPool2d\"},{\"type\":\"conv2d\",\"filters\":16,\"kernel\":5,\"activation\":\"relu\"},"
    "{\"type\":\"maxPool2d\",\"size\":2},{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":120,\"activation\":\"relu\"},"
    "{\"type\":\"batchNorm\"},{\"type\":\"dense\",\"units\":10}]}";

static dl_model *make(const char *spec) {
  dl_model *m = NULL;
  if (dl_model_create(&m, spec, strlen(spec))) fprintf(stderr, "model_create: %s\n", dl_last_error());
  return m;
}

static void test_model_summary_counts_parameters_like_keras(void) {
  dl_model *m = make(lenet);
  const char *json;
  CHECK_OK(dl_model_summary(m, &json));
  CHECK(strstr(json, "\"name\":\"conv2d_1\",\"type\":\"conv2d\",\"net\":\"model\",\"shape\":[8,28,28],\"params\":208") != NULL);
  CHECK(strstr(json, "\"shape\":[16,10,10],\"params\":3216") != NULL);
  CHECK(strstr(json, "\"type\":\"batchNorm\",\"net\":\"model\",\"shape\":[120],\"params\":480") != NULL); /* gamma, beta, 2 running stats */
  CHECK(strstr(json, "\"params\":53234,") != NULL);
  dl_model_destroy(m);
}

static void test_model_spec_errors_name_the_layer(void) {
  dl_model *m;
  const char *spec = "{\"input\":[3],\"layers\":[{\"type\":\"dense\",\"units\":4},{\"type\":\"dense\",\"units\":2,\"activation\":\"swish2\"}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_ARG, "layer 2 (dense 'dense_2'): unknown activation: swish2");
  spec = "{\"input\":[3],\"layers\":[{\"type\":\"residual\",\"layers\":[{\"type\":\"dense\",\"units\":4},{\"type\":\"convolution\"}]}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_ARG, "layer 3: unknown layer type: convolution");
  spec = "{\"input\":[100000],\"layers\":[{\"type\":\"dense\",\"units\":100000}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_OOM, "kernel would bring the model past 67108864 parameter values");
  spec = "{\"input\":[3],\"layers\":[{\"type\":\"dense\",\"units\":4}]";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_FORMAT, "json: expected ',' or '}'");
  spec = "{\"input\":[3],\"layers\":[{\"type\":\"dense\",\"unit\":4}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_ARG, "layer 1 (dense 'dense_1'): unknown option unit (dense takes units, useBias");
  spec = "{\"input\":[3],\"layers\":[{\"type\":\"dense\",\"units\":4,\"alpha\":0.2}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_ARG, "option alpha belongs to the leakyRelu activation");
  spec = "{\"inputs\":{\"x\":[4]},\"networks\":{\"D\":[{\"type\":\"dense\",\"units\":1}]},\"outputs\":{\"s\":{\"net\":\"D\",\"from\":\"y\"}}}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_ARG, "output 's': no tensor named 'y' before it (known: x)");
  spec = "{\"inputs\":{\"x\":[4],\"z\":[3]},\"networks\":{\"D\":[{\"type\":\"dense\",\"units\":1}]},"
         "\"outputs\":{\"a\":{\"net\":\"D\",\"from\":\"x\"},\"b\":{\"net\":\"D\",\"from\":\"z\"}}}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_SHAPE, "network 'D' was built for inputs of shape [4] but is applied to 'z' of shape [3]");
}

/* ---- programs ---- */

static uint32_t lcg = 7;
static float rnd(void) { return (lcg = lcg * 1664525u + 1013904223u, (lcg >> 8) / 16777216.0f); }

static dl_status program(dl_model *m, const char *json) { return dl_model_set_program(m, json, strlen(json)); }

static const char *classifier_program =
    "{\"losses\":{\"main\":[{\"type\":\"softmax_ce\",\"on\":\"output\",\"target\":{\"data\":\"y\"}}]},"
    "\"optimizers\":{\"main\":{\"type\":\"adam\",\"lr\":0.05}}}";

/* y = 1 when x0 > x1: a small MLP learns it in a few epochs */
static void test_program_trains_a_classifier_and_reports_per_step_stats(void) {
  const char *spec = "{\"input\":[2],\"layers\":[{\"type\":\"dense\",\"units\":8,\"activation\":\"tanh\"},{\"type\":\"dense\",\"units\":2}]}";
  dl_model *m = make(spec);
  enum { N = 256 };
  float x[2 * N], y[N], stats[5 * 8], out[2 * N];
  int32_t order[N], done, used, correct;
  for (int i = 0; i < N; i++) x[2 * i] = rnd(), x[2 * i + 1] = rnd(), y[i] = x[2 * i] > x[2 * i + 1], order[i] = i;
  const void *data[2] = {x, y};
  CHECK_ERR(dl_model_run(m, data, NULL, N, order, N, 32, 8, 0, stats, &done, &used), DL_ERR_STATE, "no training program");
  CHECK_OK(program(m, classifier_program));
  float first = 0;
  for (int epoch = 0; epoch < 30; epoch++) {
    CHECK_OK(dl_model_run(m, data, NULL, N, order, N, 32, 100, epoch, stats, &done, &used));
    CHECK(done == 8 && used == N);
    if (epoch == 0) first = stats[0];
  }
  CHECK(stats[5 * 7] < first / 4);
  CHECK(stats[5 * 7 + 1] == 0.05f && stats[5 * 7 + 2] == 32 && stats[5 * 7 + 3] >= 28); /* lr, samples, correct */
  double sums[2];
  CHECK_OK(dl_model_evaluate(m, 0, data, NULL, N, sums, &correct, out));
  CHECK(correct >= N * 95 / 100);
  CHECK_NEAR(sums[0], sums[1], 1e-3);
  order[5] = N; /* an index past the data */
  CHECK_ERR(dl_model_run(m, data, NULL, N, order, N, 32, 8, 0, stats, &done, &used), DL_ERR_ARG, "sample index 256 at position 5 outside [0, 256)");
  order[5] = 5, y[9] = 2; /* a label that is no class: refused before anything runs */
  CHECK_ERR(dl_model_run(m, data, NULL, N, order, N, 32, 8, 0, stats, &done, &used), DL_ERR_ARG, "'y' of sample 9 is 2, not a class in [0, 2)");
  CHECK(done == 0);
  dl_model_destroy(m);
}

/* A GAN on 2-D points: G: z -> point, D: point -> logit. D's step sees real and (detached)
 * fake points; G's step goes through D without changing it. */
static const char *gan_spec =
    "{\"seed\":3,\"inputs\":{\"x\":[2],\"z\":{\"shape\":[4],\"noise\":\"normal\"}},"
    "\"networks\":{\"G\":[{\"type\":\"dense\",\"units\":16,\"activation\":\"relu\"},{\"type\":\"dense\",\"units\":2}],"
    "\"D\":[{\"type\":\"dense\",\"units\":16,\"activation\":\"leakyRelu\",\"alpha\":0.2},{\"type\":\"dense\",\"units\":1}]},"
    "\"outputs\":{\"fake\":{\"net\":\"G\",\"from\":\"z\"},\"fake_d\":{\"detach\":\"fake\"},\"real_score\":{\"net\":\"D\",\"from\":\"x\"},"
    "\"fake_score\":{\"net\":\"D\",\"from\":\"fake_d\"},\"gen_score\":{\"net\":\"D\",\"from\":\"fake\"}}}";
static const char *gan_program =
    "{\"losses\":{\"d\":[{\"type\":\"bce_logits\",\"on\":\"real_score\",\"target\":0.9},{\"type\":\"bce_logits\",\"on\":\"fake_score\",\"target\":0}],"
    "\"g\":[{\"type\":\"bce_logits\",\"on\":\"gen_score\",\"target\":1}]},"
    "\"optimizers\":{\"d\":{\"type\":\"adam\",\"lr\":0.002,\"beta1\":0.5,\"networks\":[\"D\"]},"
    "\"g\":{\"type\":\"adam\",\"lr\":0.001,\"beta1\":0.5,\"networks\":[\"G\"]}},"
    "\"steps\":[{\"loss\":\"d\",\"optimizer\":\"d\"},{\"loss\":\"g\",\"optimizer\":\"g\"}]}";

static void params_of(dl_model *m, const char *prefix, float *out, size_t *k) {
  *k = 0;
  for (int32_t i = 0; i < m->g->n; i++) {
    dl_node *n = &m->g->nodes[i];
    if (n->kind != DL_KIND_PARAM || strncmp(n->name, prefix, strlen(prefix))) continue;
    memcpy(out + *k, n->value, dl_node_sample_numel(n) * 4);
    *k += dl_node_sample_numel(n);
  }
}

static void test_gan_program_trains_and_g_steps_leave_d_unchanged(void) {
  dl_model *m = make(gan_spec);
  enum { N = 512 };
  static float x[2 * N], stats[64 * 20], before[4096], after[4096];
  int32_t order[N], done, used;
  for (int i = 0; i < N; i++) { /* a ring of radius 2 */
    float a = 6.2831853f * rnd();
    x[2 * i] = 2 * cosf(a), x[2 * i + 1] = 2 * sinf(a), order[i] = i;
  }
  const void *data[2] = {x, NULL};
  CHECK_OK(program(m, gan_program));
  const char *json;
  CHECK_OK(dl_model_summary(m, &json));
  CHECK(strstr(json, "{\"loss\":\"d\",\"optimizer\":\"d\",\"repeat\":1,\"readsData\":true},{\"loss\":\"g\",\"optimizer\":\"g\",\"repeat\":1,\"readsData\":false}"));
  for (int epoch = 0; epoch < 40; epoch++) CHECK_OK(dl_model_run(m, data, NULL, N, order, N, 64, 100, epoch, stats, &done, &used));
  CHECK(done == 8);
  /* record: d (4 + 2 terms), g (4 + 1 term) */
  CHECK(stats[2] == 64 && stats[6 + 2] == 64 && isfinite(stats[6]));
  /* a G step alone: D's weights stay bit-identical, G's move */
  const char *g_only = "{\"losses\":{\"g\":[{\"type\":\"bce_logits\",\"on\":\"gen_score\",\"target\":1}]},"
                       "\"optimizers\":{\"g\":{\"type\":\"adam\",\"lr\":0.001,\"beta1\":0.5,\"networks\":[\"G\"]}}}";
  CHECK_OK(program(m, g_only));
  size_t kd, kd2, kg, kg2;
  params_of(m, "D/", before, &kd);
  params_of(m, "G/", before + kd, &kg);
  CHECK_OK(dl_model_run(m, data, NULL, N, order, N, 64, 1, 0, stats, &done, &used));
  CHECK(done == 1 && used == 0);
  params_of(m, "D/", after, &kd2);
  params_of(m, "G/", after + kd2, &kg2);
  CHECK(kd == kd2 && kd > 0 && !memcmp(before, after, kd * 4));
  CHECK(memcmp(before + kd, after + kd, kg * 4) != 0);
  /* generated points land near the ring */
  static float z[4 * 200], pts[2 * 200];
  for (int i = 0; i < 4 * 200; i++) z[i] = 2 * rnd() - 1;
  const void *zdata[2] = {NULL, z};
  int32_t fake = m->tensors[dl_model_tensor(m, "fake")].node;
  CHECK_OK(dl_model_infer(m, fake, zdata, NULL, 200, pts));
  double mean_r = 0;
  for (int i = 0; i < 200; i++) mean_r += sqrt(pts[2 * i] * pts[2 * i] + pts[2 * i + 1] * pts[2 * i + 1]) / 200;
  CHECK(mean_r > 1.2 && mean_r < 2.8);
  dl_model_destroy(m);
}

/* A refused step changes nothing: weights, optimizer moments, batch-norm statistics, the RNG.
 * The saved bytes (weights + all training state) are compared before and after. */
static void test_refused_step_changes_nothing(void) {
  const char *spec = "{\"input\":[3],\"layers\":[{\"type\":\"dense\",\"units\":8},{\"type\":\"batchNorm\"},{\"type\":\"dropout\",\"rate\":0.2},{\"type\":\"dense\",\"units\":2}]}";
  dl_model *m = make(spec);
  enum { N = 64 };
  float x[3 * N], y[N], stats[5 * 4];
  int32_t order[N], done, used;
  for (int i = 0; i < N; i++) x[3 * i] = rnd(), x[3 * i + 1] = rnd(), x[3 * i + 2] = rnd(), y[i] = i % 2, order[i] = i;
  const void *data[2] = {x, y};
  CHECK_OK(program(m, classifier_program));
  CHECK_OK(dl_model_run(m, data, NULL, N, order, N, 16, 4, 0, stats, &done, &used));
  uint8_t *a, *b;
  size_t la, lb;
  CHECK_OK(dl_model_save(m, 1, &a, &la));
  x[3 * 40] = NAN; /* sample 40 is in the third batch */
  CHECK_ERR(dl_model_run(m, data, NULL, N, order + 32, 32, 16, 4, 0, stats, &done, &used), DL_ERR_NUMERIC, "loss 'main' is NaN: step refused");
  CHECK(done == 0);
  CHECK_OK(dl_model_save(m, 1, &b, &lb));
  CHECK(la == lb && !memcmp(a, b, la));
  free(a), free(b);
  /* the same from the first batch: a refused first step leaves the file unchanged too */
  dl_model_destroy(m);
}

/* One network on two inputs: the gradient of a shared weight sums both paths. */
/* Wasserstein critic terms: the mean score, maximized on real samples through a weight of -1. */
static void test_critic_terms_build_and_run(void) {
  dl_model *m = make(gan_spec);
  const char *prog = "{\"losses\":{\"c\":[{\"type\":\"critic_mean\",\"on\":\"fake_score\"},{\"type\":\"critic_mean\",\"on\":\"real_score\",\"weight\":-1}]},"
                     "\"optimizers\":{\"c\":{\"type\":\"rmsprop\",\"lr\":5e-5,\"networks\":[\"D\"]}}}";
  CHECK_OK(program(m, prog));
  float x[2 * 8], stats[6];
  int32_t order[8] = {0, 1, 2, 3, 4, 5, 6, 7}, done, used;
  for (int i = 0; i < 16; i++) x[i] = rnd();
  const void *data[2] = {x, NULL};
  CHECK_OK(dl_model_run(m, data, NULL, 8, order, 8, 8, 1, 0, stats, &done, &used));
  CHECK(done == 1 && isfinite(stats[0]) && stats[0] == stats[0]);
  CHECK_NEAR(stats[0], stats[4] - stats[5], 1e-5); /* loss = fake - real (unweighted terms reported) */
  dl_model_destroy(m);
}

static void test_shared_network_gradient_matches_finite_differences(void) {
  const char *spec = "{\"seed\":9,\"inputs\":{\"a\":[3],\"b\":[3]},\"networks\":{\"f\":[{\"type\":\"dense\",\"units\":4,\"activation\":\"tanh\"},{\"type\":\"dense\",\"units\":2}]},"
                     "\"outputs\":{\"fa\":{\"net\":\"f\",\"from\":\"a\"},\"fb\":{\"net\":\"f\",\"from\":\"b\"}}}";
  const char *prog = "{\"losses\":{\"l\":[{\"type\":\"mse\",\"on\":\"fa\",\"target\":0.5},{\"type\":\"mse\",\"on\":\"fb\",\"target\":\"fa\",\"weight\":2}]},"
                     "\"optimizers\":{\"o\":{\"type\":\"sgd\"}}}";
  dl_model *m = make(spec);
  CHECK_OK(program(m, prog));
  dl_graph *g = m->g;
  int32_t loss_node, w;
  CHECK_OK(dl_graph_find(g, "l:+1", &loss_node));
  CHECK_OK(dl_graph_find(g, "f/dense_1/kernel", &w));
  int32_t params = 0;
  for (int32_t i = 0; i < g->n; i++) params += g->nodes[i].kind == DL_KIND_PARAM;
  CHECK(params == 4); /* two layers' kernels and biases, not four layers' */
  CHECK_OK(dl_graph_set_batch(g, 3));
  float *va = g->nodes[m->tensors[0].node].value, *vb = g->nodes[m->tensors[1].node].value;
  for (int i = 0; i < 9; i++) va[i] = 2 * rnd() - 1, vb[i] = 2 * rnd() - 1;
  int32_t target;
  CHECK_OK(dl_graph_find(g, "l:mse:target", &target));
  for (int i = 0; i < 6; i++) g->nodes[target].value[i] = 0.5f;
  CHECK_OK(dl_graph_forward(g, loss_node));
  CHECK_OK(dl_graph_backward(g, loss_node));
  float *wv = g->nodes[w].value, *wg = g->nodes[w].grad;
  for (int i = 0; i < 12; i++) {
    float keep = wv[i], h = 1e-3f;
    wv[i] = keep + h;
    CHECK_OK(dl_graph_forward(g, loss_node));
    double up = g->nodes[loss_node].value[0];
    wv[i] = keep - h;
    CHECK_OK(dl_graph_forward(g, loss_node));
    double down = g->nodes[loss_node].value[0];
    wv[i] = keep;
    double numeric = (up - down) / (2 * h);
    CHECK_NEAR(wg[i], numeric, 1e-2 * fmax(fabs(numeric), fabs(wg[i])) + 1e-3);
  }
  dl_model_destroy(m);
}

static void test_two_network_model_resumes_bit_identically_after_load(void) {
  dl_model *m = make(gan_spec), *copy = NULL;
  enum { N = 128 };
  static float x[2 * N], stats[64 * 20];
  int32_t order[N], done, used;
  for (int i = 0; i < 2 * N; i++) x[i] = 2 * rnd() - 1;
  for (int i = 0; i < N; i++) order[i] = (i * 37) % N;
  const void *data[2] = {x, NULL};
  CHECK_OK(program(m, gan_program));
  CHECK_OK(dl_model_run(m, data, NULL, N, order, N, 32, 4, 0, stats, &done, &used));
  uint8_t *bytes, *a, *b;
  size_t len, la, lb;
  CHECK_OK(dl_model_save(m, 1, &bytes, &len));
  CHECK_OK(dl_model_load(&copy, bytes, len));
  CHECK_OK(dl_model_run(m, data, NULL, N, order, N, 32, 4, 1, stats, &done, &used));
  CHECK_OK(dl_model_run(copy, data, NULL, N, order, N, 32, 4, 1, stats, &done, &used));
  CHECK_OK(dl_model_save(m, 1, &a, &la));
  CHECK_OK(dl_model_save(copy, 1, &b, &lb));
  CHECK(la == lb && !memcmp(a, b, la));
  const char *json;
  CHECK_OK(dl_model_summary(copy, &json));
  CHECK(strstr(json, "{\"name\":\"d\",\"type\":\"adam\",\"step\":8,") && strstr(json, "{\"name\":\"g\",\"type\":\"adam\",\"step\":8,"));
  free(bytes), free(a), free(b);
  dl_model_destroy(copy);
  dl_model_destroy(m);
}

static void test_bad_programs_name_the_culprit_and_change_nothing(void) {
  dl_model *m = make(gan_spec);
  CHECK_OK(program(m, gan_program));
  const char *before;
  CHECK_OK(dl_model_summary(m, &before));
  char *saved = strdup(before);
  int32_t nodes = m->g->n;
  CHECK_ERR(program(m, "{\"losses\":{\"d\":[{\"type\":\"bce_logits\",\"on\":\"real_score\",\"target\":1}]},\"optimizers\":{\"d\":{\"type\":\"adam\"}},"
                       "\"steps\":[{\"loss\":\"dd\",\"optimizer\":\"d\"}]}"),
            DL_ERR_ARG, "program: step 1: unknown loss 'dd'");
  CHECK_ERR(program(m, "{\"losses\":{\"d\":[{\"type\":\"bce_logits\",\"on\":\"real_score\",\"target\":1}]},\"optimizers\":{\"d\":{\"type\":\"adam\",\"networks\":[\"E\"]}}}"),
            DL_ERR_ARG, "program: optimizer 'd': no network named 'E'");
  CHECK_ERR(program(m, "{\"losses\":{\"d\":[{\"type\":\"mse\",\"on\":\"real_score\",\"target\":\"x\"}]},\"optimizers\":{\"d\":{\"type\":\"adam\"}}}"),
            DL_ERR_SHAPE, "program: loss 'd' term 'mse':");
  CHECK_ERR(program(m, "{\"losses\":{\"d\":[{\"type\":\"bce_logits\",\"on\":\"fake_score\",\"target\":0}]},\"optimizers\":{\"g\":{\"type\":\"adam\",\"networks\":[\"G\"]}}}"),
            DL_ERR_ARG, "program: step 1: loss 'd' does not depend on anything optimizer 'g' trains");
  CHECK_ERR(program(m, "{\"losses\":{\"d\":[{\"type\":\"bce_logits\",\"on\":\"real_score\",\"target\":1}]},\"optimizers\":{\"d\":{\"type\":\"adam\",\"beta1\":1}}}"),
            DL_ERR_ARG, "optimizer 'd': adam beta1 = 1 outside [0, 1)");
  CHECK_ERR(program(m, "{\"losses\":{\"d\":[{\"type\":\"kl\",\"on\":\"real_score\"}]},\"optimizers\":{\"d\":{\"type\":\"adam\"}}}"),
            DL_ERR_ARG, "loss 'd' term 1: unknown loss type kl (expected one of softmax_ce");
  const char *after;
  CHECK_OK(dl_model_summary(m, &after));
  CHECK(!strcmp(saved, after) && m->g->n == nodes);
  free(saved);
  /* a model whose only network has no parameters: no optimizer can cover it */
  dl_model *p = make("{\"input\":[4],\"layers\":[{\"type\":\"activation\",\"activation\":\"relu\"}]}");
  CHECK_ERR(program(p, "{\"losses\":{\"l\":[{\"type\":\"mse\",\"on\":\"output\",\"target\":0}]},\"optimizers\":{\"o\":{\"type\":\"sgd\"}}}"),
            DL_ERR_ARG, "program: optimizer 'o' covers no trainable parameters");
  dl_model_destroy(p);
  dl_model_destroy(m);
}

static void test_model_file_round_trips_and_rejects_damage(void) {
  const char *spec = "{\"input\":[4],\"layers\":[{\"type\":\"dense\",\"units\":3},{\"type\":\"dense\",\"units\":2}]}";
  dl_model *m = make(lenet), *copy = NULL;
  CHECK_OK(program(m, classifier_program));
  uint8_t *bytes;
  size_t len;
  CHECK_OK(dl_model_save(m, 1, &bytes, &len));
  CHECK_OK(dl_model_load(&copy, bytes, len));
  dl_graph *a = dl_model_graph(m), *b = dl_model_graph(copy);
  CHECK(a->n == b->n); /* the program comes back with the file */
  for (int32_t i = 0; i < b->n; i++)
    if (b->nodes[i].kind == DL_KIND_PARAM) CHECK(!memcmp(a->nodes[i].value, b->nodes[i].value, dl_node_sample_numel(&a->nodes[i]) * 4));
  dl_model_destroy(copy);
  bytes[len / 2] ^= 1;
  CHECK_ERR(dl_model_load(&copy, bytes, len), DL_ERR_FORMAT, "model file is corrupt (checksum mismatch)");
  bytes[len / 2] ^= 1;
  CHECK_ERR(dl_model_load(&copy, bytes, len - 7), DL_ERR_FORMAT, "checksum mismatch");
  CHECK_ERR(dl_model_load(&copy, bytes, 10), DL_ERR_FORMAT, "not a dlplay model file");
  /* a parameter renamed (and the checksum re-stamped): the spec no longer builds it */
  char *at = memmem(bytes, len, "dense_6/kernel", 14);
  CHECK(at != NULL);
  at[0] = 'D';
  uint32_t crc = dl_crc32(bytes, len - 4);
  memcpy(bytes + len - 4, &crc, 4);
  CHECK_ERR(dl_model_load(&copy, bytes, len), DL_ERR_FORMAT, "model file has parameter 'Dense_6/kernel', which its spec does not build");
  free(bytes);
  dl_model_destroy(m);
  /* one parameter named twice (so another is left out) */
  m = make(spec);
  CHECK_OK(dl_model_save(m, 0, &bytes, &len));
  at = memmem(bytes, len, "dense_2/kernel", 14);
  at[6] = '1';
  crc = dl_crc32(bytes, len - 4);
  memcpy(bytes + len - 4, &crc, 4);
  CHECK_ERR(dl_model_load(&copy, bytes, len), DL_ERR_FORMAT, "model file names parameter 'dense_1/kernel' twice");
  /* a non-finite weight */
  at[6] = '2';
  float nan = NAN;
  memcpy(bytes + len - 8, &nan, 4); /* the last bias value */
  crc = dl_crc32(bytes, len - 4);
  memcpy(bytes + len - 4, &crc, 4);
  CHECK_ERR(dl_model_load(&copy, bytes, len), DL_ERR_FORMAT, "parameter 'dense_2/bias' value 1 is not finite");
  free(bytes);
  dl_model_destroy(m);
}

static void restamp(uint8_t *bytes, size_t len) {
  uint32_t crc = dl_crc32(bytes, len - 4);
  memcpy(bytes + len - 4, &crc, 4);
}

/* CRC-valid files whose optimizer state or spec is bad are refused with a message that says so. */
static void test_model_file_with_bad_state_or_spec_is_refused(void) {
  const char *spec = "{\"input\":[4],\"layers\":[{\"type\":\"dense\",\"units\":3}]}";
  dl_model *m = make(spec), *copy = NULL;
  float x[4 * 8], y[8], stats[5];
  int32_t order[8] = {0, 1, 2, 3, 4, 5, 6, 7}, done, used;
  for (int i = 0; i < 32; i++) x[i] = rnd();
  for (int i = 0; i < 8; i++) y[i] = i % 3;
  const void *data[2] = {x, y};
  CHECK_OK(program(m, classifier_program));
  CHECK_OK(dl_model_run(m, data, NULL, 8, order, 8, 8, 1, 0, stats, &done, &used));
  uint8_t *bytes;
  size_t len;
  CHECK_OK(dl_model_save(m, 1, &bytes, &len));
  /* the state: name "main", networks, length, then "adam" and its 10 options (beta1 second) */
  uint8_t *st = memmem(bytes + 100, len - 100, "\x04\x00" "adam", 6);
  CHECK(st != NULL);
  float one = 1.0f, beta1;
  memcpy(&beta1, st + 6 + 4, 4);
  CHECK(beta1 == 0.9f);
  memcpy(st + 6 + 4, &one, 4);
  restamp(bytes, len);
  CHECK_ERR(dl_model_load(&copy, bytes, len), DL_ERR_FORMAT, "model file: optimizer option beta1 = 1 is out of range");
  memcpy(st + 6 + 4, &beta1, 4);
  uint64_t huge = (uint64_t)1 << 63;
  memcpy(st + 6 + 40, &huge, 8); /* the step count */
  restamp(bytes, len);
  CHECK_ERR(dl_model_load(&copy, bytes, len), DL_ERR_FORMAT, "optimizer step count 9223372036854775808 is out of range");
  char *t = memmem(bytes, len, "dense", 5);
  t[1] = 'u';
  restamp(bytes, len);
  CHECK_ERR(dl_model_load(&copy, bytes, len), DL_ERR_FORMAT, "model file: layer 1: unknown layer type: dunse");
  free(bytes);
  dl_model_destroy(m);
}

/* Version 1 files (no program section) still load. */
static void test_version_1_files_still_load(void) {
  const char *spec = "{\"input\":[4],\"layers\":[{\"type\":\"dense\",\"units\":3}]}";
  dl_model *m = make(spec), *copy = NULL;
  uint8_t *bytes;
  size_t len;
  CHECK_OK(dl_model_save(m, 0, &bytes, &len));
  /* v2 without a program is v1 plus a zero program length after the spec: take it out */
  size_t spec_end = 16 + strlen(spec);
  uint32_t one = 1, zero;
  memcpy(&zero, bytes + spec_end, 4);
  CHECK(zero == 0);
  memmove(bytes + spec_end, bytes + spec_end + 4, len - spec_end - 4);
  len -= 4;
  memcpy(bytes + 4, &one, 4);
  uint32_t crc = dl_crc32(bytes, len - 4);
  memcpy(bytes + len - 4, &crc, 4);
  CHECK_OK(dl_model_load(&copy, bytes, len));
  CHECK(copy && !memcmp(copy->g->nodes[1].value, m->g->nodes[1].value, 12 * 4));
  free(bytes);
  dl_model_destroy(copy);
  dl_model_destroy(m);
}

/* The memory plan: LeNet at batch 64 needs at most half the memory the plan before it did
 * (one buffer per value, gradient and scratch, and 2M-float convolution columns per layer:
 * 22,044,704 bytes, measured at commit d201b5a) to train, and a quarter to predict; both plans
 * compute the same outputs bit for bit. */
#define LENET_BEFORE 22044704.0
static void test_lenet_plans_share_memory_and_agree(void) {
  const char *spec =
      "{\"input\":[1,28,28],\"seed\":5,\"layers\":[{\"type\":\"conv2d\",\"filters\":8,\"kernel\":5,\"padding\":\"same\","
      "\"activation\":\"relu\"},{\"type\":\"maxPool2d\"},{\"type\":\"conv2d\",\"filters\":16,\"kernel\":5,\"activation\":\"relu\"},"
      "{\"type\":\"maxPool2d\",\"size\":2},{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":120,\"activation\":\"relu\"},"
      "{\"type\":\"dense\",\"units\":84,\"activation\":\"relu\"},{\"type\":\"dense\",\"units\":10}]}";
  dl_model *m = make(spec);
  enum { B = 64 };
  static float x[B * 784], y[B], a[B * 10], b[B * 10], stats[5];
  int32_t order[B], done, used;
  for (int i = 0; i < B * 784; i++) x[i] = rnd();
  for (int i = 0; i < B; i++) y[i] = i % 10, order[i] = i;
  const void *data[2] = {x, y};
  CHECK_OK(program(m, classifier_program));
  CHECK_OK(dl_model_plan(m, B));
  double arena, unshared;
  CHECK_OK(dl_graph_memory(m->g, &arena, &unshared));
  CHECK(arena <= 0.5 * LENET_BEFORE && arena < unshared);
  printf("  LeNet, batch 64, training: %.2f MB (%.0f%% of the plan before; one buffer per tensor now: %.2f MB)\n", arena / 1048576,
         100 * arena / LENET_BEFORE, unshared / 1048576);
  CHECK_OK(dl_model_run(m, data, NULL, B, order, B, B, 1, 0, stats, &done, &used));
  CHECK_OK(dl_model_infer(m, m->output, data, NULL, B, a));
  CHECK_OK(dl_model_plan_inference(m, B));
  CHECK_OK(dl_graph_memory(m->g, &arena, &unshared));
  CHECK(arena <= 0.25 * LENET_BEFORE && arena <= 0.5 * unshared);
  printf("  LeNet, batch 64, inference: %.2f MB (%.0f%% of the plan before)\n", arena / 1048576, 100 * arena / LENET_BEFORE);
  CHECK_OK(dl_model_infer(m, m->output, data, NULL, B, b));
  CHECK(!memcmp(a, b, sizeof a));
  CHECK_ERR(dl_graph_backward(m->g, m->output), DL_ERR_STATE, "planned for inference");
  CHECK_OK(dl_model_run(m, data, NULL, B, order, B, B, 1, 0, stats, &done, &used)); /* plans for training again */
  dl_model_destroy(m);
}


/* ---- sequences ---- */

/* Echo: y_t = x_{t-1}, which needs memory of one step; position 0 has nothing to echo and its
 * mask weighs it 0. An LSTM over token embeddings with a tied output projection learns it. */
static void test_sequence_model_learns_to_echo_with_a_mask(void) {
  const char *spec = "{\"seed\":2,\"inputs\":{\"x\":{\"shape\":[8],\"tokens\":5}},\"networks\":{\"lm\":["
                     "{\"type\":\"embedding\",\"vocab\":5,\"units\":8,\"name\":\"emb\"},{\"type\":\"lstm\",\"units\":16},"
                     "{\"type\":\"dense\",\"units\":8,\"perPosition\":true},{\"type\":\"dense\",\"units\":5,\"perPosition\":true,\"tiedTo\":\"emb\"}]},"
                     "\"outputs\":{\"logits\":{\"net\":\"lm\",\"from\":\"x\"}}}";
  const char *prog = "{\"losses\":{\"lm\":[{\"type\":\"softmax_ce\",\"on\":\"logits\",\"target\":{\"data\":\"y\"},\"mask\":{\"data\":\"w\"}}]},"
                     "\"optimizers\":{\"main\":{\"type\":\"adam\",\"lr\":0.02,\"clipNorm\":1}}}";
  dl_model *m = make(spec);
  CHECK(m != NULL);
  CHECK_OK(program(m, prog));
  enum { N = 128, T = 8 };
  uint8_t x[N * T], y[N * T];
  float w[N * T], stats[5 * 100];
  int32_t order[N], done, used, correct;
  for (int i = 0; i < N; i++) {
    order[i] = i;
    for (int t = 0; t < T; t++) {
      x[i * T + t] = (uint8_t)(rnd() * 5);
      y[i * T + t] = t ? x[i * T + t - 1] : 4, w[i * T + t] = t > 0;
    }
  }
  const void *data[3] = {x, y, w};
  const int32_t u8[3] = {1, 1, 0};
  double sums[2];
  CHECK_OK(dl_model_evaluate(m, 0, data, u8, N, sums, &correct, NULL));
  CHECK(sums[0] > 1.4); /* about ln 5 = 1.61 untrained */
  for (int epoch = 0; epoch < 40; epoch++) CHECK_OK(dl_model_run(m, data, u8, N, order, N, 32, 100, epoch, stats, &done, &used));
  CHECK_OK(dl_model_evaluate(m, 0, data, u8, N, sums, &correct, NULL));
  CHECK(sums[0] < 0.1);
  CHECK(correct >= N * 98 / 100); /* samples' worth of right positions, position 0 not counted */
  y[3 * T + 5] = 5; /* a label past the vocabulary: refused before anything runs, naming the position */
  CHECK_ERR(dl_model_run(m, data, u8, N, order, N, 32, 1, 0, stats, &done, &used), DL_ERR_ARG, "'y' at position 5 of sample 3 is 5, not a class in [0, 5)");
  y[3 * T + 5] = 1, x[7 * T + 2] = 9; /* a token past the vocabulary: the step is refused */
  CHECK_ERR(dl_model_run(m, data, u8, N, order, N, 32, 1, 0, stats, &done, &used), DL_ERR_ARG, "token 9 at position 2 of sample");
  dl_model_destroy(m);
}

static void test_sequence_layers_shape_and_refuse_what_does_not_fit(void) {
  dl_model *m;
  const char *spec = "{\"inputs\":{\"x\":[6,3]},\"networks\":{\"r\":[{\"type\":\"gru\",\"units\":4,\"bidirectional\":true,\"returnSequences\":false}]},"
                     "\"outputs\":{\"h\":{\"net\":\"r\",\"from\":\"x\"}}}";
  CHECK_OK(dl_model_create(&m, spec, strlen(spec)));
  int32_t nd, shape[4], batched;
  CHECK_OK(dl_graph_shape(m->g, m->output, &nd, shape, &batched));
  CHECK(nd == 2 && shape[1] == 8); /* both directions' last states */
  dl_model_destroy(m);
  spec = "{\"inputs\":{\"x\":{\"shape\":[16],\"tokens\":50}},\"networks\":{\"g\":[{\"type\":\"embedding\",\"vocab\":50,\"units\":12},"
         "{\"type\":\"positionalEncoding\",\"learned\":false},{\"type\":\"transformerBlock\",\"heads\":3},{\"type\":\"transformerBlock\",\"heads\":3,\"preNorm\":false}]},"
         "\"outputs\":{\"h\":{\"net\":\"g\",\"from\":\"x\"}}}";
  CHECK_OK(dl_model_create(&m, spec, strlen(spec)));
  CHECK_OK(dl_graph_shape(m->g, m->output, &nd, shape, &batched));
  CHECK(nd == 3 && shape[1] == 16 && shape[2] == 12);
  dl_model_destroy(m);
  spec = "{\"input\":[4],\"layers\":[{\"type\":\"lstm\",\"units\":4}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_SHAPE, "layer 1 (lstm 'lstm_1'): input must be a sequence [steps, features] per sample, is [4] (token ids need an embedding or oneHot layer first)");
  spec = "{\"input\":[5,8],\"layers\":[{\"type\":\"multiHeadAttention\",\"heads\":3}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_ARG, "3 heads do not divide the width 8");
  spec = "{\"inputs\":{\"x\":{\"shape\":[4],\"tokens\":1}},\"networks\":{\"g\":[{\"type\":\"embedding\",\"vocab\":5,\"units\":2}]},\"outputs\":{\"h\":{\"net\":\"g\",\"from\":\"x\"}}}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_ARG, "tokens (the vocabulary size) must be a whole number in [2, 16777216]");
  spec = "{\"input\":[4],\"layers\":[{\"type\":\"embedding\",\"vocab\":5,\"units\":2,\"name\":\"e\"},{\"type\":\"dense\",\"units\":4,\"perPosition\":true,\"tiedTo\":\"e\"}]}";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_SHAPE, "tiedTo 'e': its kernel is [5, 2], so this layer needs 2 inputs and 5 units, not 2 and 4");
}

/* The one-token graph gives the logits of the full window, position by position, for recurrent
 * and attention models; the causal mask hides later tokens; beams reorder. */
static const char *const lm_specs[] = {
    "{\"seed\":4,\"inputs\":{\"x\":{\"shape\":[12],\"tokens\":7}},\"networks\":{\"lm\":[{\"type\":\"embedding\",\"vocab\":7,\"units\":6},"
    "{\"type\":\"lstm\",\"units\":8},{\"type\":\"gru\",\"units\":5},{\"type\":\"simpleRnn\",\"units\":4},{\"type\":\"dense\",\"units\":7,\"perPosition\":true}]},"
    "\"outputs\":{\"logits\":{\"net\":\"lm\",\"from\":\"x\"}}}",
    "{\"seed\":5,\"inputs\":{\"x\":{\"shape\":[12],\"tokens\":7}},\"networks\":{\"lm\":[{\"type\":\"embedding\",\"vocab\":7,\"units\":8,\"name\":\"emb\"},"
    "{\"type\":\"positionalEncoding\"},{\"type\":\"transformerBlock\",\"heads\":2},{\"type\":\"transformerBlock\",\"heads\":4,\"preNorm\":false},"
    "{\"type\":\"layerNorm\"},{\"type\":\"dense\",\"units\":7,\"perPosition\":true,\"tiedTo\":\"emb\"}]},"
    "\"outputs\":{\"logits\":{\"net\":\"lm\",\"from\":\"x\"}}}",
};

static void test_generation_steps_match_the_full_window(void) {
  for (int k = 0; k < 2; k++) {
    dl_model *m = make(lm_specs[k]);
    enum { T = 12, V = 7 };
    float x[2 * T], full[2 * T * V], step[2 * V];
    for (int i = 0; i < 2 * T; i++) x[i] = (float)((i * 5 + 3) % V);
    const void *data[1] = {x};
    CHECK_OK(dl_model_infer(m, m->output, data, NULL, 2, full));
    /* the causal mask: changing the last token leaves every earlier position's logits as they were */
    float x2[T], full2[T * V];
    memcpy(x2, x, sizeof x2);
    x2[T - 1] = (float)(((int)x2[T - 1] + 1) % V);
    const void *data2[1] = {x2};
    CHECK_OK(dl_model_infer(m, m->output, data2, NULL, 1, full2));
    CHECK(memcmp(full, full2, (T - 1) * V * sizeof(float)) == 0);
    CHECK(memcmp(full + (T - 1) * V, full2 + (T - 1) * V, V * sizeof(float)) != 0);
    /* two streams, one token at a time */
    CHECK_OK(dl_model_generate_begin(m, 2));
    float worst = 0;
    for (int t = 0; t < T; t++) {
      float tok[2] = {x[t], x[T + t]};
      CHECK_OK(dl_model_generate_step(m, tok, step));
      for (int b = 0; b < 2; b++)
        for (int v = 0; v < V; v++) {
          float d = fabsf(step[b * V + v] - full[(b * T + t) * V + v]);
          worst = d > worst ? d : worst;
        }
    }
    if (worst > 1e-5f) printf("  model %d: step logits differ from the window's by %g\n", k, worst);
    CHECK(worst <= 1e-5f);
    int32_t pos, window, vocab;
    CHECK_OK(dl_model_generate_info(m, &pos, &window, &vocab));
    CHECK(pos == T && vocab == V && window == (k ? T : 0));
    float tok[2] = {1, 2};
    if (k) CHECK_ERR(dl_model_generate_step(m, tok, step), DL_ERR_STATE, "the window of 12 tokens is full");
    /* beams: both streams continue stream 1, so the same token gives the same scores */
    CHECK_OK(dl_model_generate_begin(m, 2));
    float a[2] = {1, 4}, same[2] = {3, 3};
    CHECK_OK(dl_model_generate_step(m, a, step));
    CHECK_OK(dl_model_generate_reorder(m, (const int32_t[]){1, 1}));
    CHECK_OK(dl_model_generate_step(m, same, step));
    CHECK(memcmp(step, step + V, V * sizeof(float)) == 0);
    CHECK_ERR(dl_model_generate_reorder(m, (const int32_t[]){0, 2}), DL_ERR_ARG, "stream 1 would continue stream 2, outside [0, 2)");
    float bad[2] = {1, 7};
    CHECK_ERR(dl_model_generate_step(m, bad, step), DL_ERR_ARG, "token 7 of stream 1 is not in the vocabulary [0, 7)");
    dl_model_destroy(m);
  }
  dl_model *m;
  const char *spec = "{\"inputs\":{\"x\":{\"shape\":[6],\"tokens\":5}},\"networks\":{\"r\":[{\"type\":\"embedding\",\"vocab\":5,\"units\":3},"
                     "{\"type\":\"lstm\",\"units\":4,\"bidirectional\":true},{\"type\":\"dense\",\"units\":5,\"perPosition\":true}]},"
                     "\"outputs\":{\"h\":{\"net\":\"r\",\"from\":\"x\"}}}";
  CHECK_OK(dl_model_create(&m, spec, strlen(spec)));
  CHECK_ERR(dl_model_generate_begin(m, 1), DL_ERR_ARG, "generation: network 'r' layer 2 (lstm 'lstm_2'): a bidirectional layer reads the whole sequence");
  float tok = 0, out[5];
  CHECK_ERR(dl_model_generate_step(m, &tok, out), DL_ERR_STATE, "call generate_begin first");
  dl_model_destroy(m);
}

static void test_catalog_lists_every_layer_loss_and_optimizer(void) {
  const char *json;
  CHECK_OK(dl_catalog(&json));
  dl_json_doc *doc;
  const dl_json *r;
  CHECK_OK(dl_json_parse(json, strlen(json), &doc, &r));
  CHECK(dl_json_get(r, "layers")->count == 23);
  CHECK(dl_json_get(r, "losses")->count == 9);
  CHECK(strstr(json, "{\"name\":\"softplus\",\"op\":\"softplus\",")); /* activations name their op */
  CHECK(strstr(json, "\"option\":{\"name\":\"beta\",\"type\":\"number\",\"min\":0.01,\"max\":100,\"default\":1}}"));
  CHECK(dl_json_get(r, "optimizers")->count == 7);
  CHECK(strstr(json, "{\"name\":\"units\",\"type\":\"int\",\"doc\":\"outputs\",\"min\":1,\"max\":1048576,\"required\":true}"));
  dl_json_free(doc);
}

int main(void) {
  RUN(test_sequence_model_learns_to_echo_with_a_mask);
  RUN(test_sequence_layers_shape_and_refuse_what_does_not_fit);
  RUN(test_generation_steps_match_the_full_window);
  RUN(test_json_reads_every_kind_of_value);
  RUN(test_json_rejects_malformed_input_with_an_offset);
  RUN(test_model_summary_counts_parameters_like_keras);
  RUN(test_model_spec_errors_name_the_layer);
  RUN(test_program_trains_a_classifier_and_reports_per_step_stats);
  RUN(test_gan_program_trains_and_g_steps_leave_d_unchanged);
  RUN(test_refused_step_changes_nothing);
  RUN(test_critic_terms_build_and_run);
  RUN(test_shared_network_gradient_matches_finite_differences);
  RUN(test_two_network_model_resumes_bit_identically_after_load);
  RUN(test_bad_programs_name_the_culprit_and_change_nothing);
  RUN(test_model_file_round_trips_and_rejects_damage);
  RUN(test_model_file_with_bad_state_or_spec_is_refused);
  RUN(test_version_1_files_still_load);
  RUN(test_catalog_lists_every_layer_loss_and_optimizer);
  RUN(test_lenet_plans_share_memory_and_agree);
  return check_summary(__FILE__);
}

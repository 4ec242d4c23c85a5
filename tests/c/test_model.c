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
  CHECK(strstr(json, "\"name\":\"conv2d_1\",\"type\":\"conv2d\",\"shape\":[8,28,28],\"params\":208") != NULL);
  CHECK(strstr(json, "\"shape\":[16,10,10],\"params\":3216") != NULL);
  CHECK(strstr(json, "\"type\":\"batchNorm\",\"shape\":[120],\"params\":480") != NULL); /* gamma, beta, 2 running stats */
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
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_OOM, "too large");
  spec = "{\"input\":[3],\"layers\":[{\"type\":\"dense\",\"units\":4}]";
  CHECK_ERR(dl_model_create(&m, spec, strlen(spec)), DL_ERR_FORMAT, "json: expected ',' or '}'");
}

/* y = 1 when x0 > x1: a linear model learns it in a few epochs */
static void test_model_train_learns_and_reports_per_batch_stats(void) {
  const char *spec = "{\"input\":[2],\"layers\":[{\"type\":\"dense\",\"units\":8,\"activation\":\"tanh\"},{\"type\":\"dense\",\"units\":2}]}";
  dl_model *m = make(spec);
  enum { N = 256 };
  float x[2 * N], y[N], stats[3 * 8], out[2 * N];
  int32_t order[N], done, correct;
  uint32_t s = 7;
  for (int i = 0; i < N; i++) {
    s = s * 1664525u + 1013904223u, x[2 * i] = (s >> 8) / 16777216.0f;
    s = s * 1664525u + 1013904223u, x[2 * i + 1] = (s >> 8) / 16777216.0f;
    y[i] = x[2 * i] > x[2 * i + 1];
    order[i] = i;
  }
  dl_sched *sc;
  CHECK_OK(dl_sched_create(&sc, "constant", 0.05f));
  CHECK_ERR(dl_model_train(m, x, 0, y, N, order, N, 32, sc, 0, stats, &done), DL_ERR_STATE, "no loss set");
  CHECK_OK(dl_model_set_loss(m, "softmax_ce", 0));
  CHECK_OK(dl_model_set_optimizer(m, "adam"));
  float first = 0;
  for (int epoch = 0; epoch < 30; epoch++) {
    CHECK_OK(dl_model_train(m, x, 0, y, N, order, N, 32, sc, epoch * 8, stats, &done));
    CHECK(done == 8);
    if (epoch == 0) first = stats[0];
  }
  CHECK(stats[3 * 7] < first / 4);
  double loss;
  CHECK_OK(dl_model_evaluate(m, x, 0, y, N, out, &loss, &correct));
  CHECK(correct >= N * 95 / 100);
  order[5] = N; /* an index past the data */
  CHECK_ERR(dl_model_train(m, x, 0, y, N, order, N, 32, sc, 0, stats, &done), DL_ERR_ARG, "sample index 256 at position 5 outside [0, 256)");
  dl_sched_destroy(sc);
  dl_model_destroy(m);
}

static void test_model_file_round_trips_and_rejects_damage(void) {
  dl_model *m = make(lenet), *copy = NULL;
  CHECK_OK(dl_model_set_loss(m, "softmax_ce", 0.1f));
  CHECK_OK(dl_model_set_optimizer(m, "adamw"));
  uint8_t *bytes;
  size_t len;
  CHECK_OK(dl_model_save(m, 1, &bytes, &len));
  CHECK_OK(dl_model_load(&copy, bytes, len));
  dl_graph *a = dl_model_graph(m), *b = dl_model_graph(copy);
  CHECK(a->n - 2 == b->n); /* the copy has no loss nodes yet */
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
}

int main(void) {
  RUN(test_json_reads_every_kind_of_value);
  RUN(test_json_rejects_malformed_input_with_an_offset);
  RUN(test_model_summary_counts_parameters_like_keras);
  RUN(test_model_spec_errors_name_the_layer);
  RUN(test_model_train_learns_and_reports_per_batch_stats);
  RUN(test_model_file_round_trips_and_rejects_damage);
  return check_summary(__FILE__);
}

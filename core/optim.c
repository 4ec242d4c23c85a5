/* optim.c: optimizers, weight penalties, gradient clipping and the training step.
 *
 * An update takes the gradients the last backward left in the graph, then, in this order:
 *   1. penalties on decayed parameters: g += l1 sign(w) + 2 l2 w (+ weight_decay w, except AdamW)
 *   2. clipping by value (each g into [-clip_value, clip_value]) and by global norm
 *      (all g scaled by clip_norm / ||g|| when ||g|| > clip_norm)
 *   3. the rule (PyTorch's conventions; g the gradient, v/s/m state, t the step from 1):
 *      sgd       w -= lr g
 *      momentum  v = mu v + g;  w -= lr v
 *      nesterov  v = mu v + g;  w -= lr (g + mu v)
 *      rmsprop   s = rho s + (1 - rho) g^2;  w -= lr g / (sqrt(s) + eps)
 *      adagrad   s += g^2;  w -= lr g / (sqrt(s) + eps)
 *      adam      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *                w -= lr m_hat / (sqrt(v_hat) + eps), m_hat = m/(1 - b1^t), v_hat = v/(1 - b2^t)
 *      adamw     w -= lr weight_decay w (decoupled, decayed parameters only), then adam
 *   4. weight clipping (each w into [-clip_weights, clip_weights]), as WGAN clips its critic
 * Weights and state are stored with subnormals flushed to 0 (see vec_ref.c).
 * A non-finite gradient stops the update before anything changes. Otherwise the step consumes
 * the gradients: afterwards they hold the penalised, clipped values (so a second step without
 * a new backward would add the penalty twice). Defaults follow Keras where PyTorch differs
 * (rmsprop rho 0.9); adagrad's eps is 1e-10 as in PyTorch. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "graph.h"
#include "kernels/kernels.h"
#include "optim.h"
#include "text.h"

enum { OPT_SGD, OPT_MOMENTUM, OPT_NESTEROV, OPT_RMSPROP, OPT_ADAGRAD, OPT_ADAM, OPT_ADAMW, OPT_COUNT };
static const char *const opt_names[OPT_COUNT] = {"sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw"};

struct dl_optim {
  dl_graph *g;
  int type;
  uint32_t mask; /* parameter groups covered: bit k for group k */
  float momentum, beta1, beta2, eps, rho, weight_decay, l1, l2, clip_norm, clip_value;
  float clip_weights; /* after the 10 options a saved state holds (see SAVED_OPTIONS) */
  int64_t t;
  int32_t nparams, *ids;
  float **s1, **s2; /* per-parameter state: velocity / second moment / first moment */
};

static int selected(const dl_node *n, uint32_t mask) {
  return n->kind == DL_KIND_PARAM && (n->flags & DL_PARAM_TRAINABLE) && !(n->flags & DL_PARAM_STATE) && n->group < 32 &&
         ((mask >> n->group) & 1u);
}

void dl_optim_destroy(dl_optim *o) {
  if (!o) return;
  for (int32_t i = 0; i < o->nparams; i++) {
    if (o->s1) free(o->s1[i]);
    if (o->s2) free(o->s2[i]);
  }
  free(o->s1);
  free(o->s2);
  free(o->ids);
  free(o);
}

dl_status dl_optim_create(dl_optim **out, dl_graph *g, const char *type, int32_t group) {
  if (group >= 32) return dl_fail(DL_ERR_ARG, "optim_create: group %d outside [-1, 31]", group);
  return dl_optim_create_set(out, g, type, group < 0 ? 0xFFFFFFFFu : 1u << group);
}

dl_status dl_optim_create_set(dl_optim **out, dl_graph *g, const char *type, uint32_t mask) {
  if (!out || !g || !type) return dl_fail(DL_ERR_ARG, "optim_create: null argument");
  int k = -1;
  for (int i = 0; i < OPT_COUNT; i++)
    if (!strcmp(type, opt_names[i])) k = i;
  if (k < 0) return dl_fail(DL_ERR_ARG, "unknown optimizer: %s", type);
  dl_optim *o = calloc(1, sizeof *o);
  if (!o) return dl_fail(DL_ERR_OOM, "out of memory creating optimizer");
  o->g = g, o->type = k, o->mask = mask;
  o->momentum = 0.9f, o->beta1 = 0.9f, o->beta2 = 0.999f, o->rho = 0.9f;
  o->eps = k == OPT_ADAGRAD ? 1e-10f : 1e-8f;
  o->weight_decay = k == OPT_ADAMW ? 0.01f : 0.0f;
  for (int32_t i = 0; i < g->n; i++) o->nparams += selected(&g->nodes[i], mask);
  o->ids = calloc((size_t)o->nparams + 1, sizeof *o->ids);
  o->s1 = calloc((size_t)o->nparams + 1, sizeof *o->s1);
  o->s2 = calloc((size_t)o->nparams + 1, sizeof *o->s2);
  if (!o->ids || !o->s1 || !o->s2) goto fail;
  int need1 = k != OPT_SGD, need2 = k == OPT_ADAM || k == OPT_ADAMW;
  for (int32_t i = 0, j = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (!selected(n, mask)) continue;
    size_t len = dl_node_sample_numel(n);
    o->ids[j] = i;
    if (need1 && !(o->s1[j] = calloc(len, sizeof(float)))) goto fail;
    if (need2 && !(o->s2[j] = calloc(len, sizeof(float)))) goto fail;
    j++;
  }
  *out = o;
  return DL_OK;
fail:
  dl_optim_destroy(o);
  return dl_fail(DL_ERR_OOM, "out of memory for %s optimizer state", type);
}

#define ALL_OPTS ((1u << OPT_COUNT) - 1u)
/* The options, one table: the setter, the saved state and the catalog read it. `key` is the
 * spec's name (camelCase, as in JS); the C API also takes `alias`. */
static const struct optim_option {
  const char *key, *alias;
  size_t offset;
  double lo, hi;
  int lo_open, hi_open;
  unsigned types; /* the optimizers that use it: bit k for opt_names[k] */
  const char *doc;
} optim_options[] = {
    {"momentum", "momentum", offsetof(dl_optim, momentum), 0, 1, 0, 1, (1u << OPT_MOMENTUM) | (1u << OPT_NESTEROV), "momentum and nesterov: velocity decay (0.9)"},
    {"beta1", "beta1", offsetof(dl_optim, beta1), 0, 1, 0, 1, (1u << OPT_ADAM) | (1u << OPT_ADAMW), "adam, adamw: first-moment decay (0.9)"},
    {"beta2", "beta2", offsetof(dl_optim, beta2), 0, 1, 0, 1, (1u << OPT_ADAM) | (1u << OPT_ADAMW), "adam, adamw: second-moment decay (0.999)"},
    {"eps", "eps", offsetof(dl_optim, eps), 0, 1, 1, 0, (1u << OPT_RMSPROP) | (1u << OPT_ADAGRAD) | (1u << OPT_ADAM) | (1u << OPT_ADAMW), "added to the denominator (1e-8; adagrad 1e-10)"},
    {"rho", "rho", offsetof(dl_optim, rho), 0, 1, 0, 1, (1u << OPT_RMSPROP), "rmsprop: squared-gradient decay (0.9)"},
    {"weightDecay", "weight_decay", offsetof(dl_optim, weight_decay), 0, 1, 0, 0, ALL_OPTS, "decoupled for adamw (0.01), else added to the gradient (0)"},
    {"l1", "l1", offsetof(dl_optim, l1), 0, 1, 0, 0, ALL_OPTS, "penalty l1 sum|w| on weights (0)"},
    {"l2", "l2", offsetof(dl_optim, l2), 0, 1, 0, 0, ALL_OPTS, "penalty l2 sum w^2 on weights (0)"},
    {"clipNorm", "clip_norm", offsetof(dl_optim, clip_norm), 0, 1e30, 0, 0, ALL_OPTS, "clip the global gradient norm to this (0: off)"},
    {"clipValue", "clip_value", offsetof(dl_optim, clip_value), 0, 1e30, 0, 0, ALL_OPTS, "clip each gradient into [-v, v] (0: off)"},
    {"clipWeights", "clip_weights", offsetof(dl_optim, clip_weights), 0, 1e30, 0, 0, ALL_OPTS, "after each update, clamp every weight into [-c, c], as WGAN's critic (0: off)"},
};
#define OPTIM_NOPTIONS ((int)(sizeof optim_options / sizeof optim_options[0]))

static float *option_field(dl_optim *o, int i) { return (float *)((char *)o + optim_options[i].offset); }

dl_status dl_optim_set(dl_optim *o, const char *key, float v) {
  if (!o || !key) return dl_fail(DL_ERR_ARG, "optim_set: null argument");
  const char *name = opt_names[o->type];
  for (int i = 0; i < OPTIM_NOPTIONS; i++) {
    const struct optim_option *d = &optim_options[i];
    if (strcmp(key, d->key) && strcmp(key, d->alias)) continue;
    if (!isfinite(v)) return dl_fail(DL_ERR_ARG, "%s %s must be a finite number", name, key);
    if ((d->lo_open ? v <= d->lo : v < d->lo) || (d->hi_open ? v >= d->hi : v > d->hi))
      return dl_fail(DL_ERR_ARG, "%s %s = %g outside %c%g, %g%c", name, key, v, d->lo_open ? '(' : '[', d->lo, d->hi,
                     d->hi_open ? ')' : ']');
    *option_field(o, i) = v;
    return DL_OK;
  }
  return dl_fail(DL_ERR_ARG, "unknown %s option: %s", name, key);
}

int dl_optim_find(const char *type) {
  for (int i = 0; i < OPT_COUNT; i++)
    if (!strcmp(type, opt_names[i])) return i;
  return -1;
}

/* The rate a program uses when it names none: Keras's defaults. */
static const double default_lr[OPT_COUNT] = {0.01, 0.01, 0.01, 0.001, 0.01, 0.001, 0.001};
float dl_optim_default_lr(int type) { return type >= 0 && type < OPT_COUNT ? (float)default_lr[type] : 0.0f; }

void dl_optim_catalog(dl_text *t) {
  dl_put(t, "[");
  for (int k = 0; k < OPT_COUNT; k++) {
    dl_put(t, "%s{\"name\":\"%s\",\"lr\":", k ? "," : "", opt_names[k]);
    dl_put_num(t, default_lr[k]);
    dl_put(t, "}");
  }
  dl_put(t, "],\"optimizerOptions\":[");
  for (int i = 0; i < OPTIM_NOPTIONS; i++) {
    const struct optim_option *d = &optim_options[i];
    dl_put(t, "%s{\"name\":\"%s\",\"type\":\"number\",\"min\":", i ? "," : "", d->key);
    dl_put_num(t, d->lo);
    dl_put(t, ",\"max\":");
    dl_put_num(t, d->hi);
    dl_put(t, ",\"minOpen\":%s,\"maxOpen\":%s,\"doc\":\"%s\",\"optimizers\":[", d->lo_open ? "true" : "false", d->hi_open ? "true" : "false", d->doc);
    for (int k = 0, first = 1; k < OPT_COUNT; k++)
      if ((d->types >> k) & 1) dl_put(t, "%s\"%s\"", first ? "" : ",", opt_names[k]), first = 0;
    dl_put(t, "]}");
  }
  dl_put(t, "]");
}

uint32_t dl_optim_mask(const dl_optim *o) { return o->mask; }
int32_t dl_optim_nparams(const dl_optim *o) { return o->nparams; }

dl_status dl_optim_reset(dl_optim *o) {
  if (!o) return dl_fail(DL_ERR_ARG, "optim_reset: null optimizer");
  for (int32_t j = 0; j < o->nparams; j++) {
    size_t len = dl_node_sample_numel(&o->g->nodes[o->ids[j]]);
    if (o->s1[j]) memset(o->s1[j], 0, len * sizeof(float));
    if (o->s2[j]) memset(o->s2[j], 0, len * sizeof(float));
  }
  o->t = 0;
  return DL_OK;
}

float dl_optim_penalty(const dl_optim *o) {
  if (!o || (o->l1 == 0.0f && o->l2 == 0.0f)) return 0.0f;
  double s = 0.0;
  for (int32_t j = 0; j < o->nparams; j++) {
    dl_node *n = &o->g->nodes[o->ids[j]];
    if (!(n->flags & DL_PARAM_DECAY)) continue;
    for (size_t i = 0, k = dl_node_sample_numel(n); i < k; i++)
      s += o->l1 * fabs(n->value[i]) + o->l2 * (double)n->value[i] * n->value[i];
  }
  return (float)s;
}

static int active(const dl_node *n) { return !(n->flags & DL_PARAM_FROZEN); }

/* Each value into [-c, c]: gradients clipped by value, a critic's weights clipped. */
static void clamp_all(float *x, size_t n, float c) {
  for (size_t i = 0; i < n; i++) x[i] = x[i] > c ? c : x[i] < -c ? -c : x[i];
}

static double sum_squares(const float *x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
  return s;
}

dl_status dl_optim_step(dl_optim *o, float lr) {
  if (!o) return dl_fail(DL_ERR_ARG, "optim_step: null optimizer");
  if (!(lr >= 0.0f) || !isfinite(lr)) return dl_fail(DL_ERR_ARG, "learning rate %g must be a finite number >= 0", lr);
  dl_graph *g = o->g;
  int adamw = o->type == OPT_ADAMW;
  /* Check first, so a bad gradient changes nothing; clipping would hide an infinity. */
  for (int32_t j = 0; j < o->nparams; j++) {
    dl_node *n = &g->nodes[o->ids[j]];
    if (active(n) && !isfinite(dl_vmaxabs(dl_node_sample_numel(n), n->grad)))
      return dl_fail(DL_ERR_NUMERIC, "gradient is not finite (NaN or infinity): update skipped, weights kept");
  }
  double sq = 0.0;
  for (int32_t j = 0; j < o->nparams; j++) { /* penalties, clipping by value, and the norm when clipping by it */
    dl_node *n = &g->nodes[o->ids[j]];
    if (!active(n)) continue;
    float *w = n->value, *gr = n->grad;
    size_t k = dl_node_sample_numel(n);
    if (n->flags & DL_PARAM_DECAY) {
      float wd = adamw ? 0.0f : o->weight_decay;
      if (o->l1 != 0.0f || o->l2 != 0.0f || wd != 0.0f)
        for (size_t i = 0; i < k; i++)
          gr[i] += o->l1 * (w[i] > 0.0f ? 1.0f : w[i] < 0.0f ? -1.0f : 0.0f) + (2.0f * o->l2 + wd) * w[i];
    }
    if (o->clip_value > 0.0f) clamp_all(gr, k, o->clip_value);
    if (o->clip_norm > 0.0f) sq += sum_squares(gr, k);
  }
  float scale = 1.0f;
  if (o->clip_norm > 0.0f && sqrt(sq) > o->clip_norm) scale = (float)(o->clip_norm / sqrt(sq));
  o->t++;
  double c1 = 1.0 - pow(o->beta1, (double)o->t), c2 = 1.0 - pow(o->beta2, (double)o->t);
  for (int32_t j = 0; j < o->nparams; j++) {
    dl_node *n = &g->nodes[o->ids[j]];
    if (!active(n)) continue;
    float *w = n->value, *gr = n->grad, *s1 = o->s1[j], *s2 = o->s2[j];
    size_t k = dl_node_sample_numel(n);
    if (scale != 1.0f) dl_vscale(k, scale, gr, gr);
    switch (o->type) {
    case OPT_SGD: dl_vaxpy(k, -lr, gr, w); break;
    case OPT_MOMENTUM:
      for (size_t i = 0; i < k; i++) s1[i] = o->momentum * s1[i] + gr[i], w[i] -= lr * s1[i];
      break;
    case OPT_NESTEROV:
      for (size_t i = 0; i < k; i++) s1[i] = o->momentum * s1[i] + gr[i], w[i] -= lr * (gr[i] + o->momentum * s1[i]);
      break;
    case OPT_RMSPROP:
      for (size_t i = 0; i < k; i++)
        s1[i] = o->rho * s1[i] + (1.0f - o->rho) * gr[i] * gr[i], w[i] -= lr * gr[i] / (sqrtf(s1[i]) + o->eps);
      break;
    case OPT_ADAGRAD:
      for (size_t i = 0; i < k; i++) s1[i] += gr[i] * gr[i], w[i] -= lr * gr[i] / (sqrtf(s1[i]) + o->eps);
      break;
    case OPT_ADAMW:
      if ((n->flags & DL_PARAM_DECAY) && o->weight_decay != 0.0f) dl_vscale(k, 1.0f - lr * o->weight_decay, w, w);
      /* fall through */
    case OPT_ADAM:
      /* lr m_hat/(sqrt(v_hat) + eps) = (lr sqrt(c2)/c1) m / (sqrt(v) + eps sqrt(c2)) */
      dl_adam_update(k, (float)(lr * sqrt(c2) / c1), o->beta1, o->beta2, (float)(o->eps * sqrt(c2)), gr, s1, s2, w);
      break;
    }
    if (o->type != OPT_ADAM && o->type != OPT_ADAMW) { /* Adam's kernel flushes as it stores */
      dl_vflush(k, w);
      if (s1) dl_vflush(k, s1);
    }
    if (o->clip_weights > 0.0f) clamp_all(w, k, o->clip_weights);
  }
  return DL_OK;
}

dl_status dl_train_step(dl_graph *g, dl_optim *o, int32_t loss, float lr, float *loss_out) {
  dl_status st;
  if (!g || !o) return dl_fail(DL_ERR_ARG, "train_step: null graph or optimizer");
  if (o->g != g) return dl_fail(DL_ERR_ARG, "train_step: optimizer belongs to another graph");
  if (!(lr >= 0.0f) || !isfinite(lr)) return dl_fail(DL_ERR_ARG, "learning rate %g must be a finite number >= 0", lr);
  /* A refused step changes nothing: batch-norm statistics wait for the commit, and the random
   * stream is rewound so the retry draws what this step drew. */
  dl_rng saved = g->rng;
  int32_t defer = g->defer_commit;
  g->defer_commit = 1;
  float l = NAN;
  st = dl_graph_forward(g, loss);
  if (!st) {
    l = g->nodes[loss].value[0];
    if (!isfinite(l)) st = dl_fail(DL_ERR_NUMERIC, "loss is %s: step refused, weights kept", isnan(l) ? "NaN" : "infinite");
  }
  if (!st) st = dl_graph_backward(g, loss);
  if (!st) st = dl_optim_step(o, lr);
  if (st) {
    dl_graph_discard(g);
    g->rng = saved;
  } else {
    dl_graph_commit(g);
  }
  g->defer_commit = defer;
  if (loss_out) *loss_out = l;
  return st;
}

/* ---- state for saved models ----
 * type (u16 length + bytes), the first 10 options as f32 (options added since, such as
 * clipWeights, come back from the saved program, which sets every option), t as u64, the parameter count (u32), then per
 * parameter: name (u16 + bytes), numel (u32), s1 and s2 flags (u8 each), the s1 and s2 values.
 * Little-endian, as every wasm engine and the machines we build on are. */
#define SAVED_OPTIONS 10
static void opt_fields(dl_optim *o, float **f) {
  for (int i = 0; i < SAVED_OPTIONS; i++) f[i] = option_field(o, i);
}

size_t dl_optim_state_bytes(dl_optim *o) {
  size_t k = 2 + strlen(opt_names[o->type]) + 40 + 8 + 4;
  for (int32_t j = 0; j < o->nparams; j++) {
    dl_node *n = &o->g->nodes[o->ids[j]];
    size_t len = dl_node_sample_numel(n);
    k += 2 + strlen(n->name) + 4 + 2 + (o->s1[j] ? len * 4 : 0) + (o->s2[j] ? len * 4 : 0);
  }
  return k;
}

static uint8_t *put_bytes(uint8_t *p, const void *v, size_t n) { return memcpy(p, v, n), p + n; }
static uint8_t *put_name(uint8_t *p, const char *s) {
  uint16_t n = (uint16_t)strlen(s);
  return put_bytes(put_bytes(p, &n, 2), s, n);
}

void dl_optim_write_state(dl_optim *o, uint8_t *p) {
  float *f[SAVED_OPTIONS];
  opt_fields(o, f);
  p = put_name(p, opt_names[o->type]);
  for (int i = 0; i < SAVED_OPTIONS; i++) p = put_bytes(p, f[i], 4);
  uint64_t t = (uint64_t)o->t;
  uint32_t count = (uint32_t)o->nparams;
  p = put_bytes(p, &t, 8);
  p = put_bytes(p, &count, 4);
  for (int32_t j = 0; j < o->nparams; j++) {
    dl_node *n = &o->g->nodes[o->ids[j]];
    uint32_t len = (uint32_t)dl_node_sample_numel(n);
    uint8_t has[2] = {o->s1[j] != NULL, o->s2[j] != NULL};
    p = put_name(p, n->name);
    p = put_bytes(p, &len, 4);
    p = put_bytes(p, has, 2);
    if (has[0]) p = put_bytes(p, o->s1[j], len * 4);
    if (has[1]) p = put_bytes(p, o->s2[j], len * 4);
  }
}

/* Read state written by dl_optim_write_state into a fresh optimizer of the same type over the
 * same parameters; checks every length against the buffer. */
dl_status dl_optim_read_state(dl_optim *o, const uint8_t *p, size_t len) {
  size_t pos = 0;
#define NEED(k) \
  if (len - pos < (size_t)(k)) return dl_fail(DL_ERR_FORMAT, "model file: optimizer state truncated")
  uint16_t n16;
  NEED(2);
  memcpy(&n16, p, 2), pos = 2;
  NEED(n16);
  if (n16 != strlen(opt_names[o->type]) || memcmp(p + pos, opt_names[o->type], n16))
    return dl_fail(DL_ERR_FORMAT, "model file: optimizer state is for another optimizer");
  pos += n16;
  float *f[SAVED_OPTIONS], v[SAVED_OPTIONS];
  NEED(40 + 8 + 4);
  memcpy(v, p + pos, 40), pos += 40;
  for (int i = 0; i < SAVED_OPTIONS; i++) {
    const struct optim_option *d = &optim_options[i];
    if (!isfinite(v[i]) || (d->lo_open ? v[i] <= d->lo : v[i] < d->lo) || (d->hi_open ? v[i] >= d->hi : v[i] > d->hi))
      return dl_fail(DL_ERR_FORMAT, "model file: optimizer option %s = %g is out of range", d->key, v[i]);
  }
  uint64_t t;
  uint32_t count;
  memcpy(&t, p + pos, 8), pos += 8;
  memcpy(&count, p + pos, 4), pos += 4;
  if (t > ((uint64_t)1 << 53)) return dl_fail(DL_ERR_FORMAT, "model file: optimizer step count %llu is out of range", (unsigned long long)t);
  if (count != (uint32_t)o->nparams) return dl_fail(DL_ERR_FORMAT, "model file: optimizer state covers %u parameters, model has %d", count, o->nparams);
  for (int32_t j = 0; j < o->nparams; j++) {
    dl_node *n = &o->g->nodes[o->ids[j]];
    size_t numel = dl_node_sample_numel(n);
    uint32_t len32;
    uint8_t has[2];
    NEED(2);
    memcpy(&n16, p + pos, 2), pos += 2;
    NEED(n16 + 4 + 2);
    if (n16 != strlen(n->name) || memcmp(p + pos, n->name, n16))
      return dl_fail(DL_ERR_FORMAT, "model file: optimizer state for '%.*s' where '%s' was expected", n16 < 40 ? n16 : 40, (const char *)p + pos, n->name);
    pos += n16;
    memcpy(&len32, p + pos, 4), pos += 4;
    memcpy(has, p + pos, 2), pos += 2;
    if (len32 != numel || has[0] != (o->s1[j] != NULL) || has[1] != (o->s2[j] != NULL))
      return dl_fail(DL_ERR_FORMAT, "model file: optimizer state for '%s' does not fit", n->name);
    NEED((size_t)(has[0] + has[1]) * numel * 4);
    pos += (size_t)(has[0] + has[1]) * numel * 4;
  }
#undef NEED
  /* everything checked: now copy */
  opt_fields(o, f);
  for (int i = 0; i < SAVED_OPTIONS; i++) *f[i] = v[i];
  o->t = (int64_t)t;
  pos = 2 + strlen(opt_names[o->type]) + 40 + 8 + 4;
  for (int32_t j = 0; j < o->nparams; j++) {
    dl_node *n = &o->g->nodes[o->ids[j]];
    size_t numel = dl_node_sample_numel(n);
    pos += 2 + strlen(n->name) + 4 + 2;
    if (o->s1[j]) memcpy(o->s1[j], p + pos, numel * 4), pos += numel * 4;
    if (o->s2[j]) memcpy(o->s2[j], p + pos, numel * 4), pos += numel * 4;
  }
  return DL_OK;
}

const char *dl_optim_type(const dl_optim *o) { return opt_names[o->type]; }
int64_t dl_optim_steps(const dl_optim *o) { return o->t; }

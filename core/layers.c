/* layers.c: the one table of layers and activations, and applying a network's layers.
 *
 * Each layer is an entry of `layer_table`: its name, its options (type, range, default, what it
 * means) and a builder that composes graph ops and creates parameters. The spec builder reads
 * options through the table, so an unknown or out-of-range option fails with the same words
 * everywhere, and dl_layer_catalog() hands the same table to JavaScript (docs, the page's layer
 * editor). Activations are one table too (`act_table`).
 *
 * A network is applied to a tensor any number of times: the first application creates the
 * parameters ("D/dense_1/kernel"), later ones find them by name and check their shape; op nodes
 * of later applications are named "D#2/dense_1", ... Errors name the layer: "layer 3 (conv2d
 * 'c2'): kernel 7x7 is larger than the 5x5 input it receives (padding included); use a
 * smaller kernel or padding 'same'", with "network 'D' " in front for named networks. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "init.h"
#include "layer_builder.h"
#include "layers.h"
#include "ops/ops.h"
#include "text.h"

static const char *const kind_names[] = {"int", "number", "bool", "pair", "padding", "initializer", "shape", "layers", "layer"};

/* ---- activations ---- */
typedef struct {
  const char *name, *op, *alias_of;
  const char *param; /* its option key, or NULL */
  double lo, hi, def; /* (double: the catalog prints them as written, 0.01 not 0.00999999978) */
  int relu_like;     /* kernels before it default to He initialization */
  const char *doc;
} act_def;

static const act_def act_table[] = {
    {"linear", NULL, NULL, NULL, 0, 0, 0, 0, "identity: f(x) = x"},
    {"relu", "relu", NULL, NULL, 0, 0, 0, 1, "max(0, x)"},
    {"leakyRelu", "leaky_relu", NULL, "alpha", 0, 1, 0.01, 1, "x for x > 0, alpha x below"},
    {"prelu", "prelu", NULL, NULL, 0, 0, 0, 1, "leaky ReLU whose slope is learned, one per channel (starts at 0.25)"},
    {"elu", "elu", NULL, "alpha", 0, 100, 1, 1, "x for x > 0, alpha (e^x - 1) below"},
    {"silu", "silu", NULL, "beta", 0, 100, 1, 1, "x sigmoid(beta x) (Swish)"},
    {"gelu", "gelu", NULL, NULL, 0, 0, 0, 1, "x Phi(x), the exact (erf) form"},
    {"softplus", "softplus", NULL, "beta", 0.01, 100, 1, 0, "log(1 + e^(beta x)) / beta"},
    {"sigmoid", "sigmoid", NULL, NULL, 0, 0, 0, 0, "1 / (1 + e^-x)"},
    {"tanh", "tanh", NULL, NULL, 0, 0, 0, 0, "hyperbolic tangent"},
    {"step", "step", NULL, NULL, 0, 0, 0, 0, "1 for x > 0, else 0 (derivative taken as 0)"},
    {"softmax", "softmax", NULL, NULL, 0, 0, 0, 0, "e^x / sum e^x over the last axis"},
    {"logSoftmax", "log_softmax", NULL, NULL, 0, 0, 0, 0, "log of softmax, computed stably"},
    {"none", NULL, "linear", NULL, 0, 0, 0, 0, ""},
    {"leaky_relu", "leaky_relu", "leakyRelu", "alpha", 0, 1, 0.01, 1, ""},
    {"swish", "silu", "silu", "beta", 0, 100, 1, 1, ""},
    {"log_softmax", "log_softmax", "logSoftmax", NULL, 0, 0, 0, 0, ""},
};
#define NACT ((int)(sizeof act_table / sizeof act_table[0]))

static const act_def *find_act(const char *name) {
  for (int i = 0; name && i < NACT; i++)
    if (!strcmp(name, act_table[i].name)) return &act_table[i];
  return NULL;
}

/* ---- messages ---- */

dl_status lb_fail(builder *b, dl_status code, const char *fmt, ...) {
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return dl_fail(code, "%s: %s", b->label, msg);
}

/* Re-label an error from the graph ("conv2d 'c2': ...") with the layer number. */
dl_status lb_relabel(builder *b, dl_status st) {
  if (st && b->net->prefix[0]) dl_fail(st, "network '%s' layer %d: %s", b->net->name, b->index, dl_last_error());
  else if (st) dl_fail(st, "layer %d: %s", b->index, dl_last_error());
  return st;
}

/* ---- reading options through the table ---- */

static int find_opt(const layer_def *d, const char *key) {
  for (int i = 0; i < MAX_OPTS && d->opts[i].key; i++)
    if (!strcmp(d->opts[i].key, key)) return i;
  return -1;
}

static int whole_in(const dl_json *v, double lo, double hi) {
  return v->type == DL_JSON_NUMBER && v->number == floor(v->number) && v->number >= lo && v->number <= hi;
}

static dl_status read_option(builder *b, const opt_def *o, const dl_json *v, opt_val *out) {
  out->json = v;
  out->given = v != NULL;
  out->num = o->def;
  out->pair[0] = out->pair[1] = (int)o->def;
  if (!v) return o->def == REQUIRED ? lb_fail(b, DL_ERR_ARG, "%s is required", o->key) : DL_OK;
  switch (o->kind) {
  case K_INT:
    if (!whole_in(v, o->lo, o->hi)) return lb_fail(b, DL_ERR_ARG, "%s must be a whole number in [%.0f, %.0f]", o->key, o->lo, o->hi);
    out->num = v->number;
    return DL_OK;
  case K_FLOAT:
    if (v->type != DL_JSON_NUMBER || !(v->number >= o->lo && v->number <= o->hi))
      return lb_fail(b, DL_ERR_ARG, "%s must be a number in [%g, %g]", o->key, o->lo, o->hi);
    out->num = v->number;
    return DL_OK;
  case K_BOOL:
    if (v->type != DL_JSON_BOOL && !(v->type == DL_JSON_NUMBER && (v->number == 0 || v->number == 1)))
      return lb_fail(b, DL_ERR_ARG, "%s must be true or false", o->key);
    out->num = v->number;
    return DL_OK;
  case K_PAIR:
    if (v->type == DL_JSON_NUMBER) {
      if (!whole_in(v, o->lo, o->hi)) return lb_fail(b, DL_ERR_ARG, "%s must be a whole number in [%.0f, %.0f] or two of them", o->key, o->lo, o->hi);
      out->pair[0] = out->pair[1] = (int)v->number;
      return DL_OK;
    }
    if (v->type == DL_JSON_ARRAY && v->count == 2 && whole_in(dl_json_at(v, 0), o->lo, o->hi) && whole_in(dl_json_at(v, 1), o->lo, o->hi)) {
      out->pair[0] = (int)dl_json_at(v, 0)->number, out->pair[1] = (int)dl_json_at(v, 1)->number;
      return DL_OK;
    }
    return lb_fail(b, DL_ERR_ARG, "%s must be a whole number in [%.0f, %.0f] or two of them", o->key, o->lo, o->hi);
  case K_LAYERS:
    if (v->type != DL_JSON_ARRAY || v->count == 0) return lb_fail(b, DL_ERR_ARG, "%s must be a non-empty array", o->key);
    return DL_OK;
  case K_LAYER_NAME:
    if (v->type != DL_JSON_STRING) return lb_fail(b, DL_ERR_ARG, "%s must name a layer", o->key);
    return DL_OK;
  default: /* padding, initializer, shape: read by the builder, which knows the input */
    return DL_OK;
  }
}

/* Every key of the layer object is known, and every option is in range. */
static dl_status read_options(builder *b, const act_def *act) {
  const layer_def *d = b->def;
  for (const dl_json *kv = b->layer->child; kv; kv = kv->next) {
    const char *k = kv->key;
    if (!strcmp(k, "type") || !strcmp(k, "name") || !strcmp(k, "activation")) continue;
    if (act && act->param && !strcmp(k, act->param)) continue;
    if (find_opt(d, k) >= 0) continue;
    const act_def *owner = NULL;
    for (int i = 0; i < NACT && !owner; i++)
      if (act_table[i].param && !strcmp(act_table[i].param, k)) owner = &act_table[i];
    if (owner) return lb_fail(b, DL_ERR_ARG, "option %s belongs to the %s activation, not %s", k, owner->name, act ? act->name : "linear");
    char known[200] = "";
    for (int i = 0; i < MAX_OPTS && d->opts[i].key; i++) dl_append_name(known, sizeof known, d->opts[i].key);
    dl_append_name(known, sizeof known, "name");
    dl_append_name(known, sizeof known, "activation");
    return lb_fail(b, DL_ERR_ARG, "unknown option %s (%s takes %s)", k, d->name, known);
  }
  for (int i = 0; i < MAX_OPTS && d->opts[i].key; i++) {
    dl_status st = read_option(b, &d->opts[i], dl_json_get(b->layer, d->opts[i].key), &b->val[i]);
    if (st) return st;
  }
  return DL_OK;
}

const opt_val *lb_val(builder *b, const char *key) {
  int i = find_opt(b->def, key);
  return &b->val[i < 0 ? 0 : i]; /* keys are the table's own: i >= 0 */
}
int lb_ival(builder *b, const char *key) { return (int)lb_val(b, key)->num; }
float lb_fval(builder *b, const char *key) { return (float)lb_val(b, key)->num; }

/* ---- nodes ---- */

dl_status lb_add_op(builder *b, const char *op, const char *suffix, int nin, const int32_t *in, int ni,
                        const int32_t *ia, int nf, const float *fa, int32_t *id) {
  char name[DL_NAME_MAX + 16];
  const char *layer = b->info->name + strlen(b->net->prefix);
  snprintf(name, sizeof name, suffix ? "%s%s/%s" : "%s%s", b->ops, layer, suffix);
  return lb_relabel(b, dl_graph_op(b->g, op, name, nin, in, ni, ia, nf, fa, id));
}

/* A parameter "<layer>/<suffix>": created by the first application, found by later ones. */
dl_status lb_add_param(builder *b, const char *suffix, int nd, const int32_t *shape, int flags, int32_t *id) {
  char name[DL_NAME_MAX + 16]; /* networks 23, layers 24 and suffixes 12 characters fit DL_NAME_MAX */
  snprintf(name, sizeof name, "%s/%s", b->info->name, suffix);
  if (b->app > 0) {
    dl_node *p;
    if (dl_graph_find(b->g, name, id) || (p = &b->g->nodes[*id])->kind != DL_KIND_PARAM)
      return lb_fail(b, DL_ERR_SHAPE, "applied again, but parameter %s was not made by the first application", name);
    int same = p->ndim == nd;
    for (int i = 0; same && i < nd; i++) same = p->shape[i] == shape[i];
    if (!same) return lb_fail(b, DL_ERR_SHAPE, "applied again to an input that changes the shape of %s", name);
    return DL_OK;
  }
  if (b->info->nparams >= DL_LAYER_MAX_PARAMS)
    return lb_fail(b, DL_ERR_ARG, "more than %d parameters in one layer", DL_LAYER_MAX_PARAMS);
  uint64_t values = dl_size_dims(nd, shape); /* non-positive dims are huge here; the graph names them */
  if (dl_size_add(b->m->param_values, values) > DL_MAX_MODEL_PARAMS) /* before allocating or initializing */
    return lb_fail(b, DL_ERR_OOM, "%s would bring the model past %zu parameter values", suffix, DL_MAX_MODEL_PARAMS);
  b->m->param_values += values;
  dl_status st = lb_relabel(b, dl_graph_param(b->g, name, nd, shape, flags, id));
  if (st) return st;
  b->g->nodes[*id].group = b->netid;
  b->info->params[b->info->nparams++] = *id;
  return DL_OK;
}

/* Fill a new parameter from the initializer option `key` (a name or {type, a, b}), or `def`. */
dl_status lb_init_param(builder *b, const char *key, const char *def, int32_t id) {
  if (b->app > 0) return DL_OK;
  const dl_json *v = key ? dl_json_get(b->layer, key) : NULL;
  const char *name = def;
  float a = 0, bb = 0;
  if (v && v->type == DL_JSON_STRING) name = v->string;
  else if (v && v->type == DL_JSON_OBJECT) {
    const dl_json *t = dl_json_get(v, "type"), *ja = dl_json_get(v, "a"), *jb = dl_json_get(v, "b");
    if (!t || t->type != DL_JSON_STRING) return lb_fail(b, DL_ERR_ARG, "%s needs a \"type\"", key);
    name = t->string;
    if (ja && ja->type == DL_JSON_NUMBER) a = (float)ja->number;
    if (jb && jb->type == DL_JSON_NUMBER) bb = (float)jb->number;
  } else if (v) {
    return lb_fail(b, DL_ERR_ARG, "%s must be an initializer name or {type, a, b}", key);
  }
  if (!strcmp(name, "normal") && bb == 0 && !(v && v->type == DL_JSON_OBJECT)) bb = 0.05f; /* a usable default std */
  if (!strcmp(name, "uniform") && a == 0 && bb == 0) a = -0.05f, bb = 0.05f;
  dl_status st = dl_graph_init_param(b->g, id, name, a, bb);
  return st ? lb_fail(b, st, "%s: %s", key ? key : "init", dl_last_error()) : DL_OK;
}

dl_status lb_init_constant(builder *b, int32_t id, float c) {
  return b->app > 0 ? DL_OK : lb_relabel(b, dl_graph_init_param(b->g, id, "constant", c, 0));
}

static dl_status apply_activation(builder *b, const act_def *act, int32_t *cur) {
  if (!act || !act->op) return DL_OK;
  if (!strcmp(act->op, "prelu")) {
    dl_node *x = &b->g->nodes[*cur];
    int32_t C = x->ndim > 1 ? x->shape[1] : 1, a;
    dl_status st;
    if ((st = lb_add_param(b, "alpha", 1, &C, DL_PARAM_TRAINABLE, &a)) || (st = lb_init_constant(b, a, 0.25f))) return st;
    int32_t in[2] = {*cur, a};
    return lb_add_op(b, "prelu", "prelu", 2, in, 0, NULL, 0, NULL, cur);
  }
  float f = (float)act->def;
  const dl_json *v = act->param ? dl_json_get(b->layer, act->param) : NULL;
  if (v && (v->type != DL_JSON_NUMBER || !(v->number >= act->lo && v->number <= act->hi)))
    return lb_fail(b, DL_ERR_ARG, "%s must be a number in [%g, %g]", act->param, act->lo, act->hi);
  if (v) f = (float)v->number;
  return lb_add_op(b, act->op, act->op, 1, cur, 0, NULL, act->param ? 1 : 0, &f, cur);
}

/* ---- layers ---- */

static int relu_like_next(builder *b) {
  const dl_json *a = dl_json_get(b->layer, "activation");
  const act_def *act = a && a->type == DL_JSON_STRING ? find_act(a->string) : NULL;
  return act && act->relu_like;
}

/* The kernel of dense layer `name` ("dense_1", or "enc/dense_1" in a named network; a short
 * name looks in this layer's own network first), for a layer that ties its weight to it. */
static dl_status tied_kernel(builder *b, const char *name, int32_t *id) {
  char full[DL_NAME_MAX + 8];
  const dl_layer *L = NULL;
  snprintf(full, sizeof full, "%s%s", b->net->prefix, name);
  for (int i = 0; i < b->m->nlayers && !L; i++)
    if (&b->m->layers[i] != b->info && (!strcmp(b->m->layers[i].name, full) || !strcmp(b->m->layers[i].name, name))) L = &b->m->layers[i];
  if (!L || (strcmp(L->type, "dense") && strcmp(L->type, "embedding")) || L->nparams < 1)
    return lb_fail(b, DL_ERR_ARG, "tiedTo '%.30s' must name a dense or embedding layer built before this one", name);
  *id = L->params[0];
  return DL_OK;
}

static dl_status layer_dense(builder *b, int32_t *cur) {
  int units = lb_ival(b, "units"), per = lb_ival(b, "perPosition");
  dl_node *x = &b->g->nodes[*cur];
  int32_t shape[2] = {(int32_t)(dl_node_sample_numel(x) / (x->batched ? 1 : (size_t)x->shape[0])), units}, w, bias = -1, tied = 0;
  if (per) shape[0] = x->shape[x->ndim - 1];
  dl_status st;
  const opt_val *tie = lb_val(b, "tiedTo");
  if (tie->given) { /* the other layer's kernel, transposed: it maps units -> inputs, this one inputs -> units */
    if ((st = tied_kernel(b, tie->json->string, &w))) return st;
    dl_node *k = &b->g->nodes[w];
    if (k->shape[0] != units || k->shape[1] != shape[0])
      return lb_fail(b, DL_ERR_SHAPE, "tiedTo '%.30s': its kernel is [%d, %d], so this layer needs %d inputs and %d units, not %d and %d",
                   tie->json->string, k->shape[0], k->shape[1], k->shape[1], k->shape[0], shape[0], units);
    if (lb_val(b, "kernelInitializer")->given) return lb_fail(b, DL_ERR_ARG, "a tied layer has no kernel of its own to initialize");
    tied = 1;
  } else {
    if ((st = lb_add_param(b, "kernel", 2, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
    if ((st = lb_init_param(b, "kernelInitializer", relu_like_next(b) ? "he_normal" : "xavier_uniform", w))) return st;
  }
  if (lb_ival(b, "useBias")) {
    if ((st = lb_add_param(b, "bias", 1, &shape[1], DL_PARAM_TRAINABLE, &bias))) return st;
    if ((st = lb_init_param(b, "biasInitializer", "zeros", bias))) return st;
  }
  int32_t in[3] = {*cur, w, bias}, a[2] = {tied, per};
  return lb_add_op(b, "dense", NULL, bias >= 0 ? 3 : 2, in, 2, a, 0, NULL, cur);
}

/* padding: "valid" | "same" | n | [h, w] into conv iattr slots 2..6 */
static dl_status padding_attr(builder *b, int32_t *a) {
  const dl_json *v = lb_val(b, "padding")->json;
  if (!v || (v->type == DL_JSON_STRING && !strcmp(v->string, "valid"))) return a[6] = 1, DL_OK;
  if (v->type == DL_JSON_STRING && !strcmp(v->string, "same")) return a[6] = 2, DL_OK;
  if (v->type == DL_JSON_STRING) return lb_fail(b, DL_ERR_ARG, "padding must be \"valid\", \"same\", n or [h, w], got \"%s\"", v->string);
  opt_val p;
  opt_def d = {"padding", K_PAIR, 0, 1024, 0, ""};
  dl_status st = read_option(b, &d, v, &p);
  if (st) return st;
  a[2] = a[4] = p.pair[0], a[3] = a[5] = p.pair[1], a[6] = 0;
  return DL_OK;
}

static dl_status conv_common(builder *b, int32_t *cur, int transposed) {
  int filters = lb_ival(b, "filters");
  const int *k = lb_val(b, "kernel")->pair, *s = lb_val(b, "stride")->pair;
  int op[2] = {0, 0};
  if (transposed) op[0] = lb_val(b, "outputPadding")->pair[0], op[1] = lb_val(b, "outputPadding")->pair[1];
  dl_node *x = &b->g->nodes[*cur];
  if (x->ndim != 4) return lb_fail(b, DL_ERR_SHAPE, "input must be [channels, height, width], is %d-D per sample", x->ndim - 1);
  int32_t C = x->shape[1], shape[4] = {transposed ? C : filters, transposed ? filters : C, k[0], k[1]}, w, bias = -1;
  dl_status st;
  if ((st = lb_add_param(b, "kernel", 4, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
  if ((st = lb_init_param(b, "kernelInitializer", relu_like_next(b) ? "he_normal" : "xavier_uniform", w))) return st;
  if (lb_ival(b, "useBias")) {
    if ((st = lb_add_param(b, "bias", 1, &filters, DL_PARAM_TRAINABLE, &bias))) return st;
    if ((st = lb_init_param(b, "biasInitializer", "zeros", bias))) return st;
  }
  const int *d = transposed ? NULL : lb_val(b, "dilation")->pair;
  int32_t a[11] = {s[0], s[1], 0, 0, 0, 0, 1, op[0], op[1], d ? d[0] : 1, d ? d[1] : 1};
  if ((st = padding_attr(b, a))) return st;
  int32_t in[3] = {*cur, w, bias};
  return lb_add_op(b, transposed ? "conv2d_transpose" : "conv2d", NULL, bias >= 0 ? 3 : 2, in, 11, a, 0, NULL, cur);
}
static dl_status layer_conv2d(builder *b, int32_t *cur) { return conv_common(b, cur, 0); }
static dl_status layer_conv2d_t(builder *b, int32_t *cur) { return conv_common(b, cur, 1); }

static dl_status pool_common(builder *b, int32_t *cur, const char *op) {
  const int *k = lb_val(b, "size")->pair;
  int s[2] = {lb_val(b, "stride")->pair[0], lb_val(b, "stride")->pair[1]};
  if (!lb_val(b, "stride")->given) s[0] = k[0], s[1] = k[1];
  int32_t c[9] = {0, 0, 0, 0, 0, 0, 1, 0, 0};
  dl_status st = padding_attr(b, c);
  if (st) return st;
  int32_t a[9] = {k[0], k[1], s[0], s[1], c[2], c[3], c[4], c[5], c[6]};
  return lb_add_op(b, op, NULL, 1, cur, 9, a, 0, NULL, cur);
}
static dl_status layer_maxpool(builder *b, int32_t *cur) { return pool_common(b, cur, "maxpool2d"); }
static dl_status layer_avgpool(builder *b, int32_t *cur) { return pool_common(b, cur, "avgpool2d"); }
static dl_status layer_gap(builder *b, int32_t *cur) { return lb_add_op(b, "global_avgpool", NULL, 1, cur, 0, NULL, 0, NULL, cur); }
static dl_status layer_upsample(builder *b, int32_t *cur) {
  return lb_add_op(b, "upsample", NULL, 1, cur, 2, lb_val(b, "size")->pair, 0, NULL, cur);
}

/* A per-sample shape: an array of 1 to 3 whole sizes in [1, 2^24]. Returns how many, or 0 when
 * v is not such an array, or -1 when an entry is not such a size (callers word the message). */
int dl_read_sizes(const dl_json *v, int32_t *out) {
  if (!v || v->type != DL_JSON_ARRAY || v->count < 1 || v->count > 3) return 0;
  for (int i = 0; i < v->count; i++) {
    const dl_json *e = dl_json_at(v, i);
    if (!whole_in(e, 1, 1 << 24)) return -1;
    out[i] = (int32_t)e->number;
  }
  return v->count;
}

static dl_status reshape_common(builder *b, int32_t *cur, int flatten) {
  dl_node *x = &b->g->nodes[*cur];
  int32_t a[5] = {1, (int32_t)dl_node_sample_numel(x)};
  if (!flatten) {
    int nd = dl_read_sizes(lb_val(b, "shape")->json, a + 1);
    if (nd == 0) return lb_fail(b, DL_ERR_ARG, "shape must be an array of 1 to 3 sizes (per sample)");
    if (nd < 0) return lb_fail(b, DL_ERR_ARG, "shape entries must be positive whole numbers");
    a[0] = nd;
  }
  return lb_add_op(b, "reshape", NULL, 1, cur, 1 + a[0], a, 0, NULL, cur);
}
static dl_status layer_flatten(builder *b, int32_t *cur) { return reshape_common(b, cur, 1); }
static dl_status layer_reshape(builder *b, int32_t *cur) { return reshape_common(b, cur, 0); }

static dl_status layer_dropout(builder *b, int32_t *cur) {
  float rate = lb_fval(b, "rate");
  return lb_add_op(b, "dropout", NULL, 1, cur, 0, NULL, 1, &rate, cur);
}

static dl_status layer_gaussian_noise(builder *b, int32_t *cur) {
  float std = lb_fval(b, "stddev");
  return lb_add_op(b, "gauss_noise", NULL, 1, cur, 0, NULL, 1, &std, cur);
}

static dl_status layer_batchnorm(builder *b, int32_t *cur) {
  float f[2] = {lb_fval(b, "momentum"), lb_fval(b, "eps")};
  dl_node *x = &b->g->nodes[*cur];
  if (x->ndim != 2 && x->ndim != 4) return lb_fail(b, DL_ERR_SHAPE, "input must be [features] or [channels, height, width]");
  int32_t C = x->shape[1], p[4];
  const char *names[4] = {"gamma", "beta", "moving_mean", "moving_var"};
  dl_status st;
  for (int i = 0; i < 4; i++) {
    if ((st = lb_add_param(b, names[i], 1, &C, i < 2 ? DL_PARAM_TRAINABLE : DL_PARAM_STATE, &p[i]))) return st;
    if ((st = lb_init_constant(b, p[i], i == 0 || i == 3 ? 1.0f : 0.0f))) return st;
  }
  int32_t in[5] = {*cur, p[0], p[1], p[2], p[3]};
  return lb_add_op(b, "batchnorm", NULL, 5, in, 0, NULL, 2, f, cur);
}

static dl_status layer_layernorm(builder *b, int32_t *cur) {
  dl_node *x = &b->g->nodes[*cur];
  int dims = lb_ival(b, "dims"), per = x->ndim - (x->batched ? 1 : 0);
  float f[2] = {0, lb_fval(b, "eps")};
  if (dims > per) return lb_fail(b, DL_ERR_ARG, "dims must be a whole number in [1, %d]", per);
  int32_t shape[DL_MAX_DIMS], p[2];
  for (int i = 0; i < dims; i++) shape[i] = x->shape[x->ndim - dims + i];
  dl_status st;
  for (int i = 0; i < 2; i++) {
    if ((st = lb_add_param(b, i ? "beta" : "gamma", dims, shape, DL_PARAM_TRAINABLE, &p[i]))) return st;
    if ((st = lb_init_constant(b, p[i], i ? 0.0f : 1.0f))) return st;
  }
  int32_t in[3] = {*cur, p[0], p[1]}, a = dims;
  return lb_add_op(b, "layernorm", NULL, 3, in, 1, &a, 2, f, cur);
}

static dl_status layer_activation(builder *b, int32_t *cur) {
  (void)cur;
  return dl_json_get(b->layer, "activation") ? DL_OK : lb_fail(b, DL_ERR_ARG, "activation is required");
}

static dl_status build_layers(builder *b, const dl_json *layers, int32_t *cur);

/* input + f(input), projecting the input when f changed its shape */
static dl_status layer_residual(builder *b, int32_t *cur) {
  builder saved = *b;
  int32_t skip = *cur, f = *cur;
  dl_status st = build_layers(b, lb_val(b, "layers")->json, &f);
  int index = b->index, rec = b->rec;
  *b = saved;
  b->index = index, b->rec = rec;
  if (st) return st;
  dl_node *x = &b->g->nodes[skip], *y = &b->g->nodes[f];
  if (!dl_same_shape(x, y)) {
    if (x->ndim == 4 && y->ndim == 4) {
      if (x->shape[2] % y->shape[2] || x->shape[3] % y->shape[3])
        return lb_fail(b, DL_ERR_SHAPE, "cannot project the input %dx%d onto the block's output %dx%d", x->shape[2], x->shape[3],
                     y->shape[2], y->shape[3]);
      int32_t shape[4] = {y->shape[1], x->shape[1], 1, 1}, w;
      if ((st = lb_add_param(b, "proj", 4, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
      if ((st = lb_init_param(b, NULL, "xavier_uniform", w))) return st;
      int32_t a[9] = {x->shape[2] / y->shape[2], x->shape[3] / y->shape[3], 0, 0, 0, 0, 1, 0, 0}, in[2] = {skip, w};
      if ((st = lb_add_op(b, "conv2d", "proj_conv", 2, in, 9, a, 0, NULL, &skip))) return st;
    } else {
      int32_t shape[2] = {(int32_t)dl_node_sample_numel(x), (int32_t)dl_node_sample_numel(y)}, w;
      int32_t yshape[4] = {y->ndim - 1, y->shape[1], y->shape[2], y->shape[3]}, yndim = y->ndim;
      if ((st = lb_add_param(b, "proj", 2, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
      if ((st = lb_init_param(b, NULL, "xavier_uniform", w))) return st;
      int32_t in[2] = {skip, w};
      if ((st = lb_add_op(b, "dense", "proj_dense", 2, in, 0, NULL, 0, NULL, &skip))) return st;
      if (yndim != 2 && (st = lb_add_op(b, "reshape", "proj_reshape", 1, &skip, 1 + yshape[0], yshape, 0, NULL, &skip))) return st;
    }
  }
  int32_t in[2] = {f, skip};
  return lb_add_op(b, "add", NULL, 2, in, 0, NULL, 0, NULL, cur);
}

#define INIT_OPTS                                                                                                  \
  {"kernelInitializer", K_INIT, 0, 0, 0, "how the kernel starts (He-normal before ReLU-like activations, else Xavier-uniform)"}, \
  {"biasInitializer", K_INIT, 0, 0, 0, "how the bias starts (zeros)"}
#define PAD_OPT {"padding", K_PADDING, 0, 1024, 0, "valid (none), same (output = ceil(input / stride)), n or [h, w]"}
#define RNN_OPTS                                                                                                      \
  {{"units", K_INT, 1, 1 << 14, REQUIRED, "size of the hidden state"},                                                 \
   {"returnSequences", K_BOOL, 0, 1, 1, "output every step [steps, units] (else only the last state [units])"},       \
   {"bidirectional", K_BOOL, 0, 1, 0, "also run the sequence backwards and concatenate both (2 x units)"},            \
   {"reverse", K_BOOL, 0, 1, 0, "run the sequence from its last step to its first"},                                   \
   {"stateful", K_BOOL, 0, 1, 0, "carry each row's last state into the next training batch's same row (data in order, as streams)"}, \
   {"kernelInitializer", K_INIT, 0, 0, 0, "how the input kernel starts (Xavier-uniform)"},                             \
   {"recurrentInitializer", K_INIT, 0, 0, 0, "how the recurrent kernel starts (orthogonal)"}}

static const layer_def layer_table[] = {
    {"dense", layer_dense,
     {{"units", K_INT, 1, 1 << 20, REQUIRED, "outputs"}, {"useBias", K_BOOL, 0, 1, 1, "add a learned bias"}, INIT_OPTS,
      {"tiedTo", K_LAYER_NAME, 0, 0, 0, "use that dense layer's kernel (or embedding's table), transposed, instead of one of its own (tied weights)"},
      {"perPosition", K_BOOL, 0, 1, 0, "apply to each position of a sequence (the last axis) instead of to the flattened sample"}},
     "kernel [in, units] (none when tied), bias [units]", "every output a weighted sum of every input, plus a bias"},
    {"conv2d", layer_conv2d,
     {{"filters", K_INT, 1, 1 << 16, REQUIRED, "output channels"},
      {"kernel", K_PAIR, 1, 64, REQUIRED, "window size, n or [h, w]"},
      {"stride", K_PAIR, 1, 64, 1, "step between windows"},
      PAD_OPT,
      {"dilation", K_PAIR, 1, 16, 1, "spacing of the kernel taps"},
      {"useBias", K_BOOL, 0, 1, 1, "add a learned bias per filter"},
      INIT_OPTS},
     "kernel [filters, channels, kh, kw], bias [filters]", "2-D convolution over [channels, height, width]"},
    {"conv2dTranspose", layer_conv2d_t,
     {{"filters", K_INT, 1, 1 << 16, REQUIRED, "output channels"},
      {"kernel", K_PAIR, 1, 64, REQUIRED, "window size, n or [h, w]"},
      {"stride", K_PAIR, 1, 64, 1, "upsampling factor"},
      PAD_OPT,
      {"outputPadding", K_PAIR, 0, 63, 0, "extra rows and columns at the bottom and right"},
      {"useBias", K_BOOL, 0, 1, 1, "add a learned bias per filter"},
      INIT_OPTS},
     "kernel [channels, filters, kh, kw], bias [filters]",
     "the adjoint of a convolution: output = (in - 1) stride - 2 pad + kernel + outputPadding"},
    {"maxPool2d", layer_maxpool,
     {{"size", K_PAIR, 1, 64, 2, "window"}, {"stride", K_PAIR, 1, 64, 0, "step (the window size)"}, PAD_OPT},
     "", "the largest value in each window"},
    {"avgPool2d", layer_avgpool,
     {{"size", K_PAIR, 1, 64, 2, "window"}, {"stride", K_PAIR, 1, 64, 0, "step (the window size)"}, PAD_OPT},
     "", "the mean of each window (padding cells not counted)"},
    {"globalAvgPool", layer_gap, {{0}}, "", "the mean of each channel: [C, H, W] to [C]"},
    {"upsample", layer_upsample, {{"size", K_PAIR, 1, 64, 2, "factor"}}, "", "nearest-neighbour upsampling"},
    {"flatten", layer_flatten, {{0}}, "", "one vector per sample"},
    {"reshape", layer_reshape, {{"shape", K_SHAPE, 0, 0, REQUIRED, "the per-sample shape, 1 to 3 sizes"}}, "", "the same values in a new shape"},
    {"dropout", layer_dropout, {{"rate", K_FLOAT, 0, 0.99, 0.5, "probability of zeroing a value"}}, "",
     "inverted dropout while training; identity in evaluation"},
    {"gaussianNoise", layer_gaussian_noise, {{"stddev", K_FLOAT, 0, 1e6, 0.1, "standard deviation of the noise"}}, "",
     "adds Gaussian noise while training (a GAN's instance noise, as a discriminator's first layer); identity in evaluation"},
    {"batchNorm", layer_batchnorm,
     {{"momentum", K_FLOAT, 1e-6, 1, 0.1, "weight of each batch in the running statistics"},
      {"eps", K_FLOAT, 1e-12, 1, 1e-5, "added to the variance"}},
     "gamma, beta, moving_mean, moving_var [features or channels]",
     "normalize each feature (or channel) over the batch; running statistics in evaluation"},
    {"layerNorm", layer_layernorm,
     {{"dims", K_INT, 1, 3, 1, "trailing dims normalized together"}, {"eps", K_FLOAT, 1e-12, 1, 1e-5, "added to the variance"}},
     "gamma, beta [the normalized dims]", "normalize each sample over its last dims"},
    {"activation", layer_activation, {{0}}, "", "an activation on its own"},
    {"residual", layer_residual, {{"layers", K_LAYERS, 0, 0, REQUIRED, "the block f"}}, "proj when f changes the shape",
     "input + f(input); a 1x1 convolution (or dense layer) projects the input when f changes its shape"},
    {"embedding", layer_embedding,
     {{"vocab", K_INT, 2, 1 << 24, REQUIRED, "how many token ids: inputs are ids in [0, vocab)"},
      {"units", K_INT, 1, 1 << 16, REQUIRED, "width of each token's vector"},
      {"embeddingsInitializer", K_INIT, 0, 0, 0, "how the table starts (normal, std 0.05)"}},
     "embeddings [vocab, units]", "token ids [steps] to vectors [steps, units]: row id of a learned table"},
    {"oneHot", layer_one_hot, {{"depth", K_INT, 2, 1 << 20, REQUIRED, "how many token ids"}}, "",
     "token ids [steps] to indicator vectors [steps, depth]"},
    {"simpleRnn", layer_simple_rnn, RNN_OPTS, "kernel [in, units], recurrent [units, units], bias [units] (back_* too when bidirectional)",
     "h_t = tanh(x_t Wx + h_{t-1} Wh + b) over a sequence [steps, features]"},
    {"lstm", layer_lstm, RNN_OPTS, "kernel [in, 4 units], recurrent [units, 4 units], bias [4 units], gates i f g o",
     "long short-term memory without peepholes: c_t = f c_{t-1} + i g, h_t = o tanh(c_t)"},
    {"gru", layer_gru, RNN_OPTS, "kernel [in, 3 units], recurrent [units, 3 units], bias and recurrent_bias [3 units], gates r z n",
     "gated recurrent unit: h_t = (1 - z) n + z h_{t-1}, the reset gate applied after Wh (PyTorch's form)"},
    {"positionalEncoding", layer_positional, {{"learned", K_BOOL, 0, 1, 1, "learn the positions' vectors (else fixed sinusoids)"}},
     "positions [steps, features]", "adds a vector per position, so attention can tell where a token is"},
    {"multiHeadAttention", layer_attention,
     {{"heads", K_INT, 1, 256, REQUIRED, "heads, each attending over width / heads features"},
      {"causal", K_BOOL, 0, 1, 1, "each position sees only itself and earlier ones"},
      {"kernelInitializer", K_INIT, 0, 0, 0, "how the projections start (Xavier-uniform)"}},
     "wq, wk, wv, wo [width, width], bq, bk, bv, bo [width]",
     "scaled dot-product self-attention: softmax(q k^T / sqrt(d)) v per head, then an output projection"},
    {"transformerBlock", layer_transformer,
     {{"heads", K_INT, 1, 256, REQUIRED, "attention heads"},
      {"mlp", K_INT, 0, 1 << 16, 0, "hidden units of the MLP (0: 4 x width)"},
      {"preNorm", K_BOOL, 0, 1, 1, "layer norm before each part (GPT-2), else after each residual sum (the original transformer)"},
      {"causal", K_BOOL, 0, 1, 1, "each position sees only itself and earlier ones"},
      {"dropout", K_FLOAT, 0, 0.99, 0, "dropout after attention and after the MLP"},
      {"kernelInitializer", K_INIT, 0, 0, 0, "how the projections start (normal with std 0.02, as GPT-2)"}},
     "ln1, ln2 (gamma, beta), wq..wo, bq..bo, w1, b1, w2, b2",
     "self-attention and a GELU MLP, each with a residual connection and layer norm"},
};
#define NLAYER ((int)(sizeof layer_table / sizeof layer_table[0]))

static dl_status build_layer(builder *b, int32_t *cur) {
  dl_model *m = b->m;
  if (b->layer->type != DL_JSON_OBJECT) return lb_relabel(b, dl_fail(DL_ERR_ARG, "must be an object"));
  const dl_json *t = dl_json_get(b->layer, "type"), *nm = dl_json_get(b->layer, "name");
  if (!t || t->type != DL_JSON_STRING) return lb_relabel(b, dl_fail(DL_ERR_ARG, "missing \"type\""));
  const layer_def *d = NULL;
  for (int i = 0; i < NLAYER && !d; i++)
    if (!strcmp(t->string, layer_table[i].name)) d = &layer_table[i];
  if (!d) {
    char known[400] = "";
    for (int i = 0; i < NLAYER; i++) dl_append_name(known, sizeof known, layer_table[i].name);
    return lb_relabel(b, dl_fail(DL_ERR_ARG, "unknown layer type: %s (expected one of %s)", t->string, known));
  }
  char short_name[DL_SHORT_NAME + 1];
  if (nm) {
    if (nm->type != DL_JSON_STRING || !dl_valid_name(nm->string, DL_SHORT_NAME, 1)) return lb_relabel(b, dl_fail(DL_ERR_ARG, "name must be 1 to %d letters, digits, '_', '-' or '.'", DL_SHORT_NAME));
    snprintf(short_name, sizeof short_name, "%s", nm->string);
  } else {
    snprintf(short_name, sizeof short_name, "%s_%d", t->string, b->index);
  }
  if (b->app == 0) {
    if (m->nlayers >= DL_MAX_LAYERS) return dl_fail(DL_ERR_ARG, "more than %d layers", DL_MAX_LAYERS);
    char full[DL_NAME_MAX];
    snprintf(full, sizeof full, "%s%s", b->net->prefix, short_name);
    for (int i = b->net->first_layer; i < m->nlayers; i++)
      if (!strcmp(m->layers[i].name, full)) return lb_relabel(b, dl_fail(DL_ERR_ARG, "duplicate layer name '%s'", short_name));
    /* the record is reserved now, so a residual block's inner layers come after it */
    dl_layer *L = b->info = &m->layers[m->nlayers++];
    memset(L, 0, sizeof *L);
    snprintf(L->type, sizeof L->type, "%s", t->string);
    snprintf(L->name, sizeof L->name, "%s", full);
    L->net = b->netid;
    L->first_node = b->g->n;
    b->net->nlayers++;
  } else {
    b->info = &m->layers[b->net->first_layer + b->rec];
  }
  b->rec++;
  if (b->net->prefix[0]) snprintf(b->label, sizeof b->label, "network '%s' layer %d (%s '%s')", b->net->name, b->index, d->name, short_name);
  else snprintf(b->label, sizeof b->label, "layer %d (%s '%s')", b->index, d->name, short_name);
  b->def = d;
  const dl_json *a = dl_json_get(b->layer, "activation");
  const act_def *act = NULL;
  if (a) {
    if (a->type != DL_JSON_STRING) return lb_fail(b, DL_ERR_ARG, "activation must be a name");
    if (!(act = find_act(a->string))) return lb_fail(b, DL_ERR_ARG, "unknown activation: %s", a->string);
  }
  dl_status st = read_options(b, act);
  if (!st) st = d->build(b, cur);
  if (!st) st = apply_activation(b, act, cur);
  if (st) return st;
  if (b->app == 0) {
    b->info->out = *cur;
    b->info->end_node = b->g->n;
  }
  return DL_OK;
}

static dl_status build_layers(builder *b, const dl_json *layers, int32_t *cur) {
  for (const dl_json *l = layers->child; l; l = l->next) {
    b->index++;
    b->layer = l;
    dl_status st = build_layer(b, cur);
    if (st) return st;
  }
  return DL_OK;
}

dl_status dl_net_apply(dl_model *m, int32_t netid, int32_t x, const char *tensor, int32_t *out) {
  dl_net *net = &m->nets[netid];
  dl_node *in = &m->g->nodes[x];
  char s1[64], s2[64];
  if (!in->batched) return dl_fail(DL_ERR_SHAPE, "network '%s' applied to '%s', which is not batched", net->name, tensor);
  if (net->applications > 0) {
    int same = in->ndim == net->in_ndim;
    for (int i = 1; same && i < in->ndim; i++) same = in->shape[i] == net->in_shape[i];
    if (!same) {
      dl_node was = *in;
      was.ndim = net->in_ndim;
      memcpy(was.shape, net->in_shape, sizeof was.shape);
      return dl_fail(DL_ERR_SHAPE, "network '%s' was built for inputs of shape [%s] but is applied to '%s' of shape [%s]", net->name,
                     dl_shape_str(&was, s1, sizeof s1), tensor, dl_shape_str(in, s2, sizeof s2));
    }
  } else {
    net->first_layer = m->nlayers;
    net->in_ndim = in->ndim;
    memcpy(net->in_shape, in->shape, sizeof net->in_shape);
  }
  builder b;
  memset(&b, 0, sizeof b);
  b.m = m, b.g = m->g, b.net = net, b.netid = netid, b.app = net->applications;
  if (b.app == 0) snprintf(b.ops, sizeof b.ops, "%s", net->prefix);
  else snprintf(b.ops, sizeof b.ops, "%s#%d/", net->name, b.app + 1);
  int32_t cur = x;
  dl_status st = build_layers(&b, (const dl_json *)net->layers, &cur);
  if (st) return st;
  net->applications++;
  *out = cur;
  return DL_OK;
}

/* ---- the catalog ---- */

void dl_layer_catalog(dl_text *t) {
  dl_put(t, "\"layers\":[");
  for (int i = 0; i < NLAYER; i++) {
    const layer_def *d = &layer_table[i];
    dl_put(t, "%s{\"name\":\"%s\",\"doc\":\"%s\",\"params\":\"%s\",\"options\":[", i ? "," : "", d->name, d->doc, d->params);
    for (int j = 0; j < MAX_OPTS && d->opts[j].key; j++) {
      const opt_def *o = &d->opts[j];
      dl_put(t, "%s{\"name\":\"%s\",\"type\":\"%s\",\"doc\":\"%s\"", j ? "," : "", o->key, kind_names[o->kind], o->doc);
      if (o->kind == K_INT || o->kind == K_FLOAT || o->kind == K_PAIR || o->kind == K_BOOL) {
        dl_put(t, ",\"min\":");
        dl_put_num(t, o->lo);
        dl_put(t, ",\"max\":");
        dl_put_num(t, o->hi);
        if (o->def != REQUIRED) {
          dl_put(t, ",\"default\":");
          if (o->kind == K_BOOL) dl_put(t, o->def ? "true" : "false");
          else dl_put_num(t, o->def);
        } else {
          dl_put(t, ",\"required\":true");
        }
      } else if (o->kind == K_LAYERS || o->kind == K_SHAPE) {
        dl_put(t, ",\"required\":true");
      }
      dl_put(t, "}");
    }
    dl_put(t, "]}");
  }
  dl_put(t, "],\"activations\":[");
  int first = 1;
  for (int i = 0; i < NACT; i++) {
    const act_def *a = &act_table[i];
    if (a->alias_of) continue;
    /* op: the graph op it runs (none for linear), for code that builds graphs by hand */
    dl_put(t, "%s{\"name\":\"%s\",\"op\":\"%s\",\"doc\":\"%s\",\"reluLike\":%s,\"aliases\":[", first ? "" : ",", a->name, a->op ? a->op : "",
           a->doc, a->relu_like ? "true" : "false");
    first = 0;
    int k = 0;
    for (int j = 0; j < NACT; j++)
      if (act_table[j].alias_of && !strcmp(act_table[j].alias_of, a->name)) dl_put(t, "%s\"%s\"", k++ ? "," : "", act_table[j].name);
    dl_put(t, "]");
    if (a->param) {
      dl_put(t, ",\"option\":{\"name\":\"%s\",\"type\":\"number\",\"min\":", a->param);
      dl_put_num(t, a->lo);
      dl_put(t, ",\"max\":");
      dl_put_num(t, a->hi);
      dl_put(t, ",\"default\":");
      dl_put_num(t, a->def);
      dl_put(t, "}");
    }
    dl_put(t, "}");
  }
  dl_put(t, "]");
}

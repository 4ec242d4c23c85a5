/* model.c: a model from a JSON spec, and the loops that train and evaluate it.
 *
 * Spec: {"input": [per-sample shape], "seed": 1, "layers": [layer, ...]}. A layer is
 * {"type": ..., "name": optional, ...options}; every layer that computes takes "activation".
 *   dense            units, useBias (true), kernelInitializer, biasInitializer
 *   conv2d           filters, kernel (n or [h, w]), stride (1), padding ("valid" | "same" | n | [h, w])
 *   conv2dTranspose  filters, kernel, stride, padding, outputPadding (0)
 *   maxPool2d, avgPool2d   size (2), stride (= size), padding ("valid")
 *   globalAvgPool, flatten, reshape {shape}, upsample {size (2)}
 *   dropout {rate}, batchNorm {momentum (0.1), eps (1e-5)}, layerNorm {dims (1), eps}
 *   activation {activation}
 *   residual {layers: [...]}: input + f(input); a 1x1 convolution (or dense) projects the input
 *                            when f changes the shape
 * Activations: linear relu sigmoid tanh step softplus gelu softmax logSoftmax leakyRelu (alpha
 * 0.01) elu (alpha 1) silu/swish (beta 1) prelu (a learned slope per channel, starting at 0.25).
 * Initializers: a name (dl_init_fill) or {"type": name, "a": .., "b": ..}; kernels default to
 * he_normal before ReLU-like activations and xavier_uniform otherwise; biases to zeros.
 * Errors name the layer: "layer 3 (conv2d 'c2'): kernel 7x7 larger than padded input 5x5". */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "init.h"
#include "json.h"
#include "model.h"
#include "ops/ops.h"
#include "optim.h"

#define DEFAULT_MAX_BATCH 64

typedef struct {
  dl_model *m;
  dl_graph *g;
  int index;             /* layer number in messages, 1-based over the flattened list */
  char label[96];        /* "layer 3 (conv2d 'c2')" */
  const dl_json *layer;
  dl_layer *info;
} builder;

/* ---- option readers ---- */

static dl_status lfail(builder *b, dl_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static dl_status lfail(builder *b, dl_status code, const char *fmt, ...) {
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return dl_fail(code, "%s: %s", b->label, msg);
}

/* Re-label an error from the graph ("conv2d 'c2': ...") with the layer number. */
static dl_status relabel(builder *b, dl_status st) {
  if (st) {
    char msg[400];
    snprintf(msg, sizeof msg, "%s", dl_last_error());
    dl_fail(st, "layer %d: %s", b->index, msg);
  }
  return st;
}

static dl_status opt_int(builder *b, const char *key, int lo, int hi, int def, int *out) {
  const dl_json *v = dl_json_get(b->layer, key);
  if (!v) return *out = def, DL_OK;
  if (v->type != DL_JSON_NUMBER || v->number != floor(v->number) || v->number < lo || v->number > hi)
    return lfail(b, DL_ERR_ARG, "%s must be a whole number in [%d, %d]", key, lo, hi);
  *out = (int)v->number;
  return DL_OK;
}

static dl_status opt_float(builder *b, const char *key, double lo, double hi, float def, float *out) {
  const dl_json *v = dl_json_get(b->layer, key);
  if (!v) return *out = def, DL_OK;
  if (v->type != DL_JSON_NUMBER || !(v->number >= lo && v->number <= hi))
    return lfail(b, DL_ERR_ARG, "%s must be a number in [%g, %g]", key, lo, hi);
  *out = (float)v->number;
  return DL_OK;
}

/* n or [h, w] */
static dl_status opt_pair(builder *b, const char *key, int lo, int hi, int def, int out[2]) {
  const dl_json *v = dl_json_get(b->layer, key);
  if (!v) return out[0] = out[1] = def, DL_OK;
  if (v->type == DL_JSON_NUMBER) {
    dl_status st = opt_int(b, key, lo, hi, def, &out[0]);
    out[1] = out[0];
    return st;
  }
  if (v->type == DL_JSON_ARRAY && v->count == 2) {
    for (int i = 0; i < 2; i++) {
      const dl_json *e = dl_json_at(v, i);
      if (e->type != DL_JSON_NUMBER || e->number != floor(e->number) || e->number < lo || e->number > hi)
        return lfail(b, DL_ERR_ARG, "%s must be a whole number in [%d, %d] or two of them", key, lo, hi);
      out[i] = (int)e->number;
    }
    return DL_OK;
  }
  return lfail(b, DL_ERR_ARG, "%s must be a number or [height, width]", key);
}

static const char *opt_string(builder *b, const char *key, const char *def) {
  const dl_json *v = dl_json_get(b->layer, key);
  return v && v->type == DL_JSON_STRING ? v->string : v ? NULL : def;
}

/* ---- nodes ---- */

static dl_status add_op(builder *b, const char *op, const char *suffix, int nin, const int32_t *in, int ni,
                        const int32_t *ia, int nf, const float *fa, int32_t *id) {
  char name[64];
  snprintf(name, sizeof name, suffix ? "%s/%s" : "%s", b->info->name, suffix);
  return relabel(b, dl_graph_op(b->g, op, name, nin, in, ni, ia, nf, fa, id));
}

static dl_status init_spec(builder *b, const char *key, const char *def, int32_t id) {
  const dl_json *v = dl_json_get(b->layer, key);
  const char *name = def;
  float a = 0, bb = 0;
  if (v && v->type == DL_JSON_STRING) name = v->string;
  else if (v && v->type == DL_JSON_OBJECT) {
    const dl_json *t = dl_json_get(v, "type"), *ja = dl_json_get(v, "a"), *jb = dl_json_get(v, "b");
    if (!t || t->type != DL_JSON_STRING) return lfail(b, DL_ERR_ARG, "%s needs a \"type\"", key);
    name = t->string;
    if (ja && ja->type == DL_JSON_NUMBER) a = (float)ja->number;
    if (jb && jb->type == DL_JSON_NUMBER) bb = (float)jb->number;
  } else if (v) {
    return lfail(b, DL_ERR_ARG, "%s must be an initializer name or {type, a, b}", key);
  }
  if (!strcmp(name, "normal") && bb == 0 && !(v && v->type == DL_JSON_OBJECT)) bb = 0.05f; /* a usable default std */
  if (!strcmp(name, "uniform") && a == 0 && bb == 0) a = -0.05f, bb = 0.05f;
  dl_status st = dl_graph_init_param(b->g, id, name, a, bb);
  return st ? lfail(b, st, "%s: %s", key, dl_last_error()) : DL_OK;
}

static dl_status add_param(builder *b, const char *suffix, int nd, const int32_t *shape, int flags, int32_t *id) {
  char name[64]; /* layer names are at most 24 characters and suffixes 12, so this fits DL_NAME_MAX */
  snprintf(name, sizeof name, "%s/%s", b->info->name, suffix);
  dl_status st = relabel(b, dl_graph_param(b->g, name, nd, shape, flags, id));
  if (!st) b->info->params[b->info->nparams++] = *id;
  return st;
}

/* ---- activations ---- */

static int relu_like(const char *act) {
  return act && (!strcmp(act, "relu") || !strcmp(act, "leakyRelu") || !strcmp(act, "leaky_relu") || !strcmp(act, "prelu") ||
                 !strcmp(act, "elu") || !strcmp(act, "gelu") || !strcmp(act, "silu") || !strcmp(act, "swish"));
}

static dl_status apply_activation(builder *b, const char *act, int32_t *cur) {
  if (!act || !strcmp(act, "linear") || !strcmp(act, "none")) return DL_OK;
  static const struct { const char *name, *op; } simple[] = {
      {"relu", "relu"}, {"sigmoid", "sigmoid"}, {"tanh", "tanh"}, {"step", "step"}, {"softplus", "softplus"},
      {"gelu", "gelu"}, {"softmax", "softmax"}, {"logSoftmax", "log_softmax"}, {"log_softmax", "log_softmax"}};
  for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
    if (!strcmp(act, simple[i].name)) return add_op(b, simple[i].op, simple[i].op, 1, cur, 0, NULL, 0, NULL, cur);
  float f;
  dl_status st;
  if (!strcmp(act, "leakyRelu") || !strcmp(act, "leaky_relu")) {
    if ((st = opt_float(b, "alpha", 0, 1, 0.01f, &f))) return st;
    return add_op(b, "leaky_relu", "leaky_relu", 1, cur, 0, NULL, 1, &f, cur);
  }
  if (!strcmp(act, "elu")) {
    if ((st = opt_float(b, "alpha", 0, 100, 1.0f, &f))) return st;
    return add_op(b, "elu", "elu", 1, cur, 0, NULL, 1, &f, cur);
  }
  if (!strcmp(act, "silu") || !strcmp(act, "swish")) {
    if ((st = opt_float(b, "beta", 0, 100, 1.0f, &f))) return st;
    return add_op(b, "silu", "silu", 1, cur, 0, NULL, 1, &f, cur);
  }
  if (!strcmp(act, "prelu")) {
    dl_node *x = &b->g->nodes[*cur];
    int32_t C = x->ndim > 1 ? x->shape[1] : 1, a;
    if ((st = add_param(b, "alpha", 1, &C, DL_PARAM_TRAINABLE, &a))) return st;
    if ((st = dl_graph_init_param(b->g, a, "constant", 0.25f, 0))) return st;
    int32_t in[2] = {*cur, a};
    return add_op(b, "prelu", "prelu", 2, in, 0, NULL, 0, NULL, cur);
  }
  return lfail(b, DL_ERR_ARG, "unknown activation: %s", act);
}

/* ---- layers ---- */

static dl_status build_layers(builder *b, const dl_json *layers, int32_t *cur);

static dl_status layer_dense(builder *b, int32_t *cur, const char *act) {
  int units, use_bias;
  dl_status st;
  if ((st = opt_int(b, "units", 1, 1 << 20, 0, &units))) return st;
  if (!units) return lfail(b, DL_ERR_ARG, "units is required");
  const dl_json *ub = dl_json_get(b->layer, "useBias");
  use_bias = !ub || ub->number != 0;
  dl_node *x = &b->g->nodes[*cur];
  int32_t shape[2] = {(int32_t)(dl_node_sample_numel(x) / (x->batched ? 1 : (size_t)x->shape[0])), units}, w, bias = -1;
  if ((st = add_param(b, "kernel", 2, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
  if ((st = init_spec(b, "kernelInitializer", relu_like(act) ? "he_normal" : "xavier_uniform", w))) return st;
  if (use_bias) {
    if ((st = add_param(b, "bias", 1, &shape[1], DL_PARAM_TRAINABLE, &bias))) return st;
    if ((st = init_spec(b, "biasInitializer", "zeros", bias))) return st;
  }
  int32_t in[3] = {*cur, w, bias};
  return add_op(b, "dense", NULL, use_bias ? 3 : 2, in, 0, NULL, 0, NULL, cur);
}

/* padding: "valid" | "same" | n | [h, w] into conv iattr slots 2..6 */
static dl_status padding_attr(builder *b, int32_t *a) {
  const dl_json *v = dl_json_get(b->layer, "padding");
  if (!v || (v->type == DL_JSON_STRING && !strcmp(v->string, "valid"))) return a[6] = 1, DL_OK;
  if (v->type == DL_JSON_STRING && !strcmp(v->string, "same")) return a[6] = 2, DL_OK;
  if (v->type == DL_JSON_STRING) return lfail(b, DL_ERR_ARG, "padding must be \"valid\", \"same\", n or [h, w], got \"%s\"", v->string);
  int p[2];
  dl_status st = opt_pair(b, "padding", 0, 1024, 0, p);
  if (st) return st;
  a[2] = a[4] = p[0], a[3] = a[5] = p[1], a[6] = 0;
  return DL_OK;
}

static dl_status layer_conv(builder *b, int32_t *cur, const char *act, int transposed) {
  int filters, k[2], s[2], op[2] = {0, 0};
  dl_status st;
  if ((st = opt_int(b, "filters", 1, 1 << 16, 0, &filters))) return st;
  if (!filters) return lfail(b, DL_ERR_ARG, "filters is required");
  if ((st = opt_pair(b, "kernel", 1, 64, 0, k))) return st;
  if (!k[0]) return lfail(b, DL_ERR_ARG, "kernel is required");
  if ((st = opt_pair(b, "stride", 1, 64, 1, s))) return st;
  if (transposed && (st = opt_pair(b, "outputPadding", 0, 63, 0, op))) return st;
  dl_node *x = &b->g->nodes[*cur];
  if (x->ndim != 4) return lfail(b, DL_ERR_SHAPE, "input must be [channels, height, width], is %d-D per sample", x->ndim - 1);
  int32_t C = x->shape[1], shape[4] = {transposed ? C : filters, transposed ? filters : C, k[0], k[1]}, w, bias = -1;
  const dl_json *ub = dl_json_get(b->layer, "useBias");
  if ((st = add_param(b, "kernel", 4, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
  if ((st = init_spec(b, "kernelInitializer", relu_like(act) ? "he_normal" : "xavier_uniform", w))) return st;
  if (!ub || ub->number != 0) {
    if ((st = add_param(b, "bias", 1, &filters, DL_PARAM_TRAINABLE, &bias))) return st;
    if ((st = init_spec(b, "biasInitializer", "zeros", bias))) return st;
  }
  int32_t a[9] = {s[0], s[1], 0, 0, 0, 0, 1, op[0], op[1]};
  if ((st = padding_attr(b, a))) return st;
  int32_t in[3] = {*cur, w, bias};
  return add_op(b, transposed ? "conv2d_transpose" : "conv2d", NULL, bias >= 0 ? 3 : 2, in, 9, a, 0, NULL, cur);
}

static dl_status layer_pool(builder *b, int32_t *cur, const char *op) {
  int k[2], s[2];
  dl_status st;
  if ((st = opt_pair(b, "size", 1, 64, 2, k))) return st;
  if ((st = opt_pair(b, "stride", 1, 64, 0, s))) return st;
  if (!s[0]) s[0] = k[0], s[1] = k[1];
  int32_t c[9] = {0, 0, 0, 0, 0, 0, 1, 0, 0};
  if ((st = padding_attr(b, c))) return st;
  int32_t a[9] = {k[0], k[1], s[0], s[1], c[2], c[3], c[4], c[5], c[6]};
  return add_op(b, op, NULL, 1, cur, 9, a, 0, NULL, cur);
}

/* A per-sample shape: an array of 1 to 3 whole sizes in [1, 2^24]. Returns how many, or 0 when
 * v is not such an array, or -1 when an entry is not such a size (callers word the message). */
static int read_sizes(const dl_json *v, int32_t *out) {
  if (!v || v->type != DL_JSON_ARRAY || v->count < 1 || v->count > 3) return 0;
  for (int i = 0; i < v->count; i++) {
    const dl_json *e = dl_json_at(v, i);
    if (e->type != DL_JSON_NUMBER || e->number != floor(e->number) || e->number < 1 || e->number > 1 << 24) return -1;
    out[i] = (int32_t)e->number;
  }
  return v->count;
}

static dl_status layer_reshape(builder *b, int32_t *cur, int flatten) {
  dl_node *x = &b->g->nodes[*cur];
  int32_t a[5] = {1, (int32_t)dl_node_sample_numel(x)};
  if (!flatten) {
    int nd = read_sizes(dl_json_get(b->layer, "shape"), a + 1);
    if (nd == 0) return lfail(b, DL_ERR_ARG, "shape must be an array of 1 to 3 sizes (per sample)");
    if (nd < 0) return lfail(b, DL_ERR_ARG, "shape entries must be positive whole numbers");
    a[0] = nd;
  }
  return add_op(b, "reshape", NULL, 1, cur, 1 + a[0], a, 0, NULL, cur);
}

static dl_status layer_batchnorm(builder *b, int32_t *cur) {
  float f[2];
  dl_status st;
  if ((st = opt_float(b, "momentum", 1e-6, 1, 0.1f, &f[0]))) return st;
  if ((st = opt_float(b, "eps", 1e-12, 1, 1e-5f, &f[1]))) return st;
  dl_node *x = &b->g->nodes[*cur];
  if (x->ndim != 2 && x->ndim != 4) return lfail(b, DL_ERR_SHAPE, "input must be [features] or [channels, height, width]");
  int32_t C = x->shape[1], p[4];
  const char *names[4] = {"gamma", "beta", "moving_mean", "moving_var"};
  for (int i = 0; i < 4; i++) {
    if ((st = add_param(b, names[i], 1, &C, i < 2 ? DL_PARAM_TRAINABLE : DL_PARAM_STATE, &p[i]))) return st;
    if ((st = dl_graph_init_param(b->g, p[i], "constant", i == 0 || i == 3 ? 1.0f : 0.0f, 0))) return st;
  }
  int32_t in[5] = {*cur, p[0], p[1], p[2], p[3]};
  return add_op(b, "batchnorm", NULL, 5, in, 0, NULL, 2, f, cur);
}

static dl_status layer_layernorm(builder *b, int32_t *cur) {
  dl_node *x = &b->g->nodes[*cur];
  int dims, per = x->ndim - (x->batched ? 1 : 0);
  float f[2] = {0, 0};
  dl_status st;
  if ((st = opt_int(b, "dims", 1, per, 1, &dims))) return st;
  if ((st = opt_float(b, "eps", 1e-12, 1, 1e-5f, &f[1]))) return st;
  int32_t shape[DL_MAX_DIMS], p[2];
  for (int i = 0; i < dims; i++) shape[i] = x->shape[x->ndim - dims + i];
  for (int i = 0; i < 2; i++) {
    if ((st = add_param(b, i ? "beta" : "gamma", dims, shape, DL_PARAM_TRAINABLE, &p[i]))) return st;
    if ((st = dl_graph_init_param(b->g, p[i], "constant", i ? 0.0f : 1.0f, 0))) return st;
  }
  int32_t in[3] = {*cur, p[0], p[1]}, a = dims;
  return add_op(b, "layernorm", NULL, 3, in, 1, &a, 2, f, cur);
}

/* input + f(input), projecting the input when f changed its shape */
static dl_status layer_residual(builder *b, int32_t *cur) {
  const dl_json *inner = dl_json_get(b->layer, "layers");
  if (!inner || inner->type != DL_JSON_ARRAY || inner->count == 0) return lfail(b, DL_ERR_ARG, "layers must be a non-empty array");
  builder saved = *b;
  int32_t skip = *cur, f = *cur;
  dl_status st = build_layers(b, inner, &f);
  int index = b->index;
  *b = saved;
  b->index = index;
  if (st) return st;
  dl_node *x = &b->g->nodes[skip], *y = &b->g->nodes[f];
  if (!dl_same_shape(x, y)) {
    if (x->ndim == 4 && y->ndim == 4) {
      if (x->shape[2] % y->shape[2] || x->shape[3] % y->shape[3])
        return lfail(b, DL_ERR_SHAPE, "cannot project the input %dx%d onto the block's output %dx%d", x->shape[2], x->shape[3],
                     y->shape[2], y->shape[3]);
      int32_t shape[4] = {y->shape[1], x->shape[1], 1, 1}, w;
      if ((st = add_param(b, "proj", 4, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
      if ((st = dl_graph_init_param(b->g, w, "xavier_uniform", 0, 0))) return st;
      int32_t a[9] = {x->shape[2] / y->shape[2], x->shape[3] / y->shape[3], 0, 0, 0, 0, 1, 0, 0}, in[2] = {skip, w};
      if ((st = add_op(b, "conv2d", "proj_conv", 2, in, 9, a, 0, NULL, &skip))) return st;
    } else {
      int32_t shape[2] = {(int32_t)dl_node_sample_numel(x), (int32_t)dl_node_sample_numel(y)}, w;
      if ((st = add_param(b, "proj", 2, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
      if ((st = dl_graph_init_param(b->g, w, "xavier_uniform", 0, 0))) return st;
      int32_t in[2] = {skip, w};
      if ((st = add_op(b, "dense", "proj_dense", 2, in, 0, NULL, 0, NULL, &skip))) return st;
      if (y->ndim != 2) {
        int32_t a[4] = {y->ndim - 1, y->shape[1], y->shape[2], y->shape[3]};
        if ((st = add_op(b, "reshape", "proj_reshape", 1, &skip, 1 + a[0], a, 0, NULL, &skip))) return st;
      }
    }
  }
  int32_t in[2] = {f, skip};
  return add_op(b, "add", NULL, 2, in, 0, NULL, 0, NULL, cur);
}

static const char *const layer_types[] = {"dense", "conv2d", "conv2dTranspose", "maxPool2d", "avgPool2d", "globalAvgPool",
                                          "upsample", "flatten", "reshape", "dropout", "batchNorm", "layerNorm",
                                          "activation", "residual"};

static dl_status build_layer(builder *b, int32_t *cur) {
  dl_model *m = b->m;
  if (b->layer->type != DL_JSON_OBJECT) return dl_fail(DL_ERR_ARG, "layer %d: must be an object", b->index);
  const dl_json *t = dl_json_get(b->layer, "type"), *nm = dl_json_get(b->layer, "name");
  if (!t || t->type != DL_JSON_STRING) return dl_fail(DL_ERR_ARG, "layer %d: missing \"type\"", b->index);
  size_t k = 0, nt = sizeof layer_types / sizeof layer_types[0];
  while (k < nt && strcmp(t->string, layer_types[k])) k++;
  if (k == nt) return dl_fail(DL_ERR_ARG, "layer %d: unknown layer type: %s", b->index, t->string);
  if (m->nlayers >= DL_MAX_LAYERS) return dl_fail(DL_ERR_ARG, "more than %d layers", DL_MAX_LAYERS);
  char name[DL_NAME_MAX];
  if (nm) {
    if (nm->type != DL_JSON_STRING || !nm->string[0] || strlen(nm->string) > 24 || strchr(nm->string, '/'))
      return dl_fail(DL_ERR_ARG, "layer %d: name must be 1 to 24 characters without '/'", b->index);
    snprintf(name, sizeof name, "%s", nm->string);
  } else {
    snprintf(name, sizeof name, "%s_%d", t->string, b->index);
  }
  for (int i = 0; i < m->nlayers; i++)
    if (!strcmp(m->layers[i].name, name)) return dl_fail(DL_ERR_ARG, "layer %d: duplicate layer name '%s'", b->index, name);
  /* the record is reserved now, so a residual block's inner layers come after it */
  dl_layer *L = b->info = &m->layers[m->nlayers++];
  memset(L, 0, sizeof *L);
  snprintf(L->type, sizeof L->type, "%s", t->string);
  snprintf(L->name, sizeof L->name, "%s", name);
  snprintf(b->label, sizeof b->label, "layer %d (%s '%s')", b->index, L->type, L->name);
  L->first_node = b->g->n;
  const char *act = opt_string(b, "activation", NULL);
  if (dl_json_get(b->layer, "activation") && !act) return lfail(b, DL_ERR_ARG, "activation must be a name");
  dl_status st;
  float rate;
  int f[2];
  switch (k) {
  case 0: st = layer_dense(b, cur, act); break;
  case 1: st = layer_conv(b, cur, act, 0); break;
  case 2: st = layer_conv(b, cur, act, 1); break;
  case 3: st = layer_pool(b, cur, "maxpool2d"); break;
  case 4: st = layer_pool(b, cur, "avgpool2d"); break;
  case 5: st = add_op(b, "global_avgpool", NULL, 1, cur, 0, NULL, 0, NULL, cur); break;
  case 6:
    if (!(st = opt_pair(b, "size", 1, 64, 2, f))) st = add_op(b, "upsample", NULL, 1, cur, 2, f, 0, NULL, cur);
    break;
  case 7: st = layer_reshape(b, cur, 1); break;
  case 8: st = layer_reshape(b, cur, 0); break;
  case 9:
    if (!(st = opt_float(b, "rate", 0, 0.99, 0.5f, &rate))) st = add_op(b, "dropout", NULL, 1, cur, 0, NULL, 1, &rate, cur);
    break;
  case 10: st = layer_batchnorm(b, cur); break;
  case 11: st = layer_layernorm(b, cur); break;
  case 12: st = act ? DL_OK : lfail(b, DL_ERR_ARG, "activation is required"); break;
  default: st = layer_residual(b, cur); break;
  }
  if (!st) st = apply_activation(b, act, cur);
  if (st) return st;
  L->out = *cur;
  L->end_node = b->g->n;
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

/* ---- the model ---- */

void dl_model_destroy(dl_model *m) {
  if (!m) return;
  dl_optim_destroy(m->opt);
  dl_graph_destroy(m->g);
  free(m->layers);
  free(m->spec);
  free(m->aug_tmp);
  free(m->summary);
  free(m);
}

dl_graph *dl_model_graph(dl_model *m) { return m ? m->g : NULL; }
const char *dl_model_spec(const dl_model *m) { return m ? m->spec : ""; }
dl_optim *dl_model_optimizer(dl_model *m) { return m ? m->opt : NULL; }

static dl_status read_input_shape(const dl_json *v, int32_t *shape, int *nd) {
  *nd = read_sizes(v, shape);
  if (*nd == 0) return dl_fail(DL_ERR_ARG, "spec: input must be the per-sample shape, an array of 1 to 3 sizes");
  if (*nd < 0) return dl_fail(DL_ERR_ARG, "spec: input sizes must be positive whole numbers");
  return DL_OK;
}

dl_status dl_model_create(dl_model **out, const char *spec, size_t len) {
  if (!out || !spec) return dl_fail(DL_ERR_ARG, "model_create: null argument");
  dl_json_doc *doc;
  const dl_json *root;
  dl_status st = dl_json_parse(spec, len, &doc, &root);
  if (st) return st;
  dl_model *m = calloc(1, sizeof *m);
  int32_t shape[3];
  int nd;
  if (!m) {
    st = dl_fail(DL_ERR_OOM, "out of memory creating a model");
    goto fail;
  }
  m->target = m->loss = -1;
  if (root->type != DL_JSON_OBJECT) {
    st = dl_fail(DL_ERR_ARG, "spec: must be an object with input and layers");
    goto fail;
  }
  const dl_json *layers = dl_json_get(root, "layers"), *seed = dl_json_get(root, "seed");
  if ((st = read_input_shape(dl_json_get(root, "input"), shape, &nd))) goto fail;
  if (!layers || layers->type != DL_JSON_ARRAY || layers->count == 0) {
    st = dl_fail(DL_ERR_ARG, "spec: layers must be a non-empty array");
    goto fail;
  }
  if (seed && (seed->type != DL_JSON_NUMBER || seed->number < 0 || seed->number > 9007199254740991.0 || seed->number != floor(seed->number))) {
    st = dl_fail(DL_ERR_ARG, "spec: seed must be a whole number >= 0");
    goto fail;
  }
  m->layers = calloc(DL_MAX_LAYERS, sizeof *m->layers);
  m->spec = malloc(len + 1);
  if (!m->layers || !m->spec) {
    st = dl_fail(DL_ERR_OOM, "out of memory creating a model");
    goto fail;
  }
  memcpy(m->spec, spec, len);
  m->spec[len] = 0;
  m->spec_len = len;
  if ((st = dl_graph_create(&m->g, seed ? (uint64_t)seed->number : 1))) goto fail;
  if ((st = dl_graph_input(m->g, "input", nd, shape, 1, &m->input))) goto fail;
  builder b = {m, m->g, 0, "", NULL, NULL};
  int32_t cur = m->input;
  if ((st = build_layers(&b, layers, &cur))) goto fail;
  m->output = cur;
  size_t params = 0;
  for (int32_t i = 0; i < m->g->n; i++)
    if (m->g->nodes[i].kind == DL_KIND_PARAM) params += dl_node_sample_numel(&m->g->nodes[i]);
  if (params > DL_MAX_MODEL_PARAMS) {
    st = dl_fail(DL_ERR_OOM, "model has %zu parameters, more than the %zu allowed", params, DL_MAX_MODEL_PARAMS);
    goto fail;
  }
  if ((st = dl_model_plan(m, DEFAULT_MAX_BATCH))) goto fail;
  dl_json_free(doc);
  *out = m;
  return DL_OK;
fail:
  dl_json_free(doc);
  dl_model_destroy(m);
  return st;
}

dl_status dl_model_plan(dl_model *m, int32_t max_batch) {
  if (!m) return dl_fail(DL_ERR_ARG, "model_plan: null model");
  dl_node *x = &m->g->nodes[m->input];
  float *tmp = NULL;
  if (x->ndim == 4 && !m->aug_tmp && !(tmp = malloc(dl_node_sample_numel(x) * sizeof(float))))
    return dl_fail(DL_ERR_OOM, "out of memory planning the model");
  dl_status st = dl_graph_plan(m->g, max_batch);
  if (st) {
    free(tmp);
    return st;
  }
  if (tmp) m->aug_tmp = tmp;
  return DL_OK;
}

/* A small growing string for the summary. */
typedef struct {
  char *s;
  size_t len, cap;
  int oom;
} text;
static void put(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void put(text *t, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    size_t room = t->cap - t->len;
    va_start(ap, fmt);
    int n = t->s ? vsnprintf(t->s + t->len, room, fmt, ap) : -1;
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? t->cap * 2 : 1024;
    while (n >= 0 && cap < t->len + (size_t)n + 1) cap *= 2;
    char *s = realloc(t->s, cap);
    if (!s) {
      t->oom = 1;
      return;
    }
    t->s = s, t->cap = cap;
  }
}

static void put_shape(text *t, const dl_node *n) {
  put(t, "[");
  for (int i = n->batched ? 1 : 0; i < n->ndim; i++) put(t, i > (n->batched ? 1 : 0) ? ",%d" : "%d", n->shape[i]);
  put(t, "]");
}

dl_status dl_model_summary(dl_model *m, const char **json) {
  if (!m || !json) return dl_fail(DL_ERR_ARG, "model_summary: null argument");
  text t = {0};
  size_t total = 0;
  put(&t, "{\"input\":");
  put_shape(&t, &m->g->nodes[m->input]);
  put(&t, ",\"output\":");
  put_shape(&t, &m->g->nodes[m->output]);
  put(&t, ",\"inputNode\":%d,\"outputNode\":%d,\"layers\":[", m->input, m->output);
  for (int i = 0; i < m->nlayers; i++) {
    dl_layer *L = &m->layers[i];
    size_t count = 0;
    for (int j = 0; j < L->nparams; j++) count += dl_node_sample_numel(&m->g->nodes[L->params[j]]);
    total += count;
    put(&t, "%s{\"name\":\"%s\",\"type\":\"%s\",\"shape\":", i ? "," : "", L->name, L->type);
    put_shape(&t, &m->g->nodes[L->out]);
    put(&t, ",\"params\":%zu,\"node\":%d,\"paramNodes\":[", count, L->out);
    for (int j = 0; j < L->nparams; j++) {
      dl_node *p = &m->g->nodes[L->params[j]];
      put(&t, "%s{\"node\":%d,\"name\":\"%s\",\"shape\":", j ? "," : "", L->params[j], p->name);
      put_shape(&t, p);
      put(&t, ",\"trainable\":%s}", p->flags & DL_PARAM_STATE ? "false" : "true");
    }
    put(&t, "]}");
  }
  put(&t, "],\"params\":%zu,\"optimizer\":", total);
  if (m->opt) put(&t, "\"%s\",\"step\":%lld}", dl_optim_type(m->opt), (long long)dl_optim_steps(m->opt));
  else put(&t, "null,\"step\":0}");
  if (t.oom) {
    free(t.s);
    return dl_fail(DL_ERR_OOM, "out of memory writing the summary");
  }
  free(m->summary);
  m->summary = t.s;
  *json = t.s;
  return DL_OK;
}

/* ---- losses ---- */

enum { LOSS_CE, LOSS_CE_SOFT, LOSS_MSE, LOSS_BCE, LOSS_BCE_LOGITS, LOSS_HINGE, LOSS_COUNT };
static const char *const loss_ops[LOSS_COUNT] = {"softmax_ce", "softmax_ce_soft", "mse", "bce", "bce_logits", "hinge"};

dl_status dl_model_set_loss(dl_model *m, const char *loss, float smoothing) {
  if (!m || !loss) return dl_fail(DL_ERR_ARG, "model_set_loss: null argument");
  int k = 0;
  while (k < LOSS_COUNT && strcmp(loss, loss_ops[k])) k++;
  if (k == LOSS_COUNT) return dl_fail(DL_ERR_ARG, "unknown loss: %s", loss);
  if (!(smoothing >= 0.0f && smoothing < 1.0f)) return dl_fail(DL_ERR_ARG, "label smoothing %g outside [0, 1)", smoothing);
  if (smoothing != 0.0f && k != LOSS_CE && k != LOSS_CE_SOFT) return dl_fail(DL_ERR_ARG, "label smoothing applies to softmax_ce losses only");
  dl_graph *g = m->g;
  dl_node *out = &g->nodes[m->output];
  char tname[DL_NAME_MAX], lname[DL_NAME_MAX];
  snprintf(tname, sizeof tname, "target_%s", loss);
  snprintf(lname, sizeof lname, "loss_%s", loss);
  int32_t t, l;
  if (dl_graph_find(g, lname, &l) == DL_OK && dl_graph_find(g, tname, &t) == DL_OK) { /* built before: reuse it */
    g->nodes[l].fattr[0] = smoothing;
  } else {
    int32_t logits = m->output;
    /* cross-entropy wants logits: look through a final softmax instead of applying it twice */
    if ((k == LOSS_CE || k == LOSS_CE_SOFT) && out->kind == DL_KIND_OP && out->op == DL_OP_SOFTMAX) logits = out->inputs[0];
    dl_node *z = &g->nodes[logits];
    if ((k == LOSS_CE || k == LOSS_CE_SOFT) && (z->ndim != 2 || z->shape[1] < 2))
      return dl_fail(DL_ERR_SHAPE, "loss %s needs a [classes] output with at least 2 classes", loss);
    int32_t one = 1, shape[DL_MAX_DIMS], nd = z->ndim - 1;
    for (int i = 1; i < z->ndim; i++) shape[i - 1] = z->shape[i];
    int32_t prev_n = g->n, max_batch = g->max_batch ? g->max_batch : DEFAULT_MAX_BATCH;
    dl_status st = k == LOSS_CE ? dl_graph_input(g, tname, 1, &one, 1, &t) : dl_graph_input(g, tname, nd, shape, 1, &t);
    int32_t in[2] = {logits, t};
    if (!st) st = dl_graph_op(g, loss, lname, 2, in, 0, NULL, 1, &smoothing, &l);
    if (!st) st = dl_graph_plan(g, max_batch);
    if (st) {
      g->n = prev_n; /* drop what was added: the model stays as it was */
      dl_graph_plan(g, max_batch);
      return st;
    }
  }
  m->target = t, m->loss = l, m->loss_kind = k, m->smoothing = smoothing;
  m->classes = k == LOSS_CE ? g->nodes[g->nodes[l].inputs[0]].shape[1] : 0;
  return DL_OK;
}

dl_status dl_model_set_optimizer(dl_model *m, const char *type) {
  if (!m) return dl_fail(DL_ERR_ARG, "model_set_optimizer: null model");
  dl_optim *o;
  dl_status st = dl_optim_create(&o, m->g, type, -1);
  if (st) return st;
  dl_optim_destroy(m->opt);
  m->opt = o;
  return DL_OK;
}

dl_status dl_model_set_augment(dl_model *m, float shift, float rotate, float noise) {
  if (!m) return dl_fail(DL_ERR_ARG, "model_set_augment: null model");
  if (!(shift >= 0 && shift <= 8) || !(rotate >= 0 && rotate <= 45) || !(noise >= 0 && noise <= 1))
    return dl_fail(DL_ERR_ARG, "augmentation out of range: shift %g (0..8 px), rotate %g (0..45 degrees), noise %g (0..1)", shift,
                   rotate, noise);
  if ((shift || rotate) && m->g->nodes[m->input].ndim != 4)
    return dl_fail(DL_ERR_ARG, "shifts and rotations need image inputs [channels, height, width]");
  m->aug_shift = shift, m->aug_rotate = rotate, m->aug_noise = noise;
  return DL_OK;
}

/* Shift by (dy, dx) and rotate by a about the centre, sampling bilinearly, zero outside. */
static void augment_image(dl_model *m, float *img) {
  dl_node *x = &m->g->nodes[m->input];
  dl_rng *r = &m->g->rng;
  int C = x->ndim == 4 ? x->shape[1] : 1, H = x->ndim == 4 ? x->shape[2] : 1, W = x->ndim == 4 ? x->shape[3] : (int)dl_node_sample_numel(x);
  if (m->aug_shift > 0 || m->aug_rotate > 0) {
    float dy = (2 * dl_rng_uniform(r) - 1) * m->aug_shift, dx = (2 * dl_rng_uniform(r) - 1) * m->aug_shift;
    float a = (2 * dl_rng_uniform(r) - 1) * m->aug_rotate * 3.14159265f / 180.0f, ca = cosf(a), sa = sinf(a);
    float cy = (H - 1) / 2.0f, cx = (W - 1) / 2.0f;
    memcpy(m->aug_tmp, img, (size_t)C * H * W * sizeof(float));
    for (int c = 0; c < C; c++)
      for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) { /* inverse map: where in the source does (i, j) come from */
          float yy = i - cy - dy, xx = j - cx - dx;
          float sy = ca * yy + sa * xx + cy, sx = -sa * yy + ca * xx + cx;
          int y0 = (int)floorf(sy), x0 = (int)floorf(sx);
          float fy = sy - y0, fx = sx - x0, v = 0;
          const float *src = m->aug_tmp + (size_t)c * H * W;
          for (int q = 0; q < 4; q++) {
            int yy0 = y0 + (q >> 1), xx0 = x0 + (q & 1);
            float wgt = ((q >> 1) ? fy : 1 - fy) * ((q & 1) ? fx : 1 - fx);
            if (yy0 >= 0 && yy0 < H && xx0 >= 0 && xx0 < W) v += wgt * src[yy0 * W + xx0];
          }
          img[((size_t)c * H + i) * W + j] = v;
        }
  }
  if (m->aug_noise > 0)
    for (size_t i = 0, k = (size_t)C * H * W; i < k; i++) img[i] += m->aug_noise * dl_rng_normal(r);
}

/* Copy samples idx[0..bs) of x (and y) into the input (and target) nodes. */
static void gather(dl_model *m, const void *x, int x_u8, const float *y, const int32_t *idx, int32_t bs, int augment) {
  dl_graph *g = m->g;
  size_t D = dl_node_sample_numel(&g->nodes[m->input]);
  float *dst = g->nodes[m->input].value;
  for (int32_t i = 0; i < bs; i++, dst += D) {
    if (x_u8) {
      const uint8_t *src = (const uint8_t *)x + (size_t)idx[i] * D;
      for (size_t j = 0; j < D; j++) dst[j] = src[j] * (1.0f / 255.0f);
    } else {
      memcpy(dst, (const float *)x + (size_t)idx[i] * D, D * sizeof(float));
    }
    if (augment) augment_image(m, dst);
  }
  if (!y || m->target < 0) return;
  size_t T = dl_node_sample_numel(&g->nodes[m->target]);
  for (int32_t i = 0; i < bs; i++) memcpy(g->nodes[m->target].value + i * T, y + (size_t)idx[i] * T, T * sizeof(float));
}

/* Samples whose largest output is their label. */
static int32_t count_correct(dl_model *m, const float *labels, int32_t bs) {
  if (!m->classes) return 0;
  const float *o = m->g->nodes[m->output].value;
  int K = m->classes, right = 0;
  for (int32_t i = 0; i < bs; i++, o += K) {
    int best = 0;
    for (int k = 1; k < K; k++) best = o[k] > o[best] ? k : best;
    right += best == (int)labels[i];
  }
  return right;
}

static dl_status check_data(dl_model *m, const void *x, int32_t n, int32_t batch) {
  if (!x) return dl_fail(DL_ERR_ARG, "no input data");
  if (n < 1) return dl_fail(DL_ERR_ARG, "no samples (n = %d)", n);
  if (batch < 1 || batch > m->g->max_batch)
    return dl_fail(DL_ERR_ARG, "batch size %d outside [1, %d] (plan the model for more)", batch, m->g->max_batch);
  return DL_OK;
}

dl_status dl_model_train(dl_model *m, const void *x, int32_t x_u8, const float *y, int32_t n, const int32_t *order,
                         int32_t count, int32_t batch, dl_sched *s, int64_t step0, float *stats, int32_t *done) {
  if (!m || !order || !s || !stats || !done) return dl_fail(DL_ERR_ARG, "model_train: null argument");
  *done = 0;
  dl_status st = check_data(m, x, n, batch);
  if (st) return st;
  if (!y) return dl_fail(DL_ERR_ARG, "training needs targets");
  if (m->loss < 0) return dl_fail(DL_ERR_STATE, "no loss set: choose one before training");
  if (!m->opt) return dl_fail(DL_ERR_STATE, "no optimizer set: choose one before training");
  if (count < 1) return dl_fail(DL_ERR_ARG, "count %d: nothing to train on", count);
  for (int32_t i = 0; i < count; i++)
    if (order[i] < 0 || order[i] >= n) return dl_fail(DL_ERR_ARG, "sample index %d at position %d outside [0, %d)", order[i], i, n);
  dl_graph *g = m->g;
  g->training = 1;
  int augment = m->aug_shift > 0 || m->aug_rotate > 0 || m->aug_noise > 0;
  for (int32_t start = 0, b = 0; start < count; start += batch, b++) {
    int32_t bs = count - start < batch ? count - start : batch;
    g->batch = bs;
    gather(m, x, x_u8, y, order + start, bs, augment);
    float lr = dl_sched_lr(s, step0 + b), loss;
    if ((st = dl_train_step(g, m->opt, m->loss, lr, &loss))) return st;
    stats[3 * b] = loss + dl_optim_penalty(m->opt);
    stats[3 * b + 1] = (float)count_correct(m, g->nodes[m->target].value, bs);
    stats[3 * b + 2] = lr;
    *done = b + 1;
  }
  return DL_OK;
}

dl_status dl_model_evaluate(dl_model *m, const void *x, int32_t x_u8, const float *y, int32_t n, float *out,
                            double *loss_sum, int32_t *correct) {
  if (!m) return dl_fail(DL_ERR_ARG, "model_evaluate: null model");
  dl_status st = check_data(m, x, n, 1);
  if (st) return st;
  if (y && m->loss < 0) return dl_fail(DL_ERR_STATE, "no loss set: choose one before evaluating with targets");
  dl_graph *g = m->g;
  size_t O = dl_node_sample_numel(&g->nodes[m->output]);
  double total = 0;
  int32_t right = 0, idx[1024];
  int32_t step = g->max_batch < 1024 ? g->max_batch : 1024;
  g->training = 0;
  for (int32_t start = 0; start < n; start += step) {
    int32_t bs = n - start < step ? n - start : step;
    for (int32_t i = 0; i < bs; i++) idx[i] = start + i;
    g->batch = bs;
    gather(m, x, x_u8, y, idx, bs, 0);
    if ((st = dl_graph_forward(g, y ? m->loss : m->output))) break;
    if (out) memcpy(out + (size_t)start * O, g->nodes[m->output].value, (size_t)bs * O * sizeof(float));
    if (y) {
      total += (double)g->nodes[m->loss].value[0] * bs;
      right += count_correct(m, g->nodes[m->target].value, bs);
    }
  }
  g->training = 1;
  if (st) return st;
  if (loss_sum) *loss_sum = total;
  if (correct) *correct = right;
  return DL_OK;
}

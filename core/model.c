/* model.c: a model from a JSON spec.
 *
 * Spec (the layers and their options are in layers.c, listed by dl_catalog):
 *   {"seed": 1,
 *    "inputs":   {"x": [1, 28, 28],                          data, per-sample shape
 *                 "y": {"classes": 10},                       class indices, held one-hot
 *                 "z": {"shape": [64], "noise": "normal"}},   drawn by the engine each step
 *                 ("x": {"shape": [784], "low": -1, "high": 1} reads bytes 0..255 as -1..1)
 *    "networks": {"G": [layer, ...], "D": {"layers": [...]}},
 *    "outputs":  {"fake": {"net": "G", "from": "z"},           a network applied to a tensor
 *                 "mu": {"slice": "h", "start": 0, "size": 16}, part of a tensor (axis 1)
 *                 "zy": {"concat": ["z", "y"]},                 tensors side by side (axis 1)
 *                 "fake_d": {"detach": "fake"},                 no gradient flows back through it
 *                 "z2": {"sample": ["mu", "logvar"]},          mu + e^(logvar/2) eps
 *                 "ctx": {"attend": "dec", "to": "enc",         each step of dec attends over the steps of
 *                         "heads": 1, "mask": "src_mask"}}}      enc (keys and values), padding masked out
 * Outputs are built in order, so each may use the inputs and the outputs before it. A network's
 * parameters are created by its first application and shared by the others.
 * Noise: "normal" (mean 0, std 1), "uniform" (low 0, high 1), "bernoulli" (p 0.5).
 *
 * "meta" holds anything the caller wants kept with the model (a text model's vocabulary); the
 * builder ignores it and the saved file keeps it, as it keeps the whole spec.
 * The single-stack form {"input": [shape], "layers": [...]} is a model with one input named
 * "input", one network whose parameters keep their unprefixed names ("dense_1/kernel"), and one
 * output named "output". */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "augment.h"
#include "err.h"
#include "json.h"
#include "layers.h"
#include "init.h"
#include "optim.h"
#include "sched.h"
#include "text.h"

#define DEFAULT_MAX_BATCH 64

static int valid_name(const char *s) { return dl_valid_name(s, DL_SHORT_NAME - 1, 1); }

void dl_model_tensor_names(const dl_model *m, char *buf, size_t cap) {
  buf[0] = 0;
  for (int32_t i = 0; i < m->ntensors; i++) dl_append_name(buf, cap, m->tensors[i].name);
}

int32_t dl_model_tensor(const dl_model *m, const char *name) {
  for (int32_t i = 0; i < m->ntensors; i++)
    if (!strcmp(m->tensors[i].name, name)) return i;
  return -1;
}

static dl_status new_tensor(dl_model *m, const char *what, const char *name, dl_tensor **out) {
  if (!valid_name(name))
    return dl_fail(DL_ERR_ARG, "spec: %s name '%.30s' must be 1 to %d letters, digits, '_', '-' or '.'", what, name, DL_SHORT_NAME - 1);
  if (dl_model_tensor(m, name) >= 0) return dl_fail(DL_ERR_ARG, "spec: tensor '%s' is defined twice", name);
  if (m->ntensors >= DL_MAX_TENSORS) return dl_fail(DL_ERR_ARG, "spec: more than %d tensors", DL_MAX_TENSORS);
  dl_tensor *t = &m->tensors[m->ntensors++];
  memset(t, 0, sizeof *t);
  t->b = 1; /* a data input's bytes read as [0, 1] unless its spec says otherwise */
  snprintf(t->name, sizeof t->name, "%s", name);
  *out = t;
  return DL_OK;
}

static dl_status number_in(const dl_json *o, const char *key, double lo, double hi, float def, const char *what, float *out) {
  const dl_json *v = dl_json_get(o, key);
  *out = def;
  if (!v) return DL_OK;
  if (v->type != DL_JSON_NUMBER || !(v->number >= lo && v->number <= hi))
    return dl_fail(DL_ERR_ARG, "spec: %s: %s must be a number in [%g, %g]", what, key, lo, hi);
  *out = (float)v->number;
  return DL_OK;
}

/* "x": [shape] | {"shape": [..], "classes": K, "noise": "normal"|"uniform"|"bernoulli", ...} */
static dl_status read_input(dl_model *m, const char *name, const dl_json *v) {
  dl_tensor *t;
  dl_status st = new_tensor(m, "input", name, &t);
  if (st) return st;
  int32_t shape[3];
  int nd = 0;
  char what[64];
  snprintf(what, sizeof what, "input '%s'", name);
  const dl_json *sv = v;
  if (v->type == DL_JSON_OBJECT) {
    static const char *const keys[] = {"shape", "classes", "noise", "mean", "std", "low", "high", "p", "tokens"};
    for (const dl_json *kv = v->child; kv; kv = kv->next) {
      size_t k = 0;
      while (k < 9 && strcmp(kv->key, keys[k])) k++;
      if (k == 9) return dl_fail(DL_ERR_ARG, "spec: %s: unknown option %s (inputs take shape, classes, tokens, noise, mean, std, low, high, p)", what, kv->key);
    }
    sv = dl_json_get(v, "shape");
    const dl_json *c = dl_json_get(v, "classes"), *n = dl_json_get(v, "noise"), *tk = dl_json_get(v, "tokens");
    if (tk) { /* token ids: whole numbers an embedding looks up; bytes are the ids themselves */
      if (c || n || dl_json_get(v, "low") || dl_json_get(v, "high")) return dl_fail(DL_ERR_ARG, "spec: %s: token inputs take only shape and tokens", what);
      if (tk->type != DL_JSON_NUMBER || tk->number != floor(tk->number) || tk->number < 2 || tk->number > 1 << 24)
        return dl_fail(DL_ERR_ARG, "spec: %s: tokens (the vocabulary size) must be a whole number in [2, 16777216]", what);
      t->tokens = (int32_t)tk->number;
    }
    if (c) {
      if (c->type != DL_JSON_NUMBER || c->number != floor(c->number) || c->number < 2 || c->number > 1 << 16)
        return dl_fail(DL_ERR_ARG, "spec: %s: classes must be a whole number in [2, 65536]", what);
      t->classes = (int32_t)c->number;
      shape[0] = t->classes, nd = 1;
    }
    if (n) {
      static const char *const dists[] = {"normal", "uniform", "bernoulli"};
      int k = 0;
      while (k < 3 && !(n->type == DL_JSON_STRING && !strcmp(n->string, dists[k]))) k++;
      if (k == 3) return dl_fail(DL_ERR_ARG, "spec: %s: noise must be \"normal\", \"uniform\" or \"bernoulli\"", what);
      if (c) return dl_fail(DL_ERR_ARG, "spec: %s: noise inputs take no classes", what);
      t->kind = DL_TENSOR_NOISE, t->noise = k;
      if (k == DL_NOISE_NORMAL && ((st = number_in(v, "mean", -1e6, 1e6, 0, what, &t->a)) || (st = number_in(v, "std", 0, 1e6, 1, what, &t->b)))) return st;
      if (k == DL_NOISE_UNIFORM && ((st = number_in(v, "low", -1e6, 1e6, 0, what, &t->a)) || (st = number_in(v, "high", -1e6, 1e6, 1, what, &t->b)))) return st;
      if (k == DL_NOISE_UNIFORM && !(t->a < t->b)) return dl_fail(DL_ERR_ARG, "spec: %s: low must be below high", what);
      if (k == DL_NOISE_BERNOULLI && (st = number_in(v, "p", 0, 1, 0.5f, what, &t->a))) return st;
    }
    if (!n) { /* a data input's bytes read as low + (high - low) b / 255: [-1, 1] is what a tanh generator draws */
      if (c && (dl_json_get(v, "low") || dl_json_get(v, "high"))) return dl_fail(DL_ERR_ARG, "spec: %s: class inputs take no low or high", what);
      if ((st = number_in(v, "low", -1e6, 1e6, 0, what, &t->a)) || (st = number_in(v, "high", -1e6, 1e6, 1, what, &t->b))) return st;
      if (!(t->a < t->b)) return dl_fail(DL_ERR_ARG, "spec: %s: low must be below high", what);
    }
  }
  if (sv) {
    int32_t given[3];
    int gn = dl_read_sizes(sv, given);
    if (gn == 0) return dl_fail(DL_ERR_ARG, "spec: %s: shape must be the per-sample shape, an array of 1 to 3 sizes", what);
    if (gn < 0) return dl_fail(DL_ERR_ARG, "spec: %s: sizes must be positive whole numbers", what);
    if (nd && (gn != 1 || given[0] != shape[0])) return dl_fail(DL_ERR_SHAPE, "spec: %s: a one-hot input of %d classes has shape [%d]", what, shape[0], shape[0]);
    memcpy(shape, given, sizeof given), nd = gn;
  }
  if (!nd) return dl_fail(DL_ERR_ARG, "spec: %s must be a shape, or an object with shape or classes", what);
  if (m->step_mode && t->tokens) { /* one token at a time; caches and positions span the window */
    if (nd != 1) return dl_fail(DL_ERR_SHAPE, "spec: %s: generation needs token ids of shape [steps]", what);
    m->step_ctx = shape[0], shape[0] = 1;
    if ((st = dl_graph_input(m->g, "pos", 1, shape, 1, &m->pos_node))) return st;
  }
  return dl_graph_input(m->g, name, nd, shape, 1, &t->node);
}

static dl_status find_tensor(dl_model *m, const char *what, const dl_json *v, int32_t *node, const char **name) {
  if (!v || v->type != DL_JSON_STRING) return dl_fail(DL_ERR_ARG, "spec: %s must name a tensor", what);
  int32_t k = dl_model_tensor(m, v->string);
  if (k < 0) {
    char known[300];
    dl_model_tensor_names(m, known, sizeof known);
    return dl_fail(DL_ERR_ARG, "spec: %s: no tensor named '%.30s' before it (known: %s)", what, v->string, known);
  }
  *node = m->tensors[k].node;
  if (name) *name = m->tensors[k].name;
  return DL_OK;
}

static dl_status whole(const dl_json *o, const char *key, int lo, int hi, int def, const char *what, int32_t *out) {
  const dl_json *v = dl_json_get(o, key);
  *out = def;
  if (!v) return def < lo ? dl_fail(DL_ERR_ARG, "spec: %s: %s is required", what, key) : DL_OK;
  if (v->type != DL_JSON_NUMBER || v->number != floor(v->number) || v->number < lo || v->number > hi)
    return dl_fail(DL_ERR_ARG, "spec: %s: %s must be a whole number in [%d, %d]", what, key, lo, hi);
  *out = (int32_t)v->number;
  return DL_OK;
}

/* One entry of "outputs": exactly one of net, slice, concat, stack, detach, sample, attend. */
static dl_status read_output(dl_model *m, const char *name, const dl_json *v) {
  char what[64];
  snprintf(what, sizeof what, "output '%s'", name);
  if (v->type != DL_JSON_OBJECT) return dl_fail(DL_ERR_ARG, "spec: %s must be an object such as {\"net\": ..., \"from\": ...}", what);
  static const char *const forms[] = {"net", "slice", "concat", "detach", "sample", "attend", "stack"};
  int form = -1;
  for (int k = 0; k < 7; k++)
    if (dl_json_get(v, forms[k])) {
      if (form >= 0) return dl_fail(DL_ERR_ARG, "spec: %s has both %s and %s", what, forms[form], forms[k]);
      form = k;
    }
  if (form < 0) return dl_fail(DL_ERR_ARG, "spec: %s needs one of net (with from), slice, concat, stack, detach, sample or attend (with to)", what);
  static const char *const allowed[][5] = {{"net", "from"}, {"slice", "start", "size", "axis", "index"}, {"concat", "axis"}, {"detach"}, {"sample"},
                                           {"attend", "to", "heads", "mask"}, {"stack", "axis"}};
  for (const dl_json *kv = v->child; kv; kv = kv->next) {
    int ok = 0;
    for (int k = 0; k < 5 && allowed[form][k]; k++) ok |= !strcmp(kv->key, allowed[form][k]);
    if (!ok) return dl_fail(DL_ERR_ARG, "spec: %s: unknown option %s for %s", what, kv->key, forms[form]);
  }
  dl_tensor *t;
  dl_status st = new_tensor(m, "output", name, &t);
  if (st) return st;
  t->kind = DL_TENSOR_COMPUTED;
  int32_t in[4], a[3];
  const char *from;
  m->ntensors--; /* not visible to its own definition */
  switch (form) {
  case 0: {
    const dl_json *nv = dl_json_get(v, "net");
    int32_t k = -1;
    for (int32_t i = 0; nv && nv->type == DL_JSON_STRING && i < m->nnets; i++)
      if (!strcmp(m->nets[i].name, nv->string)) k = i;
    if (k < 0) return dl_fail(DL_ERR_ARG, "spec: %s: net must name one of the networks", what);
    if ((st = find_tensor(m, what, dl_json_get(v, "from"), &in[0], &from))) break;
    st = dl_net_apply(m, k, in[0], from, &t->node);
    break;
  }
  case 1: /* a run along an axis, or with index one step of it, the axis dropped */
    if ((st = find_tensor(m, what, dl_json_get(v, "slice"), &in[0], NULL)) || (st = whole(v, "axis", 1, 3, 1, what, &a[0]))) break;
    if (dl_json_get(v, "index")) {
      if (dl_json_get(v, "start") || dl_json_get(v, "size")) st = dl_fail(DL_ERR_ARG, "spec: %s: slice takes index, or start and size, not both", what);
      else if (!(st = whole(v, "index", 0, 1 << 24, 0, what, &a[1]))) st = dl_graph_op(m->g, "select", name, 1, in, 2, a, 0, NULL, &t->node);
      break;
    }
    if ((st = whole(v, "start", 0, 1 << 24, 0, what, &a[1])) || (st = whole(v, "size", 1, 1 << 24, -1, what, &a[2]))) break;
    st = dl_graph_op(m->g, "slice", name, 1, in, 3, a, 0, NULL, &t->node);
    break;
  case 2:
  case 6: { /* side by side along an axis, or along a new one */
    const dl_json *list = dl_json_get(v, forms[form]);
    if (list->type != DL_JSON_ARRAY || list->count < 2 || list->count > DL_MAX_INPUTS) {
      st = dl_fail(DL_ERR_ARG, "spec: %s: %s must list 2 to %d tensors", what, forms[form], DL_MAX_INPUTS);
      break;
    }
    int32_t *ids = malloc((size_t)list->count * sizeof *ids);
    if (!ids) st = dl_fail(DL_ERR_OOM, "spec: %s: out of memory", what);
    for (int i = 0; !st && i < list->count; i++) st = find_tensor(m, what, dl_json_at(list, i), &ids[i], NULL);
    if (!st && !(st = whole(v, "axis", 1, 3, 1, what, &a[0]))) st = dl_graph_op(m->g, forms[form], name, list->count, ids, 1, a, 0, NULL, &t->node);
    free(ids);
    break;
  }
  case 3:
    if (!(st = find_tensor(m, what, dl_json_get(v, "detach"), &in[0], NULL)))
      st = dl_graph_op(m->g, "detach", name, 1, in, 0, NULL, 0, NULL, &t->node);
    break;
  case 5: { /* cross-attention: each step of one sequence reads the steps of another (seq2seq) */
    int32_t heads, n = 3;
    if ((st = find_tensor(m, what, dl_json_get(v, "attend"), &in[0], NULL)) || (st = find_tensor(m, what, dl_json_get(v, "to"), &in[1], NULL)) ||
        (st = whole(v, "heads", 1, 256, 1, what, &heads)))
      break;
    in[2] = in[1];
    if (dl_json_get(v, "mask") && !(st = find_tensor(m, what, dl_json_get(v, "mask"), &in[3], NULL))) n = 4;
    if (st) break;
    int32_t a[3] = {heads, 0, 0};
    st = dl_graph_op(m->g, "attention", name, n, in, 3, a, 0, NULL, &t->node);
    break;
  }
  case 4: {
    const dl_json *list = dl_json_get(v, "sample");
    if (list->type != DL_JSON_ARRAY || list->count != 2) {
      st = dl_fail(DL_ERR_ARG, "spec: %s: sample must be [mu, logvar]", what);
      break;
    }
    for (int i = 0; !st && i < 2; i++) st = find_tensor(m, what, dl_json_at(list, i), &in[i], NULL);
    if (!st) st = dl_graph_op(m->g, "sample_gauss", name, 2, in, 0, NULL, 0, NULL, &t->node);
  }
  }
  if (st && form > 0 && strncmp(dl_last_error(), "spec:", 5)) dl_fail(st, "spec: %s: %s", what, dl_last_error());
  if (!st) m->ntensors++;
  return st;
}

static dl_status read_networks(dl_model *m, const dl_json *nets) {
  if (!nets || nets->type != DL_JSON_OBJECT || nets->count == 0)
    return dl_fail(DL_ERR_ARG, "spec: networks must be an object of named layer lists");
  if (nets->count > DL_MAX_NETS) return dl_fail(DL_ERR_ARG, "spec: more than %d networks", DL_MAX_NETS);
  for (const dl_json *kv = nets->child; kv; kv = kv->next) {
    if (!valid_name(kv->key)) return dl_fail(DL_ERR_ARG, "spec: network name '%.30s' must be 1 to %d letters, digits, '_', '-' or '.'", kv->key, DL_SHORT_NAME - 1);
    const dl_json *layers = kv->type == DL_JSON_OBJECT ? dl_json_get(kv, "layers") : kv;
    if (kv->type == DL_JSON_OBJECT && kv->count != 1) return dl_fail(DL_ERR_ARG, "spec: network '%s' takes only layers", kv->key);
    if (!layers || layers->type != DL_JSON_ARRAY || layers->count == 0)
      return dl_fail(DL_ERR_ARG, "spec: network '%s' must be a non-empty list of layers", kv->key);
    dl_net *n = &m->nets[m->nnets++];
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", kv->key);
    snprintf(n->prefix, sizeof n->prefix, "%s/", kv->key);
    n->layers = layers;
  }
  return DL_OK;
}

/* The single-stack spec: one input, one network, one output. */
static dl_status build_single(dl_model *m, const dl_json *root) {
  const dl_json *layers = dl_json_get(root, "layers");
  dl_tensor *t;
  int32_t shape[3];
  int nd = dl_read_sizes(dl_json_get(root, "input"), shape);
  if (nd == 0) return dl_fail(DL_ERR_ARG, "spec: input must be the per-sample shape, an array of 1 to 3 sizes");
  if (nd < 0) return dl_fail(DL_ERR_ARG, "spec: input sizes must be positive whole numbers");
  if (!layers || layers->type != DL_JSON_ARRAY || layers->count == 0) return dl_fail(DL_ERR_ARG, "spec: layers must be a non-empty array");
  dl_status st = new_tensor(m, "input", "input", &t);
  if (st || (st = dl_graph_input(m->g, "input", nd, shape, 1, &t->node))) return st;
  dl_net *n = &m->nets[m->nnets++];
  snprintf(n->name, sizeof n->name, "model");
  n->layers = layers;
  m->ninputs = 1;
  int32_t out;
  if ((st = dl_net_apply(m, 0, t->node, "input", &out))) return st;
  if ((st = new_tensor(m, "output", "output", &t))) return st;
  t->kind = DL_TENSOR_COMPUTED, t->node = out;
  return DL_OK;
}

static dl_status build_spec(dl_model *m, const dl_json *root) {
  static const char *const keys[] = {"seed", "input", "layers", "inputs", "networks", "outputs", "meta"};
  for (const dl_json *kv = root->child; kv; kv = kv->next) { /* meta: anything the caller keeps with the model (a vocabulary) */
    size_t k = 0;
    while (k < 7 && strcmp(kv->key, keys[k])) k++;
    if (k == 7) return dl_fail(DL_ERR_ARG, "spec: unknown key %.30s (a spec has seed and inputs, networks, outputs; or input and layers; and meta)", kv->key);
  }
  if (dl_json_get(root, "layers") || dl_json_get(root, "input")) {
    if (dl_json_get(root, "inputs") || dl_json_get(root, "networks") || dl_json_get(root, "outputs"))
      return dl_fail(DL_ERR_ARG, "spec: give either input and layers, or inputs, networks and outputs");
    return build_single(m, root);
  }
  const dl_json *inputs = dl_json_get(root, "inputs"), *outputs = dl_json_get(root, "outputs");
  if (!inputs || inputs->type != DL_JSON_OBJECT || inputs->count == 0)
    return dl_fail(DL_ERR_ARG, "spec: must be an object with input and layers, or with inputs, networks and outputs");
  dl_status st;
  for (const dl_json *kv = inputs->child; kv; kv = kv->next)
    if ((st = read_input(m, kv->key, kv))) return st;
  m->ninputs = m->ntensors;
  if ((st = read_networks(m, dl_json_get(root, "networks")))) return st;
  if (!outputs || outputs->type != DL_JSON_OBJECT || outputs->count == 0)
    return dl_fail(DL_ERR_ARG, "spec: outputs must name at least one computed tensor");
  for (const dl_json *kv = outputs->child; kv; kv = kv->next)
    if ((st = read_output(m, kv->key, kv))) return st;
  for (int32_t i = 0; i < m->nnets; i++)
    if (!m->nets[i].applications) return dl_fail(DL_ERR_ARG, "spec: network '%s' is never applied (use it in outputs)", m->nets[i].name);
  return DL_OK;
}

void dl_model_destroy(dl_model *m) {
  if (!m) return;
  dl_generate_free(m);
  dl_program_free(m->prog);
  dl_model_optims_free(m);
  dl_graph_destroy(m->g);
  free(m->layers);
  free(m->spec);
  free(m->aug_tmp);
  free(m->summary);
  free(m);
}

dl_graph *dl_model_graph(dl_model *m) { return m ? m->g : NULL; }
const char *dl_model_spec(const dl_model *m) { return m ? m->spec : ""; }

dl_status dl_model_create(dl_model **out, const char *spec, size_t len) { return dl_model_build(out, spec, len, 0); }

dl_status dl_model_build(dl_model **out, const char *spec, size_t len, int32_t step_mode) {
  if (!out || !spec) return dl_fail(DL_ERR_ARG, "model_create: null argument");
  dl_json_doc *doc;
  const dl_json *root;
  dl_status st = dl_json_parse(spec, len, &doc, &root);
  if (st) return st;
  dl_model *m = calloc(1, sizeof *m);
  if (!m) {
    st = dl_fail(DL_ERR_OOM, "out of memory creating a model");
    goto fail;
  }
  if (root->type != DL_JSON_OBJECT) {
    st = dl_fail(DL_ERR_ARG, "spec: must be an object with input and layers, or with inputs, networks and outputs");
    goto fail;
  }
  const dl_json *seed = dl_json_get(root, "seed");
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
  m->step_mode = step_mode;
  m->pos_node = -1;
  if ((st = dl_graph_create(&m->g, seed ? (uint64_t)seed->number : 1))) goto fail;
  if ((st = build_spec(m, root))) goto fail;
  for (int32_t i = 0; i < m->nnets; i++) m->nets[i].layers = NULL; /* the document goes away */
  m->input = m->tensors[0].node;
  m->output = m->tensors[m->ntensors - 1].node;
  m->base_nodes = m->g->n;
  for (int32_t i = 0; i < m->ntensors; i++) m->g->nodes[m->tensors[i].node].keep = 1;
  size_t params = 0;
  for (int32_t i = 0; i < m->g->n; i++)
    if (m->g->nodes[i].kind == DL_KIND_PARAM) params += dl_node_sample_numel(&m->g->nodes[i]);
  if (params > DL_MAX_MODEL_PARAMS) {
    st = dl_fail(DL_ERR_OOM, "model has %zu parameters, more than the %zu allowed", params, DL_MAX_MODEL_PARAMS);
    goto fail;
  }
  if (!step_mode && (st = dl_model_plan(m, DEFAULT_MAX_BATCH))) goto fail; /* generate.c plans a step graph for its streams */
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
  size_t image = 0;
  for (int32_t i = 0; i < m->ninputs; i++) {
    dl_node *x = &m->g->nodes[m->tensors[i].node];
    if (x->ndim == 4 && dl_node_sample_numel(x) > image) image = dl_node_sample_numel(x);
  }
  float *tmp = NULL;
  if (image && !m->aug_tmp && !(tmp = malloc(image * sizeof(float)))) return dl_fail(DL_ERR_OOM, "out of memory planning the model");
  dl_status st = dl_graph_plan(m->g, max_batch);
  if (st) {
    free(tmp);
    return st;
  }
  if (tmp) m->aug_tmp = tmp;
  return DL_OK;
}

dl_status dl_model_reset_state(dl_model *m, int32_t *count) {
  if (!m || !count) return dl_fail(DL_ERR_ARG, "model_reset_state: null argument");
  if (m->running) return dl_fail(DL_ERR_STATE, "model is training");
  for (int32_t i = 0; i < m->nstate; i++) {
    dl_node *n = &m->g->nodes[m->state_nodes[i]];
    if (n->value) memset(n->value, 0, n->kept_floats * sizeof(float));
  }
  *count = m->nstate;
  return DL_OK;
}

dl_status dl_model_plan_inference(dl_model *m, int32_t max_batch) {
  if (!m) return dl_fail(DL_ERR_ARG, "model_plan_inference: null model");
  if (m->running) return dl_fail(DL_ERR_STATE, "model is training");
  return dl_graph_plan_inference(m->g, max_batch);
}

dl_status dl_model_set_augment(dl_model *m, const float *options) {
  if (!m || !options) return dl_fail(DL_ERR_ARG, "model_set_augment: null argument");
  dl_status st = dl_augment_check(options, m->aug_tmp != NULL);
  if (st) return st;
  memcpy(m->aug, options, sizeof m->aug);
  return DL_OK;
}

dl_status dl_augment(const float *options, const float *image, int32_t C, int32_t H, int32_t W, int32_t count, uint64_t seed, float *out) {
  if (!options || !image || !out) return dl_fail(DL_ERR_ARG, "augment: null argument");
  if (C < 1 || H < 2 || W < 2 || C > 64 || H > 1024 || W > 1024 || count < 1 || count > 256)
    return dl_fail(DL_ERR_ARG, "augment: image [%d, %d, %d] and %d copies, expected [1..64, 2..1024, 2..1024] and 1..256", C, H, W, count);
  dl_status st = dl_augment_check(options, 1);
  if (st) return st;
  size_t n = (size_t)C * H * W;
  float *tmp = malloc(n * sizeof(float));
  if (!tmp) return dl_fail(DL_ERR_OOM, "augment: out of memory");
  dl_rng r;
  dl_rng_seed(&r, seed);
  for (int32_t i = 0; i < count; i++) {
    memcpy(out + i * n, image, n * sizeof(float));
    dl_augment_image(options, &r, C, H, W, out + i * n, tmp);
  }
  free(tmp);
  return DL_OK;
}

/* ---- the summary ---- */

static void put_shape(dl_text *t, const dl_node *n) {
  dl_put(t, "[");
  for (int i = n->batched ? 1 : 0; i < n->ndim; i++) dl_put(t, i > (n->batched ? 1 : 0) ? ",%d" : "%d", n->shape[i]);
  dl_put(t, "]");
}

dl_status dl_model_summary(dl_model *m, const char **json) {
  if (!m || !json) return dl_fail(DL_ERR_ARG, "model_summary: null argument");
  dl_text t = {0};
  size_t total = 0;
  dl_graph *g = m->g;
  static const char *const kinds[] = {"data", "noise", "computed"}, *const noises[] = {"normal", "uniform", "bernoulli"};
  dl_put(&t, "{\"input\":");
  put_shape(&t, &g->nodes[m->input]);
  dl_put(&t, ",\"output\":");
  put_shape(&t, &g->nodes[m->output]);
  dl_put(&t, ",\"inputNode\":%d,\"outputNode\":%d,\"single\":%s,\"tensors\":[", m->input, m->output, m->nets[0].prefix[0] ? "false" : "true");
  for (int32_t i = 0; i < m->ntensors; i++) {
    dl_tensor *x = &m->tensors[i];
    dl_put(&t, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"node\":%d,\"shape\":", i ? "," : "", x->name, kinds[x->kind], x->node);
    put_shape(&t, &g->nodes[x->node]);
    if (x->classes) dl_put(&t, ",\"classes\":%d", x->classes);
    if (x->tokens) dl_put(&t, ",\"tokens\":%d", x->tokens);
    if (x->kind == DL_TENSOR_NOISE) dl_put(&t, ",\"noise\":\"%s\"", noises[x->noise]);
    dl_put(&t, "}");
  }
  dl_put(&t, "],\"networks\":[");
  for (int32_t i = 0; i < m->nnets; i++) {
    dl_net *n = &m->nets[i];
    size_t count = 0;
    for (int32_t l = n->first_layer; l < n->first_layer + n->nlayers; l++)
      for (int j = 0; j < m->layers[l].nparams; j++) count += dl_node_sample_numel(&g->nodes[m->layers[l].params[j]]);
    dl_put(&t, "%s{\"name\":\"%s\",\"params\":%zu,\"applications\":%d,\"firstLayer\":%d,\"layers\":%d}", i ? "," : "", n->name, count,
           n->applications, n->first_layer, n->nlayers);
  }
  dl_put(&t, "],\"layers\":[");
  for (int i = 0; i < m->nlayers; i++) {
    dl_layer *L = &m->layers[i];
    size_t count = 0;
    for (int j = 0; j < L->nparams; j++) count += dl_node_sample_numel(&g->nodes[L->params[j]]);
    total += count;
    dl_put(&t, "%s{\"name\":\"%s\",\"type\":\"%s\",\"net\":\"%s\",\"shape\":", i ? "," : "", L->name, L->type, m->nets[L->net].name);
    put_shape(&t, &g->nodes[L->out]);
    dl_put(&t, ",\"params\":%zu,\"node\":%d,\"paramNodes\":[", count, L->out);
    for (int j = 0; j < L->nparams; j++) {
      dl_node *p = &g->nodes[L->params[j]];
      dl_put(&t, "%s{\"node\":%d,\"name\":\"%s\",\"shape\":", j ? "," : "", L->params[j], p->name);
      put_shape(&t, p);
      dl_put(&t, ",\"trainable\":%s}", p->flags & DL_PARAM_STATE ? "false" : "true");
    }
    dl_put(&t, "]}");
  }
  dl_put(&t, "],\"params\":%zu,", total);
  dl_program_summary(m, &t);
  dl_put(&t, "}");
  if (t.oom) {
    free(t.s);
    return dl_fail(DL_ERR_OOM, "out of memory writing the summary");
  }
  free(m->summary);
  m->summary = t.s;
  *json = t.s;
  return DL_OK;
}

/* ---- the catalog: every name the engine knows, for docs, pages and messages ---- */

dl_status dl_catalog(const char **json) {
  static char *cached;
  if (!json) return dl_fail(DL_ERR_ARG, "catalog: null argument");
  if (!cached) {
    dl_text t = {0};
    dl_put(&t, "{");
    dl_layer_catalog(&t);
    dl_put(&t, ",\"losses\":");
    dl_loss_catalog(&t);
    dl_put(&t, ",\"optimizers\":");
    dl_optim_catalog(&t);
    dl_put(&t, ",\"schedules\":");
    dl_sched_catalog(&t);
    dl_put(&t, ",\"initializers\":");
    dl_init_catalog(&t);
    dl_put(&t, ",\"augment\":");
    dl_augment_catalog(&t);
    dl_put(&t, "}");
    if (t.oom) {
      free(t.s);
      return dl_fail(DL_ERR_OOM, "out of memory writing the catalog");
    }
    cached = t.s;
  }
  *json = cached;
  return DL_OK;
}

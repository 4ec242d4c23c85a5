/* program.c: training programs, and the loops that run, evaluate and query a model.
 *
 * A program is JSON:
 *   {"losses": {"d": [term, ...], "g": [...]},
 *    "optimizers": {"d": {"type": "adam", "lr": 2e-4, "beta1": 0.5, "networks": ["D"]}, ...},
 *    "steps": [{"loss": "d", "optimizer": "d", "repeat": 1}, {"loss": "g", "optimizer": "g"}]}
 * A loss is the weighted sum of its terms. A term:
 *   {"type": "bce_logits", "on": "d_real", "target": 1 | "x" | {"data": "y"},
 *    "weight": 1, "reduce": "mean" | "sum", "smoothing": 0, "warmup": 0, "name": ...}
 * `on` names a tensor ([mu, logvar] for kl_gauss); `target` is a constant, a tensor, or data
 * given with each call under that name (class labels for softmax_ce). "reduce": "sum" adds over
 * each sample's elements instead of averaging them (always a mean over the batch). `warmup`
 * raises the weight linearly from 0 over that many updates of the step's optimizer (a KL
 * warm-up). An optimizer trains the networks it names (all by default) with its own rate,
 * schedule ({"type": "cosine", ...}, counted in its own updates, or in epochs with "per":
 * "epoch"), clipping and penalties. Steps run in order; each is one forward, backward and update
 * of one loss with one optimizer; a step whose loss reads data takes the next batch of samples.
 * "steps" may be left out when there is one loss and one optimizer.
 *
 * "feedback": {"input": "tgt_in", "from": "logits", "rate": 1} turns teacher forcing off (or,
 * for a rate in (0, 1), samples it: scheduled sampling). Before each training step, position
 * t + 1 of the token input takes the model's own greedy choice at position t of `from` (scores
 * per position over the input's vocabulary), with probability `rate`, else keeps the data's
 * token; positions are filled in order, one evaluation-mode forward pass each, so each choice
 * reads the tokens chosen before it, as decoding does. The loss still compares with the data.
 *
 * A step refused (a non-finite loss or gradient, a bad label) changes nothing: batch-norm
 * statistics wait for the commit, the random stream is rewound, the optimizer checks before it
 * writes. Setting a program builds the new one completely before the old one is dropped;
 * optimizers that keep their name, type and networks keep their state. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "augment.h"
#include "err.h"
#include "json.h"
#include "model.h"
#include "ops/ops.h"
#include "optim.h"
#include "text.h"

#define MAX_LOSSES 16
#define MAX_TERMS 8
#define MAX_DATA 16
#define MAX_STEPS 32
#define MAX_SLOTS 64 /* model inputs + program data: bits of a mask */

/* ---- the loss table ---- */
enum { TARGET_NONE, TARGET_SAME, TARGET_LABELS };
static const struct loss_def {
  const char *name;
  int target;      /* TARGET_* */
  int ninputs;     /* tensors in `on` */
  int per_element; /* a mean over each sample's elements ("sum" multiplies by their count) */
  int smoothing;   /* takes label smoothing (the op's float attribute) */
  float f0;        /* otherwise the op's float attribute: the critic's sign */
  const char *doc;
} loss_table[] = {
    {"softmax_ce", TARGET_LABELS, 1, 0, 1, 0, "cross-entropy of softmax(logits) with class labels"},
    {"softmax_ce_soft", TARGET_SAME, 1, 0, 1, 0, "cross-entropy of softmax(logits) with target distributions"},
    {"mse", TARGET_SAME, 1, 1, 0, 0, "mean squared error"},
    {"bce", TARGET_SAME, 1, 1, 0, 0, "binary cross-entropy of probabilities in (0, 1)"},
    {"bce_logits", TARGET_SAME, 1, 1, 0, 0, "binary cross-entropy of logits (the stable form)"},
    {"hinge", TARGET_SAME, 1, 1, 0, 0, "max(0, 1 - t s) with targets -1 or +1"},
    {"perceptron", TARGET_SAME, 1, 1, 0, 0, "max(0, -t s), targets -1 or +1"},
    {"kl_gauss", TARGET_NONE, 2, 0, 0, 0, "KL(N(mu, e^logvar) || N(0, 1)), summed over the latent dims"},
    {"critic_mean", TARGET_NONE, 1, 1, 0, 1, "the mean score (Wasserstein critics; weight -1 to maximize)"},
};
#define NLOSS ((int)(sizeof loss_table / sizeof loss_table[0]))

void dl_loss_catalog(dl_text *t) {
  static const char *const targets[] = {"none", "same", "labels"};
  dl_put(t, "[");
  for (int i = 0; i < NLOSS; i++)
    dl_put(t, "%s{\"name\":\"%s\",\"target\":\"%s\",\"inputs\":%d,\"smoothing\":%s,\"doc\":\"%s\"}", i ? "," : "", loss_table[i].name,
           targets[loss_table[i].target], loss_table[i].ninputs, loss_table[i].smoothing ? "true" : "false", loss_table[i].doc);
  dl_put(t, "]");
}

typedef struct {
  char name[DL_SHORT_NAME];
  int type;
  int32_t on;          /* the prediction (first input of the loss op) */
  int32_t target;      /* target node, or -1 */
  int32_t mask;        /* per-position weights (softmax_ce), or -1 */
  int has_constant;
  float constant;
  int32_t node;        /* the term's loss op */
  int32_t scaled;      /* its scale node, or -1 when the weight is 1 */
  float weight, factor;
  int64_t warmup;
} term;

typedef struct {
  char name[DL_SHORT_NAME];
  int32_t node;
  int nterms;
  term terms[MAX_TERMS];
} loss;

typedef struct {
  char name[DL_SHORT_NAME];
  int32_t node;
  int32_t labels; /* holds class labels (softmax_ce targets): checked before a call runs */
} data_slot;

typedef struct {
  int loss, opt, repeat;
  uint64_t slots;  /* data slots its loss reads */
  uint64_t noise;  /* noise inputs (tensor indices) its loss draws */
} step;

typedef struct {
  int32_t input, from; /* the token input's tensor index and the scores' node; input < 0: none */
  float rate;
} feedback;

struct dl_program {
  char *json;
  size_t len;
  int nlosses, ndata, nsteps;
  feedback fb;
  loss losses[MAX_LOSSES];
  data_slot data[MAX_DATA]; /* slot m->ninputs + i */
  step steps[MAX_STEPS];
  int32_t record;           /* stats floats per iteration */
};

void dl_program_free(dl_program *p) {
  if (!p) return;
  free(p->json);
  free(p);
}

static void optim_entry_free(dl_model_optim *o) {
  dl_optim_destroy(o->opt);
  dl_sched_destroy(o->sched);
  memset(o, 0, sizeof *o);
}

void dl_model_optims_free(dl_model *m) {
  for (int i = 0; i < m->nopts; i++) optim_entry_free(&m->opts[i]);
  m->nopts = 0;
}

/* ---- building ---- */

typedef struct {
  dl_model *m;
  dl_program *p;
  dl_model_optim opts[DL_MAX_NETS]; /* the new list: reused entries are copies of the old */
  int reused[DL_MAX_NETS];          /* index of the old entry it continues, or -1 */
  const dl_json *opt_json[DL_MAX_NETS];
  int nopts;
  dl_json_doc *doc; /* the program's JSON, alive until its options are applied */
} pbuild;

static dl_status pfail(dl_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static dl_status pfail(dl_status code, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return dl_fail(code, "program: %s", msg);
}

/* Program names have no '.': graph nodes of a program are named "loss:term". */
static int valid_name(const char *s) { return dl_valid_name(s, DL_SHORT_NAME - 1, 0); }

/* A graph op for the program; a shape error from the op is worded for the term. */
static dl_status op(pbuild *pb, const char *what, const char *type, const char *name, int nin, const int32_t *in, int nf, const float *f,
                    int32_t *id) {
  dl_status st = dl_graph_op(pb->m->g, type, name, nin, in, 0, NULL, nf, f, id);
  return st ? pfail(st, "%s: %s", what, dl_last_error()) : DL_OK;
}

static dl_status tensor_node(pbuild *pb, const char *what, const dl_json *v, int32_t *node) {
  if (!v || v->type != DL_JSON_STRING) return pfail(DL_ERR_ARG, "%s must name a tensor", what);
  int32_t k = dl_model_tensor(pb->m, v->string);
  if (k < 0) {
    char known[300];
    dl_model_tensor_names(pb->m, known, sizeof known);
    return pfail(DL_ERR_ARG, "%s: no tensor named '%.30s' (the model has %s)", what, v->string, known);
  }
  *node = pb->m->tensors[k].node;
  return DL_OK;
}

/* The per-sample shape of one value per position of scores `like` (its shape without the
 * classes; [1] for a plain classifier's), or like's own when !per_position. Returns ndim. */
static int32_t target_shape(const dl_node *like, int per_position, int32_t *shape) {
  int32_t nd = like->ndim - 1;
  for (int i = 1; i < like->ndim; i++) shape[i - 1] = like->shape[i];
  if (per_position && --nd == 0) nd = 1, shape[0] = 1;
  return nd;
}

/* {"data": name}: the name, or NULL for anything else. */
static const char *data_name(const dl_json *v) {
  const dl_json *d = v->type == DL_JSON_OBJECT && v->count == 1 ? dl_json_get(v, "data") : NULL;
  return d && d->type == DL_JSON_STRING ? d->string : NULL;
}

/* A data slot of the program: a batched input fed with each call. */
/* kind: DATA_LIKE (like's shape), DATA_LABELS (class indices, one per position of like's scores)
 * or DATA_WEIGHTS (a number per position). */
enum { DATA_LIKE, DATA_LABELS, DATA_WEIGHTS };
static dl_status data_target(pbuild *pb, const char *what, const char *name, int kind, const dl_node *like, int32_t *node) {
  int labels = kind == DATA_LABELS;
  dl_program *p = pb->p;
  dl_model *m = pb->m;
  if (!valid_name(name)) return pfail(DL_ERR_ARG, "%s: data name '%.30s' must be 1 to %d letters, digits, '_' or '-'", what, name, DL_SHORT_NAME - 1);
  if (dl_model_tensor(m, name) >= 0) return pfail(DL_ERR_ARG, "%s: data '%s' has the name of one of the model's tensors", what, name);
  int32_t shape[DL_MAX_DIMS], nd = target_shape(like, kind != DATA_LIKE, shape);
  for (int i = 0; i < p->ndata; i++) {
    if (strcmp(p->data[i].name, name)) continue;
    dl_node *n = &m->g->nodes[p->data[i].node];
    int same = n->ndim == nd + 1 && p->data[i].labels == labels;
    for (int d = 0; same && d < nd; d++) same = n->shape[d + 1] == shape[d];
    if (!same) return pfail(DL_ERR_SHAPE, "%s: data '%s' is used with two different shapes", what, name);
    *node = p->data[i].node;
    return DL_OK;
  }
  if (p->ndata >= MAX_DATA || m->ninputs + p->ndata >= MAX_SLOTS) return pfail(DL_ERR_ARG, "%s: more than %d data targets", what, MAX_DATA);
  data_slot *s = &p->data[p->ndata];
  snprintf(s->name, sizeof s->name, "%s", name);
  s->labels = labels;
  dl_status st = dl_graph_input(m->g, name, nd, shape, 1, &s->node);
  if (st) return pfail(st, "%s: %s", what, dl_last_error());
  p->ndata++;
  *node = s->node;
  return DL_OK;
}

static dl_status read_term(pbuild *pb, loss *L, int index, const dl_json *v) {
  dl_model *m = pb->m;
  char what[96];
  snprintf(what, sizeof what, "loss '%s' term %d", L->name, index + 1);
  if (v->type != DL_JSON_OBJECT) return pfail(DL_ERR_ARG, "%s must be an object {type, on, target, weight}", what);
  static const char *const keys[] = {"type", "on", "target", "weight", "reduce", "smoothing", "warmup", "name", "mask"};
  for (const dl_json *kv = v->child; kv; kv = kv->next) {
    size_t k = 0;
    while (k < 9 && strcmp(kv->key, keys[k])) k++;
    if (k == 9) return pfail(DL_ERR_ARG, "%s: unknown key %.30s (terms take type, on, target, weight, reduce, smoothing, warmup, mask, name)", what, kv->key);
  }
  term *t = &L->terms[index];
  memset(t, 0, sizeof *t);
  t->target = t->scaled = t->mask = -1;
  const dl_json *type = dl_json_get(v, "type");
  t->type = -1;
  for (int i = 0; type && type->type == DL_JSON_STRING && i < NLOSS; i++)
    if (!strcmp(type->string, loss_table[i].name)) t->type = i;
  if (t->type < 0) {
    char known[300] = "";
    for (int i = 0; i < NLOSS; i++) dl_append_name(known, sizeof known, loss_table[i].name);
    return pfail(DL_ERR_ARG, "%s: unknown loss type %.30s (expected one of %s)", what, type && type->type == DL_JSON_STRING ? type->string : "(none)", known);
  }
  const struct loss_def *d = &loss_table[t->type];
  const dl_json *nm = dl_json_get(v, "name");
  if (nm && (nm->type != DL_JSON_STRING || !valid_name(nm->string))) return pfail(DL_ERR_ARG, "%s: name must be 1 to %d letters, digits, '_' or '-'", what, DL_SHORT_NAME - 1);
  snprintf(t->name, sizeof t->name, "%s", nm ? nm->string : d->name);
  for (int i = 0; i < index; i++)
    if (!strcmp(L->terms[i].name, t->name)) {
      if (nm) return pfail(DL_ERR_ARG, "%s: two terms named '%s'", what, t->name);
      snprintf(t->name, sizeof t->name, "%.16s_%d", d->name, index + 1);
    }
  snprintf(what, sizeof what, "loss '%s' term '%s'", L->name, t->name);
  int32_t in[3];
  const dl_json *on = dl_json_get(v, "on");
  dl_status st;
  if (d->ninputs == 2) {
    if (!on || on->type != DL_JSON_ARRAY || on->count != 2) return pfail(DL_ERR_ARG, "%s: on must be [mu, logvar]", what);
    for (int i = 0; i < 2; i++)
      if ((st = tensor_node(pb, what, dl_json_at(on, i), &in[i]))) return st;
  } else if ((st = tensor_node(pb, what, on, &in[0]))) {
    return st;
  }
  dl_graph *g = m->g;
  /* cross-entropy wants logits: look through a final softmax instead of applying it twice */
  if (d->smoothing && g->nodes[in[0]].kind == DL_KIND_OP && g->nodes[in[0]].op == DL_OP_SOFTMAX) in[0] = dl_input_id(g, &g->nodes[in[0]], 0);
  t->on = in[0];
  dl_node *pred = &g->nodes[in[0]];
  if (!pred->batched) return pfail(DL_ERR_SHAPE, "%s: on must be a batched tensor", what);
  int32_t K = pred->shape[pred->ndim - 1];
  size_t elements = dl_node_sample_numel(pred);
  if (d->target == TARGET_LABELS && (pred->ndim < 2 || K < 2))
    return pfail(DL_ERR_SHAPE, "%s: %s needs [..., classes] scores with at least 2 classes", what, d->name);
  const dl_json *tv = dl_json_get(v, "target");
  if (d->target == TARGET_NONE && tv) return pfail(DL_ERR_ARG, "%s: %s takes no target", what, d->name);
  if (d->target != TARGET_NONE) {
    if (!tv) return pfail(DL_ERR_ARG, "%s: %s needs a target", what, d->name);
    char tname[DL_NAME_MAX];
    snprintf(tname, sizeof tname, "%s:%s:target", L->name, t->name);
    if (tv->type == DL_JSON_NUMBER) {
      t->has_constant = 1, t->constant = (float)tv->number;
      if (!isfinite(t->constant)) return pfail(DL_ERR_ARG, "%s: target must be finite", what);
      if (d->target == TARGET_LABELS && (t->constant != floorf(t->constant) || t->constant < 0 || t->constant >= K))
        return pfail(DL_ERR_ARG, "%s: target %g is not a class in [0, %d)", what, tv->number, K);
      int32_t shape[DL_MAX_DIMS], nd = target_shape(pred, d->target == TARGET_LABELS, shape);
      if ((st = dl_graph_input(g, tname, nd, shape, 1, &t->target)))
        return pfail(st, "%s: %s", what, dl_last_error());
    } else if (tv->type == DL_JSON_STRING) {
      if ((st = tensor_node(pb, what, tv, &t->target))) return st;
    } else if (data_name(tv)) {
      if ((st = data_target(pb, what, data_name(tv), d->target == TARGET_LABELS ? DATA_LABELS : DATA_LIKE, pred, &t->target))) return st;
    } else {
      return pfail(DL_ERR_ARG, "%s: target must be a number, a tensor's name or {\"data\": name}", what);
    }
    in[1] = t->target;
  }
  /* (a target's data slot or constant is a new node: the node table may have moved) */
  pred = &g->nodes[t->on];
  /* a weight per position (0 for padding): a tensor, or data given with each call */
  const dl_json *mv = dl_json_get(v, "mask");
  int nin = d->target == TARGET_NONE && d->ninputs == 1 ? 1 : 2;
  if (mv) {
    if (d->target != TARGET_LABELS) return pfail(DL_ERR_ARG, "%s: mask applies to softmax_ce terms only", what);
    if (mv->type == DL_JSON_STRING) {
      if ((st = tensor_node(pb, what, mv, &in[2]))) return st;
    } else if (data_name(mv)) {
      if ((st = data_target(pb, what, data_name(mv), DATA_WEIGHTS, pred, &in[2]))) return st;
    } else {
      return pfail(DL_ERR_ARG, "%s: mask must be a tensor's name or {\"data\": name}", what);
    }
    g->nodes[in[2]].keep = 1;
    t->mask = in[2];
    nin = 3;
  }
  float smoothing = 0;
  const dl_json *sv = dl_json_get(v, "smoothing");
  if (sv) {
    if (!d->smoothing) return pfail(DL_ERR_ARG, "%s: smoothing applies to softmax_ce losses only", what);
    if (sv->type != DL_JSON_NUMBER || !(sv->number >= 0 && sv->number < 1)) return pfail(DL_ERR_ARG, "%s: smoothing must be in [0, 1)", what);
    smoothing = (float)sv->number;
  }
  const dl_json *w = dl_json_get(v, "weight"), *r = dl_json_get(v, "reduce"), *wu = dl_json_get(v, "warmup");
  t->weight = 1;
  if (w && (w->type != DL_JSON_NUMBER || !(fabs(w->number) <= 1e6))) return pfail(DL_ERR_ARG, "%s: weight must be a number in [-1e6, 1e6]", what);
  if (w) t->weight = (float)w->number;
  t->factor = 1;
  if (r && !(r->type == DL_JSON_STRING && (!strcmp(r->string, "mean") || !strcmp(r->string, "sum"))))
    return pfail(DL_ERR_ARG, "%s: reduce must be \"mean\" or \"sum\"", what);
  if (r && !strcmp(r->string, "sum") && d->per_element) t->factor = (float)elements;
  if (wu && (wu->type != DL_JSON_NUMBER || wu->number != floor(wu->number) || wu->number < 0 || wu->number > 1e9))
    return pfail(DL_ERR_ARG, "%s: warmup must be a whole number of updates >= 0", what);
  t->warmup = wu ? (int64_t)wu->number : 0;
  char name[DL_NAME_MAX];
  snprintf(name, sizeof name, "%s:%s", L->name, t->name);
  float f0 = d->smoothing ? smoothing : d->f0; /* the op's one float: smoothing, or the critic's sign */
  if ((st = op(pb, what, d->name, name, nin, in, 1, &f0, &t->node)))
    return st;
  /* the run loop reads predictions and targets after the step (accuracy): keep them */
  g->nodes[t->on].keep = 1;
  if (t->target >= 0) g->nodes[t->target].keep = 1;
  if (t->weight * t->factor != 1.0f || t->warmup) {
    float c = t->weight * t->factor;
    snprintf(name, sizeof name, "%s:%s*w", L->name, t->name);
    if ((st = op(pb, what, "scale", name, 1, &t->node, 1, &c, &t->scaled))) return st;
  }
  return DL_OK;
}

static dl_status read_losses(pbuild *pb, const dl_json *losses) {
  dl_program *p = pb->p;
  if (!losses || losses->type != DL_JSON_OBJECT || losses->count == 0) return pfail(DL_ERR_ARG, "losses must be an object of named term lists");
  if (losses->count > MAX_LOSSES) return pfail(DL_ERR_ARG, "more than %d losses", MAX_LOSSES);
  for (const dl_json *kv = losses->child; kv; kv = kv->next) {
    if (!valid_name(kv->key)) return pfail(DL_ERR_ARG, "loss name '%.30s' must be 1 to %d letters, digits, '_' or '-'", kv->key, DL_SHORT_NAME - 1);
    loss *L = &p->losses[p->nlosses++];
    memset(L, 0, sizeof *L);
    snprintf(L->name, sizeof L->name, "%s", kv->key);
    const dl_json *terms = kv->type == DL_JSON_OBJECT ? NULL : kv;
    if (kv->type == DL_JSON_OBJECT) terms = kv; /* a single term may stand alone */
    if (terms->type == DL_JSON_ARRAY && (terms->count < 1 || terms->count > MAX_TERMS))
      return pfail(DL_ERR_ARG, "loss '%s' must have 1 to %d terms", L->name, MAX_TERMS);
    if (terms->type != DL_JSON_ARRAY && terms->type != DL_JSON_OBJECT) return pfail(DL_ERR_ARG, "loss '%s' must be a list of terms", L->name);
    dl_status st;
    if (terms->type == DL_JSON_OBJECT) {
      L->nterms = 1;
      if ((st = read_term(pb, L, 0, terms))) return st;
    } else {
      for (const dl_json *t = terms->child; t; t = t->next)
        if ((st = read_term(pb, L, L->nterms++, t))) return st;
    }
    int32_t cur = L->terms[0].scaled >= 0 ? L->terms[0].scaled : L->terms[0].node;
    for (int i = 1; i < L->nterms; i++) {
      char name[DL_NAME_MAX];
      int32_t in[2] = {cur, L->terms[i].scaled >= 0 ? L->terms[i].scaled : L->terms[i].node};
      snprintf(name, sizeof name, "%s:+%d", L->name, i);
      if ((st = op(pb, L->name, "add", name, 2, in, 0, NULL, &cur))) return st;
    }
    L->node = cur;
  }
  return DL_OK;
}

static uint32_t all_nets(const dl_model *m) { return m->nnets >= 32 ? 0xFFFFFFFFu : (1u << m->nnets) - 1u; }

static int learns_in(const dl_node *n, uint32_t nets) {
  return n->kind == DL_KIND_PARAM && (n->flags & DL_PARAM_TRAINABLE) && !(n->flags & (DL_PARAM_STATE | DL_PARAM_FROZEN)) && n->group < 32 &&
         ((nets >> n->group) & 1u);
}

static dl_status read_optimizers(pbuild *pb, const dl_json *opts) {
  dl_model *m = pb->m;
  if (!opts || opts->type != DL_JSON_OBJECT || opts->count == 0) return pfail(DL_ERR_ARG, "optimizers must be an object of named optimizers");
  if (opts->count > DL_MAX_NETS) return pfail(DL_ERR_ARG, "more than %d optimizers", DL_MAX_NETS);
  for (const dl_json *kv = opts->child; kv; kv = kv->next) {
    char what[64];
    snprintf(what, sizeof what, "optimizer '%.30s'", kv->key);
    if (!valid_name(kv->key)) return pfail(DL_ERR_ARG, "%s: name must be 1 to %d letters, digits, '_' or '-'", what, DL_SHORT_NAME - 1);
    if (kv->type != DL_JSON_OBJECT) return pfail(DL_ERR_ARG, "%s must be an object {type, lr, networks, ...}", what);
    const dl_json *type = dl_json_get(kv, "type"), *lrv = dl_json_get(kv, "lr"), *nets = dl_json_get(kv, "networks");
    int k = type && type->type == DL_JSON_STRING ? dl_optim_find(type->string) : -1;
    if (k < 0) return pfail(DL_ERR_ARG, "%s: unknown type %.30s (expected sgd, momentum, nesterov, rmsprop, adagrad, adam or adamw)", what,
                            type && type->type == DL_JSON_STRING ? type->string : "(none)");
    float lr = dl_optim_default_lr(k);
    if (lrv && (lrv->type != DL_JSON_NUMBER || !(lrv->number >= 0 && lrv->number <= 1e6)))
      return pfail(DL_ERR_ARG, "%s: lr must be a number in [0, 1e6]", what);
    if (lrv) lr = (float)lrv->number;
    uint32_t mask = 0;
    if (nets) {
      if (nets->type != DL_JSON_ARRAY || nets->count == 0) return pfail(DL_ERR_ARG, "%s: networks must list network names", what);
      for (const dl_json *n = nets->child; n; n = n->next) {
        int32_t j = -1;
        for (int32_t i = 0; n->type == DL_JSON_STRING && i < m->nnets; i++)
          if (!strcmp(m->nets[i].name, n->string)) j = i;
        if (j < 0) return pfail(DL_ERR_ARG, "%s: no network named '%.30s'", what, n->type == DL_JSON_STRING ? n->string : "?");
        mask |= 1u << j;
      }
    } else {
      mask = all_nets(m);
    }
    int count = 0;
    for (int32_t i = 0; i < m->g->n; i++) count += learns_in(&m->g->nodes[i], mask);
    if (!count) return pfail(DL_ERR_ARG, "%s covers no trainable parameters", what);
    dl_model_optim *o = &pb->opts[pb->nopts];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", kv->key);
    o->nets = mask;
    pb->opt_json[pb->nopts] = kv;
    pb->reused[pb->nopts] = -1;
    pb->nopts++;
    /* the schedule */
    const dl_json *sv = dl_json_get(kv, "schedule"), *per = dl_json_get(kv, "per");
    dl_status st;
    if (per && !(per->type == DL_JSON_STRING && (!strcmp(per->string, "step") || !strcmp(per->string, "batch") || !strcmp(per->string, "epoch"))))
      return pfail(DL_ERR_ARG, "%s: per must be \"step\" or \"epoch\"", what);
    o->per_epoch = per && !strcmp(per->string, "epoch");
    const char *stype = "constant";
    if (sv) {
      const dl_json *st_type = dl_json_get(sv, "type");
      if (sv->type != DL_JSON_OBJECT || !st_type || st_type->type != DL_JSON_STRING) return pfail(DL_ERR_ARG, "%s: schedule must be {type, ...options}", what);
      stype = st_type->string;
    }
    if ((st = dl_sched_create(&o->sched, stype, lr))) return pfail(st, "%s: %s", what, dl_last_error());
    for (const dl_json *s = sv ? sv->child : NULL; s; s = s->next) {
      if (!strcmp(s->key, "type")) continue;
      if (s->type != DL_JSON_NUMBER) return pfail(DL_ERR_ARG, "%s: schedule option %.30s must be a number", what, s->key);
      if ((st = dl_sched_set(o->sched, s->key, (float)s->number))) return pfail(st, "%s: %s", what, dl_last_error());
    }
    /* options, checked on a scratch optimizer of the type (over no parameters) */
    dl_optim *scratch;
    if ((st = dl_optim_create_set(&scratch, m->g, type->string, 0))) return st;
    for (const dl_json *s = kv->child; s && !st; s = s->next) {
      if (!strcmp(s->key, "type") || !strcmp(s->key, "lr") || !strcmp(s->key, "networks") || !strcmp(s->key, "schedule") || !strcmp(s->key, "per")) continue;
      if (s->type != DL_JSON_NUMBER) st = pfail(DL_ERR_ARG, "%s: %.30s must be a number", what, s->key);
      else if ((st = dl_optim_set(scratch, s->key, (float)s->number))) st = pfail(st, "%s: %s", what, dl_last_error());
    }
    dl_optim_destroy(scratch);
    if (st) return st;
    /* keep the state of an optimizer with the same name, type and networks */
    for (int i = 0; i < m->nopts; i++)
      if (!strcmp(m->opts[i].name, o->name) && m->opts[i].nets == mask && !strcmp(dl_optim_type(m->opts[i].opt), type->string))
        pb->reused[pb->nopts - 1] = i;
    if (pb->reused[pb->nopts - 1] < 0 && (st = dl_optim_create_set(&o->opt, m->g, type->string, mask))) return st;
  }
  return DL_OK;
}

static int find_named(const char *name, const char *base, size_t stride, int count) {
  for (int i = 0; i < count; i++)
    if (!strcmp(base + (size_t)i * stride, name)) return i;
  return -1;
}

static dl_status read_steps(pbuild *pb, const dl_json *steps) {
  dl_program *p = pb->p;
  dl_model *m = pb->m;
  dl_graph *g = m->g;
  if (!steps) {
    if (p->nlosses != 1 || pb->nopts != 1) return pfail(DL_ERR_ARG, "steps must be given when there is more than one loss or optimizer");
    p->nsteps = 1;
    p->steps[0].loss = 0, p->steps[0].opt = 0, p->steps[0].repeat = 1;
  } else {
    if (steps->type != DL_JSON_ARRAY || steps->count < 1 || steps->count > MAX_STEPS)
      return pfail(DL_ERR_ARG, "steps must be a list of 1 to %d {loss, optimizer, repeat}", MAX_STEPS);
    for (const dl_json *s = steps->child; s; s = s->next) {
      step *st = &p->steps[p->nsteps++];
      const dl_json *l = dl_json_get(s, "loss"), *o = dl_json_get(s, "optimizer"), *r = dl_json_get(s, "repeat");
      if (s->type != DL_JSON_OBJECT) return pfail(DL_ERR_ARG, "step %d must be {loss, optimizer, repeat}", p->nsteps);
      for (const dl_json *kv = s->child; kv; kv = kv->next)
        if (strcmp(kv->key, "loss") && strcmp(kv->key, "optimizer") && strcmp(kv->key, "repeat"))
          return pfail(DL_ERR_ARG, "step %d: unknown key %.30s (steps take loss, optimizer, repeat)", p->nsteps, kv->key);
      st->loss = l && l->type == DL_JSON_STRING ? find_named(l->string, p->losses[0].name, sizeof(loss), p->nlosses) : -1;
      if (st->loss < 0) return pfail(DL_ERR_ARG, "step %d: unknown loss '%.30s'", p->nsteps, l && l->type == DL_JSON_STRING ? l->string : "(none)");
      st->opt = o && o->type == DL_JSON_STRING ? find_named(o->string, pb->opts[0].name, sizeof(dl_model_optim), pb->nopts) : -1;
      if (st->opt < 0) return pfail(DL_ERR_ARG, "step %d: unknown optimizer '%.30s'", p->nsteps, o && o->type == DL_JSON_STRING ? o->string : "(none)");
      st->repeat = 1;
      if (r && (r->type != DL_JSON_NUMBER || r->number != floor(r->number) || r->number < 1 || r->number > 100))
        return pfail(DL_ERR_ARG, "step %d: repeat must be a whole number in [1, 100]", p->nsteps);
      if (r) st->repeat = (int)r->number;
    }
  }
  p->record = 0;
  for (int k = 0; k < p->nsteps; k++) {
    step *st = &p->steps[k];
    loss *L = &p->losses[st->loss];
    dl_model_optim *o = &pb->opts[st->opt];
    dl_graph_mark(g, L->node, 0);
    int reaches = 0;
    for (int32_t i = 0; i < g->n; i++) reaches |= g->nodes[i].mark && learns_in(&g->nodes[i], o->nets);
    if (!reaches) return pfail(DL_ERR_ARG, "step %d: loss '%s' does not depend on anything optimizer '%s' trains", k + 1, L->name, o->name);
    dl_graph_mark(g, L->node, 1);
    for (int32_t i = 0; i < m->ninputs; i++) {
      if (!g->nodes[m->tensors[i].node].mark) continue;
      if (m->tensors[i].kind == DL_TENSOR_NOISE) st->noise |= 1ull << i;
      else st->slots |= 1ull << i;
    }
    for (int i = 0; i < p->ndata; i++)
      if (g->nodes[p->data[i].node].mark) st->slots |= 1ull << (m->ninputs + i);
    p->record += st->repeat * (4 + L->nterms);
  }
  return DL_OK;
}

/* "feedback": a token input [T] fed, position by position, the model's greedy choices from
 * scores [T, V] over the same vocabulary that depend on it. */
static dl_status read_feedback(pbuild *pb, const dl_json *v) {
  dl_model *m = pb->m;
  feedback *fb = &pb->p->fb;
  fb->input = -1;
  if (!v) return DL_OK;
  if (v->type != DL_JSON_OBJECT) return pfail(DL_ERR_ARG, "feedback must be an object {input, from, rate}");
  for (const dl_json *kv = v->child; kv; kv = kv->next)
    if (strcmp(kv->key, "input") && strcmp(kv->key, "from") && strcmp(kv->key, "rate"))
      return pfail(DL_ERR_ARG, "feedback: unknown key %.30s (it takes input, from and rate)", kv->key);
  const dl_json *in = dl_json_get(v, "input"), *rate = dl_json_get(v, "rate");
  int32_t k = in && in->type == DL_JSON_STRING ? dl_model_tensor(m, in->string) : -1;
  if (k < 0 || k >= m->ninputs || !m->tensors[k].tokens) return pfail(DL_ERR_ARG, "feedback: input must name a token input of the model");
  dl_status st = tensor_node(pb, "feedback: from", dl_json_get(v, "from"), &fb->from);
  if (st) return st;
  dl_graph *g = m->g;
  const dl_node *x = &g->nodes[m->tensors[k].node], *z = &g->nodes[fb->from];
  if (x->ndim != 2 || z->ndim != 3 || z->shape[1] != x->shape[1] || z->shape[2] != m->tensors[k].tokens)
    return pfail(DL_ERR_SHAPE, "feedback: from must hold scores [%d, %d] (a position of input %s, a score per token)", x->shape[1], m->tensors[k].tokens,
                 m->tensors[k].name);
  dl_graph_mark(g, fb->from, 1);
  if (!g->nodes[m->tensors[k].node].mark) return pfail(DL_ERR_ARG, "feedback: %s does not depend on %s", dl_json_get(v, "from")->string, in->string);
  fb->rate = 1.0f;
  if (rate && (rate->type != DL_JSON_NUMBER || !(rate->number >= 0 && rate->number <= 1)))
    return pfail(DL_ERR_ARG, "feedback: rate must be a number in [0, 1] (the share of positions fed the model's own choice)");
  if (rate) fb->rate = (float)rate->number;
  fb->input = k;
  return DL_OK;
}

static dl_status build_program(dl_model *m, const char *json, size_t len, dl_program **out, pbuild *pb) {
  dl_json_doc *doc;
  const dl_json *root;
  dl_status st = dl_json_parse(json, len, &doc, &root);
  if (st) return st;
  dl_program *p = calloc(1, sizeof *p);
  if (!p || !(p->json = malloc(len + 1))) {
    free(p);
    dl_json_free(doc);
    return dl_fail(DL_ERR_OOM, "out of memory building a program");
  }
  memcpy(p->json, json, len);
  p->json[len] = 0;
  p->len = len;
  pb->m = m, pb->p = p;
  if (root->type != DL_JSON_OBJECT) st = pfail(DL_ERR_ARG, "must be an object {losses, optimizers, steps}");
  for (const dl_json *kv = st ? NULL : root->child; kv && !st; kv = kv->next)
    if (strcmp(kv->key, "losses") && strcmp(kv->key, "optimizers") && strcmp(kv->key, "steps") && strcmp(kv->key, "feedback"))
      st = pfail(DL_ERR_ARG, "unknown key %.30s (a program has losses, optimizers, steps and feedback)", kv->key);
  if (!st) st = read_losses(pb, dl_json_get(root, "losses"));
  if (!st) st = read_optimizers(pb, dl_json_get(root, "optimizers"));
  if (!st) st = read_steps(pb, dl_json_get(root, "steps"));
  if (!st) st = read_feedback(pb, dl_json_get(root, "feedback"));
  pb->doc = doc;
  if (st) {
    dl_program_free(p);
    return st;
  }
  *out = p;
  return DL_OK;
}

static void pbuild_drop(pbuild *pb) {
  for (int i = 0; i < pb->nopts; i++)
    if (pb->reused[i] < 0) dl_optim_destroy(pb->opts[i].opt);
  for (int i = 0; i < pb->nopts; i++) dl_sched_destroy(pb->opts[i].sched);
  dl_json_free(pb->doc);
  pb->doc = NULL;
}

/* Apply the options of a checked program to an optimizer (they were validated: cannot fail). */
static void apply_options(dl_optim *o, const dl_json *kv) {
  for (const dl_json *s = kv->child; s; s = s->next)
    if (strcmp(s->key, "type") && strcmp(s->key, "lr") && strcmp(s->key, "networks") && strcmp(s->key, "schedule") && strcmp(s->key, "per"))
      dl_optim_set(o, s->key, (float)s->number);
}

/* Only the model's named tensors stay marked `keep`: a program marks its own (predictions and
 * targets the loop reads after a step) as it is built. */
static void unkeep(dl_model *m) {
  for (int32_t i = 0; i < m->base_nodes; i++) m->g->nodes[i].keep = 0;
  for (int32_t i = 0; i < m->ntensors; i++) m->g->nodes[m->tensors[i].node].keep = 1;
}

dl_status dl_model_set_program(dl_model *m, const char *json, size_t len) {
  if (!m || !json) return dl_fail(DL_ERR_ARG, "model_set_program: null argument");
  if (m->running) return dl_fail(DL_ERR_STATE, "model is training: stop it before changing its program");
  dl_graph *g = m->g;
  int32_t max_batch = g->max_batch ? g->max_batch : 64;
  dl_program *old = m->prog, *p = NULL;
  pbuild pb;
  memset(&pb, 0, sizeof pb);
  dl_graph_truncate(g, m->base_nodes);
  unkeep(m);
  dl_status st = build_program(m, json, len, &p, &pb);
  if (!st) st = dl_graph_plan(g, max_batch);
  if (st) {
    /* put the old program back: it was built before, from the same model */
    char msg[600];
    snprintf(msg, sizeof msg, "%s", dl_last_error());
    pbuild_drop(&pb);
    dl_graph_truncate(g, m->base_nodes);
    unkeep(m);
    if (old) {
      dl_program *again = NULL;
      pbuild keep;
      memset(&keep, 0, sizeof keep);
      if (build_program(m, old->json, old->len, &again, &keep) == DL_OK) {
        /* the optimizers it made are the current ones: keep those, drop the copies */
        pbuild_drop(&keep);
        dl_program_free(old);
        m->prog = again;
      }
    }
    dl_graph_plan(g, max_batch);
    dl_fail(st, "%s", msg);
    return st;
  }
  /* Keep state of reused optimizers; take the new options and schedules. */
  dl_model_optim next[DL_MAX_NETS];
  int used[DL_MAX_NETS] = {0};
  for (int i = 0; i < pb.nopts; i++) {
    next[i] = pb.opts[i];
    if (pb.reused[i] >= 0) {
      dl_model_optim *was = &m->opts[pb.reused[i]];
      next[i].opt = was->opt;
      used[pb.reused[i]] = 1;
      dl_sched_destroy(was->sched);
      was->sched = NULL;
    }
    apply_options(next[i].opt, pb.opt_json[i]);
  }
  dl_json_free(pb.doc);
  for (int i = 0; i < m->nopts; i++)
    if (!used[i]) optim_entry_free(&m->opts[i]);
  memcpy(m->opts, next, sizeof(dl_model_optim) * (size_t)pb.nopts);
  m->nopts = pb.nopts;
  dl_program_free(old);
  m->prog = p;
  return DL_OK;
}

dl_status dl_model_clear_program(dl_model *m) {
  if (!m) return dl_fail(DL_ERR_ARG, "model_clear_program: null model");
  if (m->running) return dl_fail(DL_ERR_STATE, "model is training: stop it before changing its program");
  int32_t max_batch = m->g->max_batch ? m->g->max_batch : 64;
  dl_graph_truncate(m->g, m->base_nodes);
  unkeep(m);
  dl_program_free(m->prog);
  m->prog = NULL;
  dl_model_optims_free(m);
  return dl_graph_plan(m->g, max_batch);
}

/* ---- feeding a batch ---- */

/* Change one training image with the model's augmentation (augment.c), from the model's generator. */
static void augment_image(dl_model *m, const dl_node *x, float *img) {
  int image = x->ndim == 4;
  dl_augment_image(m->aug, &m->g->rng, image ? x->shape[1] : 1, image ? x->shape[2] : 1, image ? x->shape[3] : (int)dl_node_sample_numel(x), img, m->aug_tmp);
}

static int32_t slot_node(const dl_model *m, int s) { return s < m->ninputs ? m->tensors[s].node : m->prog->data[s - m->ninputs].node; }
static int32_t slot_classes(const dl_model *m, int s) { return s < m->ninputs ? m->tensors[s].classes : 0; }
static int32_t slot_count(const dl_model *m) { return m->ninputs + (m->prog ? m->prog->ndata : 0); }
static int slot_integers(const dl_model *m, int s) { return s < m->ninputs ? m->tensors[s].tokens > 0 : m->prog->data[s - m->ninputs].labels; }

/* Copy samples idx[0..bs) of one data slot into its node (bytes are scaled to the input's range; class
 * indices become one-hot rows). */
static void feed_slot(dl_model *m, int s, const void *src, int u8, const int32_t *idx, int32_t bs, int augment) {
  dl_node *x = &m->g->nodes[slot_node(m, s)];
  int32_t K = slot_classes(m, s);
  size_t D = dl_node_sample_numel(x), per = K ? 1 : D;
  float *dst = x->value;
  for (int32_t i = 0; i < bs; i++, dst += D) {
    size_t at = (size_t)(idx ? idx[i] : i) * per;
    if (K) {
      float c = u8 ? (float)((const uint8_t *)src)[at] : ((const float *)src)[at];
      memset(dst, 0, D * sizeof(float));
      dst[(int32_t)c] = 1.0f;
      continue;
    }
    if (u8 && slot_integers(m, s)) { /* token ids and class labels: bytes are the numbers */
      const uint8_t *p = (const uint8_t *)src + at;
      for (size_t j = 0; j < D; j++) dst[j] = p[j];
    } else if (u8) { /* an input's bytes span [low, high] (default [0, 1]); a program's data, [0, 1] */
      const uint8_t *p = (const uint8_t *)src + at;
      float lo = s < m->ninputs ? m->tensors[s].a : 0.0f, step = (s < m->ninputs ? m->tensors[s].b - lo : 1.0f) * (1.0f / 255.0f);
      for (size_t j = 0; j < D; j++) dst[j] = lo + p[j] * step;
    } else {
      memcpy(dst, (const float *)src + at, D * sizeof(float));
    }
    if (augment) augment_image(m, x, dst);
  }
}

static void draw_noise(dl_model *m, const dl_tensor *t) {
  dl_node *x = &m->g->nodes[t->node];
  dl_rng *r = &m->g->rng;
  size_t k = dl_node_numel(m->g, x);
  for (size_t i = 0; i < k; i++)
    x->value[i] = t->noise == DL_NOISE_NORMAL    ? t->a + t->b * dl_rng_normal(r)
                  : t->noise == DL_NOISE_UNIFORM ? t->a + (t->b - t->a) * dl_rng_uniform(r)
                                                 : (dl_rng_uniform(r) < t->a ? 1.0f : 0.0f);
}

static void fill_constants(dl_model *m, const loss *L) {
  for (int i = 0; i < L->nterms; i++) {
    const term *t = &L->terms[i];
    if (!t->has_constant) continue;
    dl_node *x = &m->g->nodes[t->target];
    for (size_t j = 0, k = dl_node_numel(m->g, x); j < k; j++) x->value[j] = t->constant;
  }
}

/* Classes of a slot holding class indices: a one-hot input's, or the scores' a label slot is
 * compared with; 0 for other data. */
static int32_t slot_label_classes(const dl_model *m, int s) {
  if (s < m->ninputs) return m->tensors[s].classes;
  if (!m->prog->data[s - m->ninputs].labels) return 0;
  for (int l = 0; l < m->prog->nlosses; l++)
    for (int t = 0; t < m->prog->losses[l].nterms; t++)
      if (m->prog->losses[l].terms[t].target == slot_node(m, s)) {
        const dl_node *z = &m->g->nodes[m->prog->losses[l].terms[t].on];
        return z->shape[z->ndim - 1];
      }
  return 0;
}

/* Every needed slot has data, and every class index a call will read is a class: checked
 * before anything runs, so a bad label changes nothing. */
static dl_status check_slots(dl_model *m, uint64_t slots, const void *const *data, const int32_t *u8, const int32_t *order, int32_t count) {
  for (int s = 0; s < slot_count(m); s++) {
    if (!((slots >> s) & 1)) continue;
    const char *name = s < m->ninputs ? m->tensors[s].name : m->prog->data[s - m->ninputs].name;
    if (!data || !data[s]) return dl_fail(DL_ERR_ARG, "no data given for '%s'", name);
    int32_t K = slot_label_classes(m, s);
    size_t per = s < m->ninputs ? 1 : dl_node_sample_numel(&m->g->nodes[slot_node(m, s)]);
    for (int32_t i = 0; K && i < count; i++) {
      int32_t at = order ? order[i] : i;
      for (size_t j = 0; j < per; j++) {
        size_t k = (size_t)at * per + j;
        float c = u8 && u8[s] ? (float)((const uint8_t *)data[s])[k] : ((const float *)data[s])[k];
        if (c >= 0 && c < K && c == floorf(c)) continue;
        if (per == 1) return dl_fail(DL_ERR_ARG, "'%s' of sample %d is %g, not a class in [0, %d)", name, at, c, K);
        return dl_fail(DL_ERR_ARG, "'%s' at position %zu of sample %d is %g, not a class in [0, %d)", name, j, at, c, K);
      }
    }
  }
  return DL_OK;
}

/* The first index of the largest of n scores. */
static int32_t argmax(const float *z, int32_t n) {
  int32_t best = 0;
  for (int32_t c = 1; c < n; c++) best = z[c] > z[best] ? c : best;
  return best;
}

/* Samples of the batch whose largest score (a softmax_ce term's input) is their label; for
 * sequences, the share of each sample's positions that are right (those its mask weighs), summed. */
static double count_correct(const dl_graph *g, const term *t, int32_t bs) {
  const dl_node *z = &g->nodes[t->on];
  const float *lab = g->nodes[t->target].value, *row = z->value, *w = t->mask >= 0 ? g->nodes[t->mask].value : NULL;
  int32_t K = z->shape[z->ndim - 1];
  size_t per = dl_node_sample_numel(z) / (size_t)K;
  double total = 0;
  for (int32_t i = 0; i < bs; i++) {
    size_t right = 0, counted = 0;
    for (size_t j = 0; j < per; j++, row += K) {
      size_t r = (size_t)i * per + j;
      if (w && w[r] == 0.0f) continue;
      right += argmax(row, K) == (int32_t)lab[r], counted++;
    }
    if (counted) total += (double)right / (double)counted;
  }
  return total;
}

/* Teacher forcing off (or sampled): the token input's positions 1.. take the model's greedy
 * choices, one position per evaluation-mode pass, so later choices read earlier ones. */
static dl_status feed_back(dl_model *m, const feedback *fb, int32_t bs) {
  dl_graph *g = m->g;
  dl_node *x = &g->nodes[m->tensors[fb->input].node], *z = &g->nodes[fb->from];
  int32_t T = x->shape[1], V = z->shape[2];
  dl_status st = DL_OK;
  g->training = 0;
  for (int32_t t = 0; t + 1 < T && !st; t++) {
    if ((st = dl_graph_forward(g, fb->from))) break;
    for (int32_t i = 0; i < bs; i++) {
      int32_t best = argmax(z->value + ((size_t)i * T + t) * V, V);
      if (fb->rate >= 1.0f || dl_rng_uniform(&g->rng) < fb->rate) x->value[(size_t)i * T + t + 1] = (float)best;
    }
  }
  return st;
}

/* One step: forward, check, backward, update; nothing changes when it is refused. */
static dl_status run_step(dl_model *m, const step *s, const void *const *data, const int32_t *u8, const int32_t *idx, int32_t bs, int64_t epoch,
                          float *rec) {
  dl_graph *g = m->g;
  dl_program *p = m->prog;
  loss *L = &p->losses[s->loss];
  dl_model_optim *o = &m->opts[s->opt];
  g->batch = bs;
  int augment = 0;
  for (int k = 0; k < DL_AUG_COUNT; k++) augment |= m->aug[k] > 0;
  dl_rng saved = g->rng;
  for (int k = 0; k < slot_count(m); k++)
    if ((s->slots >> k) & 1) feed_slot(m, k, data[k], u8 ? u8[k] : 0, idx, bs, augment && k < m->ninputs && !slot_classes(m, k));
  for (int k = 0; k < m->ninputs; k++)
    if ((s->noise >> k) & 1) draw_noise(m, &m->tensors[k]);
  fill_constants(m, L);
  dl_status st = DL_OK;
  if (p->fb.input >= 0 && ((s->slots >> p->fb.input) & 1)) st = feed_back(m, &p->fb, bs);
  int64_t t = dl_optim_steps(o->opt);
  for (int i = 0; i < L->nterms; i++) {
    term *tm = &L->terms[i];
    if (tm->scaled < 0) continue;
    double ramp = tm->warmup ? ((double)t + 1) / (double)tm->warmup : 1.0;
    g->nodes[tm->scaled].fattr[0] = tm->weight * tm->factor * (float)(ramp < 1 ? ramp : 1);
  }
  float lr = dl_sched_lr(o->sched, o->per_epoch ? epoch : t);
  g->defer_commit = 1;
  g->learn_mask = o->nets;
  g->training = 1;
  if (!st) st = dl_graph_forward(g, L->node);
  float value = st ? NAN : g->nodes[L->node].value[0];
  if (!st && !isfinite(value)) st = dl_fail(DL_ERR_NUMERIC, "loss '%s' is %s: step refused, weights kept", L->name, isnan(value) ? "NaN" : "infinite");
  if (!st) st = dl_graph_backward(g, L->node);
  if (!st) st = dl_optim_step(o->opt, lr);
  g->defer_commit = 0;
  g->learn_mask = 0;
  if (st) {
    dl_graph_discard(g);
    g->rng = saved;
    return st;
  }
  dl_graph_commit(g);
  rec[0] = value + dl_optim_penalty(o->opt);
  rec[1] = lr;
  rec[2] = (float)bs;
  rec[3] = 0;
  for (int i = 0; i < L->nterms; i++) {
    term *tm = &L->terms[i];
    rec[4 + i] = g->nodes[tm->node].value[0] * tm->factor; /* "sum" terms in their own units, unweighted */
    if (loss_table[tm->type].target == TARGET_LABELS && rec[3] == 0) rec[3] = (float)count_correct(g, tm, bs); /* accuracy for classifiers */
  }
  return DL_OK;
}

dl_status dl_model_run(dl_model *m, const void *const *data, const int32_t *u8, int32_t n, const int32_t *order, int32_t count, int32_t batch,
                       int32_t iterations, int64_t epoch, float *stats, int32_t *done, int32_t *used) {
  if (!m || !stats || !done || !used) return dl_fail(DL_ERR_ARG, "model_run: null argument");
  *done = *used = 0;
  dl_program *p = m->prog;
  if (!p) return dl_fail(DL_ERR_STATE, "no training program: set one before training");
  if (m->running) return dl_fail(DL_ERR_STATE, "model is already training");
  if (batch < 1 || batch > m->g->max_batch) return dl_fail(DL_ERR_ARG, "batch size %d outside [1, %d] (plan the model for more)", batch, m->g->max_batch);
  if (iterations < 1) return dl_fail(DL_ERR_ARG, "iterations %d: must be at least 1", iterations);
  uint64_t slots = 0;
  int reads = 0;
  for (int k = 0; k < p->nsteps; k++) {
    slots |= p->steps[k].slots;
    reads += p->steps[k].slots ? p->steps[k].repeat : 0;
  }
  if (reads) {
    if (n < 1) return dl_fail(DL_ERR_ARG, "no samples (n = %d)", n);
    if (!order) return dl_fail(DL_ERR_ARG, "model_run: no sample order");
    if (count < 1) return dl_fail(DL_ERR_ARG, "count %d: nothing to train on", count);
    for (int32_t i = 0; i < count; i++)
      if (order[i] < 0 || order[i] >= n) return dl_fail(DL_ERR_ARG, "sample index %d at position %d outside [0, %d)", order[i], i, n);
  }
  dl_status st = check_slots(m, slots, data, u8, order, reads ? count : 0);
  if (st) return st;
  if (m->g->plan_mode != DL_PLAN_TRAINING && (st = dl_graph_plan(m->g, m->g->max_batch))) return st; /* from an inference plan */
  m->running = 1;
  int32_t pos = 0;
  float *rec = stats;
  for (int32_t it = 0; it < iterations && !st; it++) {
    if (reads && count - pos < reads) break;
    /* The iteration's reading steps share what it can take: a batch each, or at the end of the
     * data the rest, spread evenly (a D step of k must not be left with no samples). */
    int64_t avail = (int64_t)reads * batch < count - pos ? (int64_t)reads * batch : count - pos;
    int nth = 0;
    for (int k = 0; k < p->nsteps && !st; k++) {
      const step *s = &p->steps[k];
      for (int r = 0; r < s->repeat && !st; r++) {
        int32_t bs = s->slots ? (int32_t)(avail / reads + (nth++ < avail % reads)) : batch;
        if ((st = run_step(m, s, data, u8, s->slots ? order + pos : NULL, bs, epoch, rec))) break;
        if (s->slots) pos += bs;
        rec += 4 + p->losses[s->loss].nterms;
      }
    }
    if (!st) *done = it + 1, *used = pos;
  }
  m->running = 0;
  m->g->batch = m->g->max_batch;
  return st;
}

/* ---- evaluation and inference: evaluation mode, the random stream left as it was ---- */

/* Slots a node's forward pass reads. */
static uint64_t slots_of(dl_model *m, int32_t node, uint64_t *noise) {
  dl_graph_mark(m->g, node, 1);
  uint64_t s = 0;
  *noise = 0;
  for (int k = 0; k < slot_count(m); k++)
    if (m->g->nodes[slot_node(m, k)].mark) {
      if (k < m->ninputs && m->tensors[k].kind == DL_TENSOR_NOISE) *noise |= 1ull << k;
      else s |= 1ull << k;
    }
  return s;
}

typedef dl_status (*batch_fn)(dl_model *m, int32_t start, int32_t bs, void *ctx);

/* Forward `node` (and `also`, when >= 0) over n samples in batches, calling fn after each. */
static dl_status over_batches(dl_model *m, int32_t node, int32_t also, const void *const *data, const int32_t *u8, int32_t n, batch_fn fn,
                              void *ctx) {
  if (n < 1) return dl_fail(DL_ERR_ARG, "no samples (n = %d)", n);
  uint64_t noise, noise2 = 0, slots = slots_of(m, node, &noise);
  if (also >= 0) slots |= slots_of(m, also, &noise2), noise |= noise2;
  dl_status st = check_slots(m, slots, data, u8, NULL, n);
  if (st) return st;
  dl_graph *g = m->g;
  dl_rng saved = g->rng;
  int32_t step = g->max_batch;
  g->training = 0;
  for (int32_t start = 0; start < n && !st; start += step) {
    int32_t bs = n - start < step ? n - start : step;
    g->batch = bs;
    for (int k = 0; k < slot_count(m); k++) {
      int given = data && data[k];
      if (!((slots >> k) & 1) && !((noise >> k) & 1 && given)) continue;
      dl_node *x = &g->nodes[slot_node(m, k)];
      size_t per = slot_classes(m, k) ? 1 : dl_node_sample_numel(x);
      const void *src = u8 && u8[k] ? (const void *)((const uint8_t *)data[k] + (size_t)start * per)
                                     : (const void *)((const float *)data[k] + (size_t)start * per);
      feed_slot(m, k, src, u8 ? u8[k] : 0, NULL, bs, 0);
    }
    for (int k = 0; k < m->ninputs; k++)
      if ((noise >> k) & 1 && !(data && data[k])) draw_noise(m, &m->tensors[k]);
    if (m->prog)
      for (int l = 0; l < m->prog->nlosses; l++) fill_constants(m, &m->prog->losses[l]);
    int32_t targets[2] = {node, also};
    if (!(st = dl_graph_forward_many(g, targets, also >= 0 ? 2 : 1))) st = fn(m, start, bs, ctx);
  }
  g->training = 1;
  g->rng = saved;
  g->batch = g->max_batch;
  return st;
}

typedef struct {
  int32_t node;
  float *out;
} infer_ctx;
static dl_status infer_batch(dl_model *m, int32_t start, int32_t bs, void *ctx) {
  infer_ctx *c = ctx;
  size_t O = dl_node_sample_numel(&m->g->nodes[c->node]);
  memcpy(c->out + (size_t)start * O, m->g->nodes[c->node].value, (size_t)bs * O * sizeof(float));
  return DL_OK;
}

dl_status dl_model_infer(dl_model *m, int32_t node, const void *const *data, const int32_t *u8, int32_t n, float *out) {
  if (!m || !out) return dl_fail(DL_ERR_ARG, "model_infer: null argument");
  if (node < 0 || node >= m->g->n || !m->g->nodes[node].batched) return dl_fail(DL_ERR_ARG, "model_infer: node %d is not a batched tensor of the model", node);
  if (m->running) return dl_fail(DL_ERR_STATE, "model is training");
  infer_ctx c = {node, out};
  return over_batches(m, node, -1, data, u8, n, infer_batch, &c);
}

typedef struct {
  loss *L;
  double *sums;
  double correct;
  float *out;
  int32_t out_node;
} eval_ctx;
static dl_status eval_batch(dl_model *m, int32_t start, int32_t bs, void *ctx) {
  eval_ctx *c = ctx;
  dl_graph *g = m->g;
  c->sums[0] += (double)g->nodes[c->L->node].value[0] * bs;
  for (int i = 0; i < c->L->nterms; i++) {
    term *t = &c->L->terms[i];
    c->sums[1 + i] += (double)g->nodes[t->node].value[0] * t->factor * bs;
    if (loss_table[t->type].target == TARGET_LABELS && i == 0) c->correct += count_correct(g, t, bs);
  }
  if (c->out) {
    size_t O = dl_node_sample_numel(&g->nodes[c->out_node]);
    memcpy(c->out + (size_t)start * O, g->nodes[c->out_node].value, (size_t)bs * O * sizeof(float));
  }
  return DL_OK;
}

dl_status dl_model_evaluate(dl_model *m, int32_t loss_index, const void *const *data, const int32_t *u8, int32_t n, double *sums,
                            int32_t *correct, float *out) {
  if (!m || !sums) return dl_fail(DL_ERR_ARG, "model_evaluate: null argument");
  if (!m->prog) return dl_fail(DL_ERR_STATE, "no training program: set one before evaluating a loss");
  if (loss_index < 0 || loss_index >= m->prog->nlosses) return dl_fail(DL_ERR_ARG, "model_evaluate: no loss %d", loss_index);
  if (m->running) return dl_fail(DL_ERR_STATE, "model is training");
  loss *L = &m->prog->losses[loss_index];
  eval_ctx c = {L, sums, 0, out, m->output};
  memset(sums, 0, sizeof(double) * (size_t)(1 + L->nterms));
  dl_status st = over_batches(m, L->node, out ? m->output : -1, data, u8, n, eval_batch, &c);
  if (correct) *correct = (int32_t)(c.correct + 0.5);
  return st;
}

dl_status dl_model_report(dl_model *m, const char *optimizer, float metric) {
  if (!m || !optimizer) return dl_fail(DL_ERR_ARG, "model_report: null argument");
  for (int i = 0; i < m->nopts; i++)
    if (!strcmp(m->opts[i].name, optimizer)) return m->opts[i].sched ? dl_sched_report(m->opts[i].sched, metric) : DL_OK;
  return dl_fail(DL_ERR_ARG, "no optimizer named '%s'", optimizer);
}

/* ---- the program in the summary ---- */

void dl_program_summary(const dl_model *m, dl_text *t) {
  dl_put(t, "\"optimizers\":[");
  for (int i = 0; i < m->nopts; i++) {
    const dl_model_optim *o = &m->opts[i];
    dl_put(t, "%s{\"name\":\"%s\",\"type\":\"%s\",\"step\":%lld,\"perEpoch\":%s,\"networks\":[", i ? "," : "", o->name, dl_optim_type(o->opt),
           (long long)dl_optim_steps(o->opt), o->per_epoch ? "true" : "false");
    int first = 1;
    for (int k = 0; k < m->nnets; k++)
      if ((o->nets >> k) & 1) dl_put(t, "%s\"%s\"", first ? "" : ",", m->nets[k].name), first = 0;
    dl_put(t, "]}");
  }
  dl_put(t, "],\"optimizer\":");
  if (m->nopts) dl_put(t, "\"%s\",\"step\":%lld", dl_optim_type(m->opts[0].opt), (long long)dl_optim_steps(m->opts[0].opt));
  else dl_put(t, "null,\"step\":0");
  const dl_program *p = m->prog;
  dl_put(t, ",\"program\":");
  if (!p) {
    dl_put(t, "null");
    return;
  }
  dl_put(t, "{\"record\":%d,\"data\":[", p->record);
  for (int i = 0; i < p->ndata; i++) {
    const dl_node *n = &m->g->nodes[p->data[i].node];
    dl_put(t, "%s{\"name\":\"%s\",\"node\":%d,\"slot\":%d,\"labels\":%d,\"shape\":[", i ? "," : "", p->data[i].name, p->data[i].node,
           m->ninputs + i, slot_label_classes(m, m->ninputs + i));
    for (int d = 1; d < n->ndim; d++) dl_put(t, d > 1 ? ",%d" : "%d", n->shape[d]);
    dl_put(t, "]}");
  }
  dl_put(t, "],\"losses\":[");
  for (int i = 0; i < p->nlosses; i++) {
    const loss *L = &p->losses[i];
    dl_put(t, "%s{\"name\":\"%s\",\"node\":%d,\"terms\":[", i ? "," : "", L->name, L->node);
    for (int k = 0; k < L->nterms; k++) {
      const term *tm = &L->terms[k];
      dl_put(t, "%s{\"name\":\"%s\",\"type\":\"%s\",\"node\":%d,\"on\":%d,\"target\":%d,\"weight\":", k ? "," : "", tm->name,
             loss_table[tm->type].name, tm->node, tm->on, tm->target);
      dl_put_num(t, tm->weight);
      dl_put(t, "}");
    }
    dl_put(t, "]}");
  }
  dl_put(t, "],\"steps\":[");
  for (int i = 0; i < p->nsteps; i++) {
    const step *s = &p->steps[i];
    dl_put(t, "%s{\"loss\":\"%s\",\"optimizer\":\"%s\",\"repeat\":%d,\"readsData\":%s}", i ? "," : "", p->losses[s->loss].name,
           m->opts[s->opt].name, s->repeat, s->slots ? "true" : "false");
  }
  dl_put(t, "]}");
}

const char *dl_model_program(const dl_model *m) { return m && m->prog ? m->prog->json : ""; }

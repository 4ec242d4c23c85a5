/* graph.c: building the graph, planning its arena, and the forward and backward walks. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "graph.h"
#include "init.h"
#include "ops/ops.h"

/* Largest tensor, and largest arena, we accept, in floats (1 GB): the wasm heap stops at 2 GB. */
#define DL_MAX_NUMEL ((uint64_t)1 << 28)

const dl_op_impl *const dl_op_table[DL_OP_COUNT] = {
#define DL_OP(ID, name, family, nin) &dl_op_##name,
#include "ops/ops.def"
#undef DL_OP
};
const char *const dl_op_names[DL_OP_COUNT] = {
#define DL_OP(ID, name, family, nin) #name,
#include "ops/ops.def"
#undef DL_OP
};
const int32_t dl_op_arity[DL_OP_COUNT] = {
#define DL_OP(ID, name, family, nin) nin,
#include "ops/ops.def"
#undef DL_OP
};

const char *dl_node_label(const dl_graph *g, const dl_node *n) {
  static char buf[DL_NAME_MAX + 40];
  const char *kind = n->kind == DL_KIND_OP ? dl_op_names[n->op] : n->kind == DL_KIND_PARAM ? "param" : "input";
  (void)g;
  snprintf(buf, sizeof buf, "%s '%s'", kind, n->name);
  return buf;
}

dl_status dl_op_fail(const dl_graph *g, const dl_node *n, dl_status code, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return dl_fail(code, "%s: %s", dl_node_label(g, n), msg);
}

void dl_shape_like(dl_node *n, const dl_node *x) {
  n->ndim = x->ndim;
  memcpy(n->shape, x->shape, sizeof n->shape);
  n->batched = x->batched;
}

int dl_same_shape(const dl_node *a, const dl_node *b) {
  if (a->ndim != b->ndim || a->batched != b->batched) return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return 0;
  return 1;
}

const char *dl_shape_str(const dl_node *n, char *buf, size_t len) {
  size_t o = 0;
  buf[0] = 0;
  for (int i = n->batched ? 1 : 0; i < n->ndim && o < len; i++)
    o += (size_t)snprintf(buf + o, len - o, i > (n->batched ? 1 : 0) ? "x%d" : "%d", n->shape[i]);
  if (n->batched && n->ndim == 1 && len > 1) snprintf(buf, len, "1");
  return buf;
}

/* ---- building ------------------------------------------------------------------------- */

dl_status dl_graph_create(dl_graph **out, uint64_t seed) {
  if (!out) return dl_fail(DL_ERR_ARG, "graph_create: null output pointer");
  dl_graph *g = calloc(1, sizeof *g);
  if (!g) return dl_fail(DL_ERR_OOM, "out of memory creating a graph");
  g->training = 1;
  dl_rng_seed(&g->rng, seed);
  *out = g;
  return DL_OK;
}

static void free_arena(dl_graph *g) {
  free(g->arena);
  g->arena = NULL;
  g->arena_floats = 0;
  g->max_batch = g->batch = 0;
  for (int32_t i = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (n->kind != DL_KIND_PARAM) n->value = n->grad = NULL;
    n->scratch = NULL;
  }
}

void dl_graph_destroy(dl_graph *g) {
  if (!g) return;
  for (int32_t i = 0; i < g->n; i++)
    if (g->nodes[i].kind == DL_KIND_PARAM) {
      free(g->nodes[i].value);
      free(g->nodes[i].grad);
    }
  free(g->arena);
  free(g->nodes);
  free(g);
}

static dl_status check_graph(const dl_graph *g, const char *fn) {
  if (!g) return dl_fail(DL_ERR_ARG, "%s: null graph", fn);
  return DL_OK;
}

static dl_status find_name(const dl_graph *g, const char *name, int32_t *id) {
  for (int32_t i = 0; i < g->n; i++)
    if (strcmp(g->nodes[i].name, name) == 0) {
      *id = i;
      return DL_OK;
    }
  return DL_ERR_ARG;
}

/* Give a fresh node its name: the one asked for (short enough, not taken) or "<kind><id>". */
static dl_status set_name(const dl_graph *g, dl_node *n, const char *kind, const char *name) {
  int32_t dummy;
  if (name && strlen(name) >= DL_NAME_MAX)
    return dl_fail(DL_ERR_ARG, "%s name '%.20s...' is longer than %d characters", kind, name, DL_NAME_MAX - 1);
  if (name && name[0]) {
    if (find_name(g, name, &dummy) == DL_OK) return dl_fail(DL_ERR_ARG, "duplicate node name '%s'", name);
    strcpy(n->name, name);
  } else {
    snprintf(n->name, DL_NAME_MAX, "%s%d", kind, g->n);
  }
  return DL_OK;
}

/* Validate a name and a shape, and fill a fresh node for them (not yet appended). */
static dl_status prepare_node(dl_graph *g, dl_node *n, const char *what, const char *name, int32_t ndim,
                              const int32_t *shape, int32_t batched) {
  memset(n, 0, sizeof *n);
  dl_status st = set_name(g, n, what, name);
  if (st) return st;
  int32_t stored = ndim + (batched ? 1 : 0);
  if (ndim < 1 || stored > DL_MAX_DIMS)
    return dl_fail(DL_ERR_SHAPE, "%s '%s': %d dims given, expected 1 to %d", what, n->name, ndim,
                   DL_MAX_DIMS - (batched ? 1 : 0));
  if (!shape) return dl_fail(DL_ERR_ARG, "%s '%s': null shape", what, n->name);
  uint64_t numel = 1;
  n->ndim = stored;
  if (batched) n->shape[0] = 1;
  for (int32_t i = 0; i < ndim; i++) {
    if (shape[i] <= 0) return dl_fail(DL_ERR_SHAPE, "%s '%s': dim %d is %d, must be positive", what, n->name, i, shape[i]);
    numel *= (uint64_t)shape[i];
    if (numel > DL_MAX_NUMEL)
      return dl_fail(DL_ERR_OOM, "%s '%s': %llu+ elements is too large", what, n->name, (unsigned long long)numel);
    n->shape[i + (batched ? 1 : 0)] = shape[i];
  }
  n->batched = batched ? 1 : 0;
  return DL_OK;
}

static dl_status append_node(dl_graph *g, const dl_node *n, int32_t *id) {
  if (g->n == g->cap) {
    int32_t cap = g->cap ? g->cap * 2 : 32;
    dl_node *nodes = realloc(g->nodes, (size_t)cap * sizeof *nodes);
    if (!nodes) return dl_fail(DL_ERR_OOM, "out of memory adding node '%s'", n->name);
    g->nodes = nodes;
    g->cap = cap;
  }
  if (g->arena) free_arena(g); /* the plan no longer covers the graph: plan again */
  g->nodes[g->n] = *n;
  if (id) *id = g->n;
  g->n++;
  return DL_OK;
}

dl_status dl_graph_input(dl_graph *g, const char *name, int32_t ndim, const int32_t *shape, int32_t batched,
                         int32_t *id) {
  dl_node n;
  dl_status st;
  if ((st = check_graph(g, "graph_input"))) return st;
  if ((st = prepare_node(g, &n, "input", name, ndim, shape, batched))) return st;
  n.kind = DL_KIND_INPUT;
  n.op = -1;
  return append_node(g, &n, id);
}

dl_status dl_graph_param(dl_graph *g, const char *name, int32_t ndim, const int32_t *shape, int32_t flags,
                         int32_t *id) {
  dl_node n;
  dl_status st;
  if ((st = check_graph(g, "graph_param"))) return st;
  if ((st = prepare_node(g, &n, "param", name, ndim, shape, 0))) return st;
  if (flags & ~(DL_PARAM_TRAINABLE | DL_PARAM_FROZEN | DL_PARAM_DECAY | DL_PARAM_STATE))
    return dl_fail(DL_ERR_ARG, "param '%s': unknown flags 0x%x", n.name, (unsigned)flags);
  n.kind = DL_KIND_PARAM;
  n.op = -1;
  n.flags = flags;
  size_t k = dl_node_sample_numel(&n);
  n.value = calloc(k, sizeof(float));
  n.grad = calloc(k, sizeof(float));
  if (!n.value || !n.grad || (st = append_node(g, &n, id))) {
    free(n.value);
    free(n.grad);
    return st ? st : dl_fail(DL_ERR_OOM, "out of memory for param '%s' (%zu floats)", n.name, k);
  }
  return DL_OK;
}

static int op_index(const char *name) {
  for (int i = 0; i < DL_OP_COUNT; i++)
    if (strcmp(dl_op_names[i], name) == 0) return i;
  return -1;
}

dl_status dl_graph_op(dl_graph *g, const char *op, const char *name, int32_t ninputs, const int32_t *inputs,
                      int32_t niattr, const int32_t *iattr, int32_t nfattr, const float *fattr, int32_t *id) {
  dl_status st;
  if ((st = check_graph(g, "graph_op"))) return st;
  if (!op) return dl_fail(DL_ERR_ARG, "graph_op: null op name");
  int k = op_index(op);
  if (k < 0) return dl_fail(DL_ERR_ARG, "unknown op: %s", op);
  dl_node n;
  memset(&n, 0, sizeof n);
  if ((st = set_name(g, &n, op, name))) return st;
  n.kind = DL_KIND_OP;
  n.op = k;
  int32_t arity = dl_op_arity[k];
  if (ninputs < 1 || ninputs > DL_MAX_INPUTS || (arity >= 0 && ninputs != arity))
    return dl_op_fail(g, &n, DL_ERR_ARG, "%d inputs given, expected %d", ninputs, arity >= 0 ? arity : 1);
  if (!inputs) return dl_op_fail(g, &n, DL_ERR_ARG, "null inputs");
  if (niattr < 0 || niattr > DL_MAX_IATTR || nfattr < 0 || nfattr > DL_MAX_FATTR || (niattr && !iattr) ||
      (nfattr && !fattr))
    return dl_op_fail(g, &n, DL_ERR_ARG, "%d int and %d float attributes, at most %d and %d", niattr, nfattr,
                      DL_MAX_IATTR, DL_MAX_FATTR);
  for (int32_t i = 0; i < ninputs; i++) {
    if (inputs[i] < 0 || inputs[i] >= g->n)
      return dl_op_fail(g, &n, DL_ERR_ARG, "input %d refers to node %d, graph has %d nodes", i, inputs[i], g->n);
    n.inputs[i] = inputs[i];
  }
  n.ninputs = ninputs;
  for (int32_t i = 0; i < niattr; i++) n.iattr[i] = iattr[i];
  for (int32_t i = 0; i < nfattr; i++) {
    if (!isfinite(fattr[i])) return dl_op_fail(g, &n, DL_ERR_ARG, "float attribute %d is not finite", i);
    n.fattr[i] = fattr[i];
  }
  if ((st = dl_op_table[k]->infer(g, &n))) return st;
  uint64_t numel = 1;
  for (int i = 0; i < n.ndim; i++) {
    if (n.shape[i] <= 0) return dl_op_fail(g, &n, DL_ERR_SHAPE, "output dim %d is %d", i, n.shape[i]);
    numel *= (uint64_t)n.shape[i];
  }
  if (numel > DL_MAX_NUMEL || n.scratch_fixed > DL_MAX_NUMEL || n.scratch_per_sample > DL_MAX_NUMEL)
    return dl_op_fail(g, &n, DL_ERR_OOM, "output or workspace too large");
  return append_node(g, &n, id);
}

dl_status dl_graph_find(const dl_graph *g, const char *name, int32_t *id) {
  if (!g || !name || !id) return dl_fail(DL_ERR_ARG, "graph_find: null argument");
  if (find_name(g, name, id)) return dl_fail(DL_ERR_ARG, "no node named '%s'", name);
  return DL_OK;
}

int32_t dl_graph_node_count(const dl_graph *g) { return g ? g->n : 0; }

static dl_status check_id(const dl_graph *g, int32_t id, const char *fn) {
  if (!g) return dl_fail(DL_ERR_ARG, "%s: null graph", fn);
  if (id < 0 || id >= g->n) return dl_fail(DL_ERR_ARG, "%s: no node %d (graph has %d)", fn, id, g->n);
  return DL_OK;
}

dl_status dl_graph_set_flags(dl_graph *g, int32_t id, int32_t flags) {
  dl_status st;
  if ((st = check_id(g, id, "set_flags"))) return st;
  dl_node *n = &g->nodes[id];
  if (n->kind == DL_KIND_PARAM) {
    if (flags & ~(DL_PARAM_TRAINABLE | DL_PARAM_FROZEN | DL_PARAM_DECAY | DL_PARAM_STATE))
      return dl_fail(DL_ERR_ARG, "param '%s': unknown flags 0x%x", n->name, (unsigned)flags);
  } else if (n->kind == DL_KIND_INPUT) {
    if (flags & ~DL_INPUT_REQUIRES_GRAD)
      return dl_fail(DL_ERR_ARG, "input '%s': only requires_grad can be set", n->name);
  } else {
    return dl_fail(DL_ERR_ARG, "%s: flags apply to inputs and params only", dl_node_label(g, n));
  }
  n->flags = flags;
  return DL_OK;
}

dl_status dl_graph_set_group(dl_graph *g, int32_t id, int32_t group) {
  dl_status st;
  if ((st = check_id(g, id, "set_group"))) return st;
  if (g->nodes[id].kind != DL_KIND_PARAM) return dl_fail(DL_ERR_ARG, "set_group: node '%s' is not a param", g->nodes[id].name);
  if (group < 0 || group > 31) return dl_fail(DL_ERR_ARG, "set_group: group %d outside [0, 31]", group);
  g->nodes[id].group = group;
  return DL_OK;
}

dl_status dl_graph_seed(dl_graph *g, uint64_t seed) {
  dl_status st;
  if ((st = check_graph(g, "graph_seed"))) return st;
  dl_rng_seed(&g->rng, seed);
  return DL_OK;
}

dl_status dl_graph_init_param(dl_graph *g, int32_t id, const char *init, float a, float b) {
  dl_status st;
  if ((st = check_id(g, id, "init_param"))) return st;
  dl_node *n = &g->nodes[id];
  if (n->kind != DL_KIND_PARAM) return dl_fail(DL_ERR_ARG, "init_param: node '%s' is not a param", n->name);
  return dl_init_fill(n->value, n->ndim, n->shape, init, a, b, &g->rng);
}

/* ---- planning ------------------------------------------------------------------------- */

static size_t round4(size_t k) { return (k + 3) & ~(size_t)3; } /* keep every buffer 16-byte aligned */

dl_status dl_graph_plan(dl_graph *g, int32_t max_batch) {
  dl_status st;
  if ((st = check_graph(g, "graph_plan"))) return st;
  if (max_batch < 1 || max_batch > 1 << 20) return dl_fail(DL_ERR_ARG, "batch size %d out of range [1, 1048576]", max_batch);
  uint64_t total = 0;
  for (int32_t i = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (n->kind == DL_KIND_PARAM) continue;
    uint64_t k = dl_node_sample_numel(n) * (n->batched ? (uint64_t)max_batch : 1);
    total += 2 * round4(k) + round4(n->scratch_fixed + n->scratch_per_sample * (uint64_t)max_batch);
  }
  if (total > (uint64_t)(SIZE_MAX / sizeof(float)) || total > DL_MAX_NUMEL)
    return dl_fail(DL_ERR_OOM, "graph needs %.0f MB at batch %d: too large", total * 4.0 / 1048576, max_batch);
  float *arena = total ? calloc((size_t)total, sizeof(float)) : NULL;
  if (total && !arena)
    return dl_fail(DL_ERR_OOM, "out of memory: graph needs %.1f MB at batch %d", total * 4.0 / 1048576, max_batch);
  free_arena(g);
  g->arena = arena;
  g->arena_floats = total;
  float *p = arena;
  for (int32_t i = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (n->kind == DL_KIND_PARAM) continue;
    size_t k = dl_node_sample_numel(n) * (n->batched ? (size_t)max_batch : 1);
    n->value = p, p += round4(k);
    n->grad = p, p += round4(k);
    n->scratch = p, p += round4(n->scratch_fixed + n->scratch_per_sample * (size_t)max_batch);
  }
  g->max_batch = g->batch = max_batch;
  return DL_OK;
}

dl_status dl_graph_set_batch(dl_graph *g, int32_t batch) {
  dl_status st;
  if ((st = check_graph(g, "set_batch"))) return st;
  if (!g->arena && g->max_batch == 0) return dl_fail(DL_ERR_STATE, "set_batch: graph is not planned (call plan first)");
  if (batch < 1 || batch > g->max_batch)
    return dl_fail(DL_ERR_ARG, "batch size %d out of range [1, %d] (the planned maximum)", batch, g->max_batch);
  g->batch = batch;
  return DL_OK;
}

dl_status dl_graph_set_training(dl_graph *g, int32_t training) {
  dl_status st;
  if ((st = check_graph(g, "set_training"))) return st;
  g->training = training ? 1 : 0;
  return DL_OK;
}

/* ---- running -------------------------------------------------------------------------- */

/* Mark `target` and everything it depends on; for backward (through_detach = 0), only what
 * its gradient can reach, so a generator behind a detach keeps its gradients untouched. */
static void mark_ancestors(dl_graph *g, int32_t target, int through_detach) {
  for (int32_t i = 0; i < g->n; i++) g->nodes[i].mark = 0;
  g->nodes[target].mark = 1;
  for (int32_t i = target; i >= 0; i--) {
    dl_node *n = &g->nodes[i];
    if (!n->mark || (!through_detach && n->kind == DL_KIND_OP && n->op == DL_OP_DETACH)) continue;
    for (int32_t j = 0; j < n->ninputs; j++) g->nodes[n->inputs[j]].mark = 1;
  }
}

static dl_status check_run(dl_graph *g, int32_t id, const char *fn) {
  dl_status st;
  if ((st = check_id(g, id, fn))) return st;
  if (g->max_batch == 0) return dl_fail(DL_ERR_STATE, "%s: graph is not planned (call plan first)", fn);
  return DL_OK;
}

dl_status dl_graph_forward(dl_graph *g, int32_t target) { return dl_graph_forward_many(g, &target, 1); }

/* Forward every node the targets depend on, each once. */
dl_status dl_graph_forward_many(dl_graph *g, const int32_t *targets, int32_t count) {
  dl_status st;
  int32_t last = -1;
  for (int32_t k = 0; k < count; k++) {
    if ((st = check_run(g, targets[k], "forward"))) return st;
    if (targets[k] > last) last = targets[k];
  }
  for (int32_t i = 0; i <= last; i++) g->nodes[i].mark = 0;
  for (int32_t k = 0; k < count; k++) g->nodes[targets[k]].mark = 1;
  for (int32_t i = last; i >= 0; i--) {
    dl_node *n = &g->nodes[i];
    if (n->mark)
      for (int32_t j = 0; j < n->ninputs; j++) g->nodes[n->inputs[j]].mark = 1;
  }
  g->run_status = DL_OK;
  for (int32_t i = 0; i <= last; i++) {
    dl_node *n = &g->nodes[i];
    if (!n->mark || n->kind != DL_KIND_OP) continue;
    dl_op_table[n->op]->forward(g, n);
    if (g->run_status) return g->run_status;
  }
  return DL_OK;
}

static int param_learns(const dl_graph *g, const dl_node *n) {
  return (n->flags & DL_PARAM_TRAINABLE) && !(n->flags & (DL_PARAM_FROZEN | DL_PARAM_STATE)) &&
         (g->learn_mask == 0 || (n->group < 32 && (g->learn_mask >> n->group) & 1u));
}

dl_status dl_graph_backward(dl_graph *g, int32_t loss) {
  dl_status st;
  if ((st = check_run(g, loss, "backward"))) return st;
  dl_node *l = &g->nodes[loss];
  if (dl_node_numel(g, l) != 1)
    return dl_fail(DL_ERR_SHAPE, "backward: %s is not a scalar", dl_node_label(g, l));
  mark_ancestors(g, loss, 0);
  /* A node needs a gradient when it lies between the loss and something that learns (or an
   * input whose gradient was asked for). Frozen parameters pass gradients on without taking one. */
  for (int32_t i = 0; i <= loss; i++) {
    dl_node *n = &g->nodes[i];
    n->needs_grad = 0;
    if (!n->mark) continue;
    if (n->kind == DL_KIND_PARAM) n->needs_grad = param_learns(g, n);
    else if (n->kind == DL_KIND_INPUT) n->needs_grad = (n->flags & DL_INPUT_REQUIRES_GRAD) != 0;
    else if (n->op != DL_OP_DETACH)
      for (int32_t j = 0; j < n->ninputs; j++) n->needs_grad |= g->nodes[n->inputs[j]].needs_grad;
    if (n->needs_grad) memset(n->grad, 0, dl_node_numel(g, n) * sizeof(float));
  }
  if (!l->needs_grad) return DL_OK; /* nothing upstream learns */
  l->grad[0] = 1.0f;
  for (int32_t i = loss; i >= 0; i--) {
    dl_node *n = &g->nodes[i];
    if (n->needs_grad && n->kind == DL_KIND_OP) dl_op_table[n->op]->backward(g, n);
  }
  return DL_OK;
}

void dl_graph_commit(dl_graph *g) {
  for (int32_t i = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (!n->pending) continue;
    n->pending = 0;
    dl_op_table[n->op]->commit(g, n);
  }
}

void dl_graph_discard(dl_graph *g) {
  for (int32_t i = 0; i < g->n; i++) g->nodes[i].pending = 0;
}

void dl_graph_truncate(dl_graph *g, int32_t n) {
  if (!g || n < 0 || n >= g->n) return;
  if (g->arena) free_arena(g);
  for (int32_t i = n; i < g->n; i++)
    if (g->nodes[i].kind == DL_KIND_PARAM) {
      free(g->nodes[i].value);
      free(g->nodes[i].grad);
    }
  g->n = n;
}

dl_status dl_graph_tensor(dl_graph *g, int32_t id, int32_t which, float **data, size_t *numel) {
  dl_status st;
  if ((st = check_id(g, id, "tensor"))) return st;
  if (!data || !numel) return dl_fail(DL_ERR_ARG, "tensor: null output pointer");
  dl_node *n = &g->nodes[id];
  if (n->kind != DL_KIND_PARAM && g->max_batch == 0)
    return dl_fail(DL_ERR_STATE, "tensor: graph is not planned (call plan first)");
  if (which != 0 && which != 1) return dl_fail(DL_ERR_ARG, "tensor: which is %d, expected 0 (value) or 1 (grad)", which);
  *data = which ? n->grad : n->value;
  *numel = n->kind == DL_KIND_PARAM ? dl_node_sample_numel(n) : dl_node_numel(g, n);
  return DL_OK;
}

dl_status dl_graph_shape(dl_graph *g, int32_t id, int32_t *ndim, int32_t *shape, int32_t *batched) {
  dl_status st;
  if ((st = check_id(g, id, "shape"))) return st;
  if (!ndim || !shape) return dl_fail(DL_ERR_ARG, "shape: null output pointer");
  dl_node *n = &g->nodes[id];
  *ndim = n->ndim;
  for (int i = 0; i < DL_MAX_DIMS; i++) shape[i] = i < n->ndim ? n->shape[i] : 0;
  if (n->batched) shape[0] = g->batch ? g->batch : 1;
  if (batched) *batched = n->batched;
  return DL_OK;
}

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

void dl_graph_borrow_param(dl_graph *g, int32_t id, float *value) {
  dl_node *n = &g->nodes[id];
  if (!n->borrowed) free(n->value);
  n->value = value;
  n->borrowed = 1;
}

/* Nodes whose value the graph allocates on its own, outside every plan. */
static int owns_value(const dl_node *n) {
  return (n->kind == DL_KIND_PARAM && !n->borrowed) || (n->kind == DL_KIND_INPUT && (n->flags & DL_INPUT_STATE));
}
static int keeps_value(const dl_node *n) { return n->kind == DL_KIND_PARAM || (n->kind == DL_KIND_INPUT && (n->flags & DL_INPUT_STATE)); }

static void free_arena(dl_graph *g) {
  free(g->arena);
  g->arena = NULL;
  g->arena_floats = 0;
  g->max_batch = g->batch = 0;
  g->plan_mode = DL_PLAN_NONE;
  for (int32_t i = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (n->kind != DL_KIND_PARAM) n->grad = NULL;
    if (!keeps_value(n)) n->value = NULL;
    n->scratch = NULL;
  }
}

void dl_graph_destroy(dl_graph *g) {
  if (!g) return;
  for (int32_t i = 0; i < g->n; i++) {
    if (owns_value(&g->nodes[i])) free(g->nodes[i].value);
    if (g->nodes[i].kind == DL_KIND_PARAM) free(g->nodes[i].grad);
  }
  free(g->arena);
  free(g->edges);
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
    numel = dl_size_mul(numel, (uint64_t)shape[i]);
    if (numel > DL_MAX_NUMEL)
      return dl_fail(DL_ERR_OOM, "%s '%s': %llu+ elements is too large", what, n->name, (unsigned long long)numel);
    n->shape[i + (batched ? 1 : 0)] = shape[i];
  }
  n->batched = batched ? 1 : 0;
  return DL_OK;
}

static dl_status reserve_edges(dl_graph *g, size_t more) {
  if (g->nedges + more <= g->edges_cap) return DL_OK;
  size_t cap = g->edges_cap ? g->edges_cap : 64;
  while (cap < g->nedges + more) cap *= 2;
  int32_t *edges = realloc(g->edges, cap * sizeof *edges);
  if (!edges) return dl_fail(DL_ERR_OOM, "out of memory for %zu graph edges", cap);
  g->edges = edges;
  g->edges_cap = cap;
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
  if (n->kind != DL_KIND_OP) g->nodes[g->n].first_input = (int32_t)g->nedges; /* (no inputs) */
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
  for (int32_t i = 0; i < ninputs; i++)
    if (inputs[i] < 0 || inputs[i] >= g->n)
      return dl_op_fail(g, &n, DL_ERR_ARG, "input %d refers to node %d, graph has %d nodes", i, inputs[i], g->n);
  for (int32_t i = 0; i < niattr; i++) n.iattr[i] = iattr[i];
  for (int32_t i = 0; i < nfattr; i++) {
    if (!isfinite(fattr[i])) return dl_op_fail(g, &n, DL_ERR_ARG, "float attribute %d is not finite", i);
    n.fattr[i] = fattr[i];
  }
  /* the inputs go to the end of the edge list before infer reads them; a refused op takes them back */
  if ((st = reserve_edges(g, (size_t)ninputs))) return st;
  n.first_input = (int32_t)g->nedges;
  n.ninputs = ninputs;
  memcpy(g->edges + g->nedges, inputs, (size_t)ninputs * sizeof *inputs);
  g->nedges += (size_t)ninputs;
  if (!(st = dl_op_table[k]->infer(g, &n))) {
    for (int i = 0; !st && i < n.ndim; i++)
      if (n.shape[i] <= 0) st = dl_op_fail(g, &n, DL_ERR_SHAPE, "output dim %d is %d", i, n.shape[i]);
    if (!st && (dl_size_dims(n.ndim, n.shape) > DL_MAX_NUMEL || n.scratch_fixed > DL_MAX_NUMEL ||
                n.scratch_per_sample > DL_MAX_NUMEL || n.work_floats > DL_MAX_NUMEL))
      st = dl_op_fail(g, &n, DL_ERR_OOM, "output or workspace too large");
  }
  if (st || (st = append_node(g, &n, id))) g->nedges = (size_t)n.first_input;
  return st;
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
    if (flags & ~(DL_INPUT_REQUIRES_GRAD | DL_INPUT_STATE))
      return dl_fail(DL_ERR_ARG, "input '%s': only requires_grad and state can be set", n->name);
    if ((flags ^ n->flags) & DL_INPUT_STATE) { /* its memory changes hands: plan again */
      if (g->arena) free_arena(g);
      if (n->flags & DL_INPUT_STATE) free(n->value);
      n->value = NULL;
      n->kept_floats = 0;
    }
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

static uint64_t round4(uint64_t k) { return dl_size_add(k, 3) & ~(uint64_t)3; } /* keep every buffer 16-byte aligned */

/* ---- planning: one arena, buffers placed by when they are live ----
 *
 * Time runs through a training step: op i's forward at time i, its backward at 2N - 1 - i (N
 * nodes), the commit of pending state at 2N. Each buffer lives over an interval of that time,
 * and buffers whose intervals do not overlap share memory (first fit, by start):
 *   - a value from its forward to the last forward that reads it, or, when a backward reads it
 *     (each op declares which values its backward reads), to the last such backward; a view
 *     (reshape, flatten, detach) has no memory of its own: it is its input's value;
 *   - an op's gradient from the backward of its last consumer (which writes it first) to its own;
 *   - scratch an op keeps from forward to backward (dropout masks, batch-norm statistics) over
 *     the same span, to the commit for ops that commit;
 *   - inputs (data, their gradients), unbatched nodes (losses) and nodes marked `keep` (a
 *     model's named tensors, a program's predictions) live for the whole step;
 *   - workspaces (im2col columns) share one region, sized for the largest.
 * Inference plans have forward times only, no gradients, and every scratch is a workspace. */

typedef struct {
  uint64_t size, offset;
  int32_t start, end, node, kind; /* kind: 0 value, 1 gradient, 2 scratch */
} lifetime;

static int by_start(const void *a, const void *b) {
  const lifetime *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->node != y->node) return x->node < y->node ? -1 : 1;
  return x->kind - y->kind;
}
static int by_offset(const void *a, const void *b) {
  const lifetime *x = *(const lifetime *const *)a, *y = *(const lifetime *const *)b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* First fit: each buffer, in order of its start, goes to the lowest offset where it overlaps
 * no buffer live at the same time. Returns the pool's size in floats. */
static uint64_t pack(lifetime *b, int32_t nb, const lifetime **tmp) {
  qsort(b, (size_t)nb, sizeof *b, by_start);
  uint64_t top = 0; /* each size is at most DL_MAX_NUMEL and there are under 2^31 of them: no wrap */
  for (int32_t i = 0; i < nb; i++) {
    int32_t k = 0;
    for (int32_t j = 0; j < i; j++)
      if (b[j].start <= b[i].end && b[i].start <= b[j].end) tmp[k++] = &b[j];
    qsort(tmp, (size_t)k, sizeof *tmp, by_offset);
    uint64_t at = 0;
    for (int32_t j = 0; j < k; j++) {
      if (tmp[j]->offset >= at + b[i].size) break;
      if (tmp[j]->offset + tmp[j]->size > at) at = tmp[j]->offset + tmp[j]->size;
    }
    b[i].offset = at;
    if (at + b[i].size > top) top = at + b[i].size;
  }
  return top;
}

static int32_t owner_of(const dl_graph *g, int32_t i) {
  while (g->nodes[i].kind == DL_KIND_OP && g->nodes[i].view) i = dl_input_id(g, &g->nodes[i], 0);
  return i;
}

static int is_whole(const dl_node *n) { return n->kind == DL_KIND_INPUT || !n->batched || n->keep; }

static dl_status plan(dl_graph *g, int32_t max_batch, int32_t mode) {
  dl_status st;
  if ((st = check_graph(g, "graph_plan"))) return st;
  if (max_batch < 1 || max_batch > 1 << 20) return dl_fail(DL_ERR_ARG, "batch size %d out of range [1, 1048576]", max_batch);
  int32_t N = g->n, nb = 0;
  int training = mode == DL_PLAN_TRAINING;
  uint64_t *numel = calloc((size_t)N + 1, sizeof *numel), *scratch = calloc((size_t)N + 1, sizeof *scratch);
  int32_t *vend = calloc((size_t)N + 1, sizeof *vend), *lastc = calloc((size_t)N + 1, sizeof *lastc);
  lifetime *bufs = calloc(3 * (size_t)N + 1, sizeof *bufs);
  const lifetime **tmp = calloc(3 * (size_t)N + 1, sizeof *tmp);
  if (!numel || !scratch || !vend || !lastc || !bufs || !tmp) {
    st = dl_fail(DL_ERR_OOM, "out of memory planning the graph");
    goto done;
  }
  uint64_t fixed = 0, work = 0, unshared = 0;
  for (int32_t i = 0; i < N; i++) {
    dl_node *n = &g->nodes[i];
    vend[i] = lastc[i] = i;
    if (n->kind == DL_KIND_PARAM) continue;
    numel[i] = round4(dl_size_mul(dl_size_dims(n->ndim, n->shape), n->batched ? (uint64_t)max_batch : 1));
    scratch[i] = round4(dl_size_add(n->scratch_fixed, dl_size_mul(n->scratch_per_sample, (uint64_t)max_batch)));
    if (numel[i] > DL_MAX_NUMEL || scratch[i] > DL_MAX_NUMEL) {
      st = dl_fail(DL_ERR_OOM, "graph needs %.0f MB at batch %d: too large (%s alone is over %.0f MB)",
                   (numel[i] > scratch[i] ? numel[i] : scratch[i]) * 4.0 / 1048576, max_batch, dl_node_label(g, n), DL_MAX_NUMEL * 4.0 / 1048576);
      goto done;
    }
    unshared = dl_size_add(unshared, dl_size_add(dl_size_mul(2, numel[i]), scratch[i])); /* one buffer per value, gradient and scratch: the plan before this one */
  }
  /* when each value is last read (by its owner: a view's readers read its input's memory) */
  for (int32_t c = 0; c < N; c++) {
    dl_node *n = &g->nodes[c];
    if (n->kind != DL_KIND_OP) continue;
    uint32_t reads = dl_op_table[n->op]->reads;
    for (int32_t k = 0; k < n->ninputs; k++) {
      int32_t in = dl_input_id(g, n, k), o = owner_of(g, in);
      if (lastc[in] < c) lastc[in] = c;
      int32_t t = c;
      if (training && k < 16 && ((reads >> k) & 1)) t = 2 * N - 1 - c;
      if (vend[o] < t) vend[o] = t;
    }
    if (training && (reads & DL_READS_OUTPUT)) {
      int32_t o = owner_of(g, c);
      if (vend[o] < 2 * N - 1 - c) vend[o] = 2 * N - 1 - c;
    }
  }
  for (int32_t i = 0; i < N; i++) {
    dl_node *n = &g->nodes[i];
    if (n->kind == DL_KIND_PARAM) continue;
    if (training && n->kind == DL_KIND_OP) bufs[nb++] = (lifetime){numel[i], 0, 2 * N - 1 - lastc[i], 2 * N - 1 - i, i, 1};
    if (training && n->kind == DL_KIND_INPUT) fixed = dl_size_add(fixed, numel[i]); /* its gradient: read after backward (saliency) */
    if ((n->kind == DL_KIND_OP && n->view) || owns_value(n)) continue;
    if (is_whole(n)) fixed = dl_size_add(fixed, numel[i]);
    else bufs[nb++] = (lifetime){numel[i], 0, i, vend[i], i, 0};
    uint64_t w = round4(n->work_floats); /* the region holds this op's workspace, after its scratch when that is one too */
    if (scratch[i] && training && n->kind == DL_KIND_OP && !n->workspace)
      bufs[nb++] = (lifetime){scratch[i], 0, i, dl_op_table[n->op]->commit ? 2 * N : 2 * N - 1 - i, i, 2};
    else w = dl_size_add(w, scratch[i]);
    if (w > work) work = w;
  }
  uint64_t pool = pack(bufs, nb, tmp), total = dl_size_add(dl_size_add(fixed, work), pool);
  if (total > DL_MAX_NUMEL) {
    st = dl_fail(DL_ERR_OOM, "graph needs %.0f MB at batch %d: too large", total * 4.0 / 1048576, max_batch);
    goto done;
  }
  for (int32_t i = 0; i < N; i++) { /* state inputs keep their values: grow them (new rows start at zero) */
    dl_node *n = &g->nodes[i];
    if (!owns_value(n) || n->kind != DL_KIND_INPUT || n->kept_floats >= numel[i]) continue;
    float *v = realloc(n->value, numel[i] * sizeof(float));
    if (!v) {
      st = dl_fail(DL_ERR_OOM, "out of memory for the state '%s'", n->name);
      goto done;
    }
    memset(v + n->kept_floats, 0, (numel[i] - n->kept_floats) * sizeof(float));
    n->value = v;
    n->kept_floats = numel[i];
  }
  float *arena = total ? calloc((size_t)total, sizeof(float)) : NULL;
  if (total && !arena) {
    st = dl_fail(DL_ERR_OOM, "out of memory: graph needs %.1f MB at batch %d", total * 4.0 / 1048576, max_batch);
    goto done;
  }
  free_arena(g);
  g->arena = arena;
  g->arena_floats = total;
  g->unshared_floats = unshared;
  float *p = arena, *wk = arena + fixed, *base = wk + work;
  for (int32_t i = 0; i < N; i++) {
    dl_node *n = &g->nodes[i];
    if (n->kind == DL_KIND_PARAM) continue;
    n->grad = NULL;
    n->scratch = wk;
    n->work = wk + ((training && n->kind == DL_KIND_OP && !n->workspace) ? 0 : scratch[i]);
    if (training && n->kind == DL_KIND_INPUT) n->grad = p, p += numel[i];
    if (!(n->kind == DL_KIND_OP && n->view) && !owns_value(n) && is_whole(n)) n->value = p, p += numel[i];
  }
  for (int32_t k = 0; k < nb; k++) {
    dl_node *n = &g->nodes[bufs[k].node];
    float *at = base + bufs[k].offset;
    if (bufs[k].kind == 0) n->value = at;
    else if (bufs[k].kind == 1) n->grad = at;
    else n->scratch = at;
  }
  for (int32_t i = 0; i < N; i++) { /* views see their owner's memory */
    dl_node *n = &g->nodes[i];
    if (n->kind == DL_KIND_OP && n->view) n->value = dl_input(g, n, 0)->value;
  }
  g->max_batch = g->batch = max_batch;
  g->plan_mode = mode;
  st = DL_OK;
done:
  free(numel), free(scratch), free(vend), free(lastc), free(bufs), free(tmp);
  return st;
}

dl_status dl_graph_plan(dl_graph *g, int32_t max_batch) { return plan(g, max_batch, DL_PLAN_TRAINING); }
dl_status dl_graph_plan_inference(dl_graph *g, int32_t max_batch) { return plan(g, max_batch, DL_PLAN_INFERENCE); }
dl_status dl_graph_memory(const dl_graph *g, double *arena_bytes, double *unshared_bytes) {
  if (!g || !arena_bytes || !unshared_bytes) return dl_fail(DL_ERR_ARG, "graph_memory: null argument");
  *arena_bytes = (double)g->arena_floats * sizeof(float);
  *unshared_bytes = (double)g->unshared_floats * sizeof(float);
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
void dl_graph_mark(dl_graph *g, int32_t target, int through_detach) {
  for (int32_t i = 0; i < g->n; i++) g->nodes[i].mark = 0;
  g->nodes[target].mark = 1;
  for (int32_t i = target; i >= 0; i--) {
    dl_node *n = &g->nodes[i];
    if (!n->mark || (!through_detach && n->kind == DL_KIND_OP && n->op == DL_OP_DETACH)) continue;
    for (int32_t j = 0; j < n->ninputs; j++) dl_input(g, n, j)->mark = 1;
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
  if (g->training && g->plan_mode == DL_PLAN_INFERENCE)
    return dl_fail(DL_ERR_STATE, "forward: the graph is planned for inference; plan it for training, or set training off");
  for (int32_t i = 0; i <= last; i++) g->nodes[i].mark = 0;
  for (int32_t k = 0; k < count; k++) g->nodes[targets[k]].mark = 1;
  for (int32_t i = last; i >= 0; i--) {
    dl_node *n = &g->nodes[i];
    if (n->mark)
      for (int32_t j = 0; j < n->ninputs; j++) dl_input(g, n, j)->mark = 1;
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
  if (g->plan_mode != DL_PLAN_TRAINING) return dl_fail(DL_ERR_STATE, "backward: the graph is planned for inference (no gradients); plan it for training");
  dl_node *l = &g->nodes[loss];
  if (dl_node_numel(g, l) != 1)
    return dl_fail(DL_ERR_SHAPE, "backward: %s is not a scalar", dl_node_label(g, l));
  dl_graph_mark(g, loss, 0);
  /* A node needs a gradient when it lies between the loss and something that learns (or an
   * input whose gradient was asked for). Frozen parameters pass gradients on without taking one. */
  for (int32_t i = 0; i <= loss; i++) {
    dl_node *n = &g->nodes[i];
    n->needs_grad = 0;
    n->zeroed = 0;
    if (!n->mark) continue;
    if (n->kind == DL_KIND_PARAM) n->needs_grad = param_learns(g, n);
    else if (n->kind == DL_KIND_INPUT) n->needs_grad = (n->flags & DL_INPUT_REQUIRES_GRAD) != 0;
    else if (n->op != DL_OP_DETACH)
      for (int32_t j = 0; j < n->ninputs; j++) n->needs_grad |= dl_input(g, n, j)->needs_grad;
  }
  if (!l->needs_grad) return DL_OK; /* nothing upstream learns */
  l->grad[0] = 1.0f;
  l->zeroed = 1;
  /* Gradients share memory (see plan), so each starts at its first writer, the first of its
   * consumers to run backward: an op that assigns writes it (no clearing), others get it cleared
   * and add into it. */
  for (int32_t i = loss; i >= 0; i--) {
    dl_node *n = &g->nodes[i];
    if (!n->needs_grad || n->kind != DL_KIND_OP) continue;
    const dl_op_impl *op = dl_op_table[n->op];
    for (int32_t j = 0; j < n->ninputs; j++) {
      dl_node *x = dl_input(g, n, j);
      if (!x->needs_grad || x->zeroed) continue;
      x->zeroed = 1;
      /* (an input used twice gets fresh once: its first contribution assigns, the second adds) */
      if (op->assigns) x->fresh = 1;
      else memset(x->grad, 0, (x->kind == DL_KIND_PARAM ? dl_node_sample_numel(x) : dl_node_numel(g, x)) * sizeof(float));
    }
    op->backward(g, n);
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
  for (int32_t i = n; i < g->n; i++) {
    if (owns_value(&g->nodes[i])) free(g->nodes[i].value);
    if (g->nodes[i].kind == DL_KIND_PARAM) free(g->nodes[i].grad);
  }
  g->nedges = (size_t)g->nodes[n].first_input;
  g->n = n;
}

dl_status dl_graph_tensor(dl_graph *g, int32_t id, int32_t which, float **data, size_t *numel) {
  dl_status st;
  if ((st = check_id(g, id, "tensor"))) return st;
  if (!data || !numel) return dl_fail(DL_ERR_ARG, "tensor: null output pointer");
  dl_node *n = &g->nodes[id];
  if (n->kind != DL_KIND_PARAM && g->max_batch == 0)
    return dl_fail(DL_ERR_STATE, "tensor: graph is not planned (call plan first)");
  if (which < 0 || which > 2) return dl_fail(DL_ERR_ARG, "tensor: which is %d, expected 0 (value), 1 (grad) or 2 (scratch)", which);
  if (which == 2) { /* what an op keeps from forward to backward (attention weights): only a training plan keeps it */
    if (n->kind != DL_KIND_OP || n->workspace || g->plan_mode != DL_PLAN_TRAINING || !(n->scratch_fixed + n->scratch_per_sample))
      return dl_fail(DL_ERR_ARG, "tensor: node %d keeps no scratch to read (an op's, in a training plan)", id);
    *data = n->scratch;
    *numel = (size_t)(n->scratch_fixed + n->scratch_per_sample * (uint64_t)g->batch);
    return DL_OK;
  }
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

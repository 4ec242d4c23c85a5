/* graph.h: nodes, the graph, and what ops see of them.
 *
 * Shapes: a batched node stores its per-sample shape with shape[0] = 1; at run time dim 0 is
 * g->batch. Non-batched nodes (parameters, losses) store their full shape. Node ids are
 * creation order, which is also a topological order (an op may only use earlier nodes).
 */
#ifndef DL_GRAPH_H
#define DL_GRAPH_H
#include "dl.h"
#include "rng.h"
#include "size.h"

/* Largest tensor, workspace or arena we accept, in floats (1 GB): the wasm heap stops at 2 GB. */
#define DL_MAX_NUMEL ((uint64_t)1 << 28)

enum { DL_KIND_INPUT, DL_KIND_PARAM, DL_KIND_OP };
enum { DL_PLAN_NONE, DL_PLAN_TRAINING, DL_PLAN_INFERENCE };

typedef struct dl_node {
  int32_t kind, op;
  int32_t ninputs, first_input; /* its inputs are g->edges[first_input, first_input + ninputs): any number */
  int32_t iattr[DL_MAX_IATTR];
  float fattr[DL_MAX_FATTR];
  int32_t ndim, shape[DL_MAX_DIMS];
  int32_t batched;
  int32_t flags, group;
  uint64_t scratch_fixed, scratch_per_sample; /* floats, set by the op's infer (with size.h) */
  int32_t workspace;        /* set by infer: scratch is used only inside one forward or backward call */
  uint64_t work_floats;     /* set by infer: a workspace besides a scratch kept to backward (GEMM packing) */
  int32_t view;             /* set by infer: the value is input 0's value seen in another shape */
  int32_t keep;             /* inference plans keep its value to the end of forward (named tensors) */
  float *value, *grad, *scratch, *work;
  int32_t needs_grad, mark; /* set per forward/backward walk */
  int32_t zeroed;           /* backward: this walk has started the gradient */
  int32_t fresh;            /* backward: the next contribution assigns instead of adding (see ops.h) */
  int32_t pending;          /* forward left state to commit (batch-norm running statistics) */
  int32_t borrowed;         /* a parameter whose value is another graph's (generate.c): not freed here */
  uint64_t kept_floats;     /* a state input's own memory (DL_INPUT_STATE): how many floats its value holds */
  char name[DL_NAME_MAX];
} dl_node;

struct dl_graph {
  dl_node *nodes;
  int32_t n, cap;
  int32_t *edges; /* every op's input ids, node after node */
  size_t nedges, edges_cap;
  int32_t max_batch, batch, training;
  dl_rng rng;
  float *arena; /* activations, gradients and scratch for every op node, planned at max_batch */
  size_t arena_floats;
  uint64_t unshared_floats; /* what one buffer per value, gradient and scratch would take */
  int32_t plan_mode; /* DL_PLAN_TRAINING (values, gradients, scratch) or DL_PLAN_INFERENCE (values only) */
  dl_status run_status; /* set by an op whose data is invalid (a label out of range) */
  /* Training steps that must change nothing when refused set defer_commit: ops then leave
   * state updates pending until dl_graph_commit (or drop them at dl_graph_discard). */
  int32_t defer_commit;
  uint32_t learn_mask; /* when not 0, only parameters whose group bit is set take gradients */
};

dl_status dl_graph_forward_many(dl_graph *g, const int32_t *targets, int32_t count);
/* Set `mark` on `target` and every node it depends on (not through detach unless asked). */
void dl_graph_mark(dl_graph *g, int32_t target, int through_detach);
/* Apply, or drop, what forward passes left pending since the last commit. */
void dl_graph_commit(dl_graph *g);
void dl_graph_discard(dl_graph *g);
/* Parameter id of g uses `value` (another graph's parameter of the same shape) from now on. */
void dl_graph_borrow_param(dl_graph *g, int32_t id, float *value);
/* Drop nodes [n, end): what a training program added is removed before the next one is built. */
void dl_graph_truncate(dl_graph *g, int32_t n);

/* Elements of a node at the current batch size. */
static inline size_t dl_node_numel(const dl_graph *g, const dl_node *n) {
  size_t k = 1;
  for (int i = 0; i < n->ndim; i++) k *= (size_t)n->shape[i];
  return n->batched ? k * (size_t)g->batch : k;
}
/* Elements per sample (for batched nodes) or of the whole node. */
static inline size_t dl_node_sample_numel(const dl_node *n) {
  size_t k = 1;
  for (int i = 0; i < n->ndim; i++) k *= (size_t)n->shape[i];
  return k;
}
/* Dim 0 at run time. */
static inline int32_t dl_node_rows(const dl_graph *g, const dl_node *n) {
  return n->batched ? g->batch : n->shape[0];
}
static inline int32_t dl_input_id(const dl_graph *g, const dl_node *n, int i) { return g->edges[n->first_input + i]; }
static inline dl_node *dl_input(dl_graph *g, const dl_node *n, int i) { return &g->nodes[dl_input_id(g, n, i)]; }

/* "relu 'r1'": the op and node, for messages. */
const char *dl_node_label(const dl_graph *g, const dl_node *n);
#endif

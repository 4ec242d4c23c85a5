/* ops.h: the op table. Each op is three static functions in its family file,
 * <name>_infer (shape and scratch at build time), <name>_forward and <name>_backward, exported
 * to the table as one dl_op_impl named dl_op_<name>. ops.def lists them; nothing else does. */
#ifndef DL_OPS_H
#define DL_OPS_H
#include <math.h>
#include <string.h>
#include "../err.h"
#include "../graph.h"
#include "../kernels/kernels.h"

typedef struct dl_op_impl {
  dl_status (*infer)(dl_graph *g, dl_node *n);
  void (*forward)(dl_graph *g, dl_node *n);
  void (*backward)(dl_graph *g, dl_node *n);
  void (*commit)(dl_graph *g, dl_node *n); /* optional: apply state left pending by forward */
  /* Values its backward reads: bit k for input k, DL_READS_OUTPUT for its own output. The
   * planner frees every other value once forward no longer needs it. */
  uint32_t reads;
  /* Its backward honours `fresh` inputs (dl_grad_beta): their gradient is written, not added
   * to, so the graph need not clear it first. Other ops get cleared gradients. */
  int32_t assigns;
} dl_op_impl;

/* For an op whose backward assigns: 0 when this is the gradient's first contribution (write
 * it), 1 when earlier ones must be kept (add to it). */
static inline float dl_grad_beta(dl_node *x) {
  if (!x->fresh) return 1.0f;
  x->fresh = 0;
  return 0.0f;
}

#define DL_READS_OUTPUT (1u << 16)
#define DL_READS_ALL 0xFFFFFFFFu

enum {
#define DL_OP(ID, name, family, nin) DL_OP_##ID,
#include "ops.def"
#undef DL_OP
  DL_OP_COUNT
};

#define DL_OP(ID, name, family, nin) extern const dl_op_impl dl_op_##name;
#include "ops.def"
#undef DL_OP

extern const dl_op_impl *const dl_op_table[DL_OP_COUNT];
extern const char *const dl_op_names[DL_OP_COUNT];
extern const int32_t dl_op_arity[DL_OP_COUNT]; /* -1: variable (at least 1) */

/* Fail with a message prefixed by the node's label: "conv2d 'c2': kernel 7 larger than ...". */
#define OP_FAIL(g, n, code, ...) dl_op_fail((g), (n), (code), __VA_ARGS__)
dl_status dl_op_fail(const dl_graph *g, const dl_node *n, dl_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Output takes input i's shape and batchedness. */
void dl_shape_like(dl_node *n, const dl_node *x);
/* Same shape and batchedness. */
int dl_same_shape(const dl_node *a, const dl_node *b);
/* "3x28x28" (per sample for batched nodes). */
const char *dl_shape_str(const dl_node *n, char *buf, size_t len);

#define DL_DEFINE_OP(name) const dl_op_impl dl_op_##name = {name##_infer, name##_forward, name##_backward, NULL, DL_READS_ALL, 0}
/* An op whose backward reads only the values in `reads` (see dl_op_impl). */
#define DL_DEFINE_OP_READS(name, reads_) \
  const dl_op_impl dl_op_##name = {name##_infer, name##_forward, name##_backward, NULL, (reads_), 0}
/* ... and assigns its inputs' first gradient contributions. */
#define DL_DEFINE_OP_ASSIGNS(name, reads_) \
  const dl_op_impl dl_op_##name = {name##_infer, name##_forward, name##_backward, NULL, (reads_), 1}
#define DL_DEFINE_OP_COMMIT(name) \
  const dl_op_impl dl_op_##name = {name##_infer, name##_forward, name##_backward, name##_commit, DL_READS_ALL, 0}
#endif

/* dl.h: the public C API of the dlplay core; the only header wasm/ and the tests need.
 *
 * A model is a define-then-run graph. Sources are inputs (data, batched along dim 0) and
 * parameters (owned by the graph, never batched); every other node is an op from
 * core/ops/ops.def, added by name with integer and float attributes. Shapes are inferred when
 * a node is added, so a bad graph fails at build time with a message naming the node.
 * dl_graph_plan() then lays out one arena for every activation, gradient and scratch buffer at
 * a maximum batch size; any batch up to it runs without allocating.
 *
 * Errors are values: every function that can fail returns a dl_status and, on failure, fills
 * the message read by dl_last_error(). A failed call changes nothing it was given.
 */
#ifndef DL_H
#define DL_H

#include <stddef.h>
#include <stdint.h>

#define DL_VERSION "0.1.0"
#define DL_MAX_DIMS 4
#define DL_MAX_INPUTS 65536 /* a sanity bound: an op may take a whole sequence of step outputs */
#define DL_MAX_IATTR 12
#define DL_MAX_FATTR 4
#define DL_NAME_MAX 64

typedef enum dl_status {
  DL_OK = 0,
  DL_ERR_ARG,     /* an argument is out of range or unknown */
  DL_ERR_SHAPE,   /* shapes do not fit together */
  DL_ERR_OOM,     /* memory could not be had */
  DL_ERR_STATE,   /* call made at the wrong time (e.g. forward before plan) */
  DL_ERR_NUMERIC, /* a loss or gradient became NaN or infinite */
  DL_ERR_FORMAT   /* a serialized blob is corrupt or foreign */
} dl_status;

/* Parameter flags (dl_graph_param, dl_graph_set_flags). */
enum {
  DL_PARAM_TRAINABLE = 1, /* updated by optimizers */
  DL_PARAM_FROZEN = 2,    /* trainable but skipped for now: no gradient, no update (GAN steps) */
  DL_PARAM_DECAY = 4,     /* weight penalties (L1/L2/AdamW decay) apply: weights, not biases */
  DL_PARAM_STATE = 8      /* not trained, but part of the model (batch-norm running statistics) */
};
/* Input flags. */
enum {
  DL_INPUT_REQUIRES_GRAD = 16, /* keep d(loss)/d(input): saliency, FGSM */
  DL_INPUT_STATE = 32          /* the graph keeps its value across plans, zero at first (a recurrent layer's carried state) */
};

typedef struct dl_graph dl_graph;
typedef struct dl_optim dl_optim;
typedef struct dl_sched dl_sched;

const char *dl_version(void);
const char *dl_last_error(void);
int32_t dl_simd_enabled(void); /* 1 when this build runs the SIMD128 kernels */

/* Memory for callers (JS) that must hand buffers to the core. */
void *dl_alloc(size_t bytes);
void dl_free(void *p);
/* Heap bytes in use (allocated and not freed), from the allocator; -1 where it cannot tell. */
double dl_heap_in_use(void);

/* ---- graph ---------------------------------------------------------------------------- */
dl_status dl_graph_create(dl_graph **out, uint64_t seed);
void dl_graph_destroy(dl_graph *g);
/* An input. shape is per sample when batched (dim 0 follows the batch size at run time). */
dl_status dl_graph_input(dl_graph *g, const char *name, int32_t ndim, const int32_t *shape,
                         int32_t batched, int32_t *id);
/* A parameter of the given full shape, zero-filled; flags from DL_PARAM_*. */
dl_status dl_graph_param(dl_graph *g, const char *name, int32_t ndim, const int32_t *shape,
                         int32_t flags, int32_t *id);
/* An op by its ops.def name ("conv2d", "relu", ...). Attributes are documented in ops.def. */
dl_status dl_graph_op(dl_graph *g, const char *op, const char *name, int32_t ninputs,
                      const int32_t *inputs, int32_t niattr, const int32_t *iattr,
                      int32_t nfattr, const float *fattr, int32_t *id);
/* Lay out memory for forward and backward at batches up to max_batch: values, gradients
 * (sharing memory where their lives do not overlap) and scratch. Gradients of op nodes are only
 * valid during backward; those of inputs and parameters stay readable after it. */
dl_status dl_graph_plan(dl_graph *g, int32_t max_batch);
/* Memory for forward only, in evaluation mode: no gradients, and values share memory once no
 * later op reads them (inputs, unbatched nodes and a model's named tensors excepted). */
dl_status dl_graph_plan_inference(dl_graph *g, int32_t max_batch);
/* The planned arena, and what one buffer per value, gradient and scratch would take, in bytes. */
dl_status dl_graph_memory(const dl_graph *g, double *arena_bytes, double *unshared_bytes);
dl_status dl_graph_set_batch(dl_graph *g, int32_t batch);
dl_status dl_graph_set_training(dl_graph *g, int32_t training);
dl_status dl_graph_set_flags(dl_graph *g, int32_t id, int32_t flags);
dl_status dl_graph_seed(dl_graph *g, uint64_t seed);
/* Forward through every node `target` depends on. */
dl_status dl_graph_forward(dl_graph *g, int32_t target);
/* Zero the gradients, then backpropagate from the scalar node `loss` (d loss = 1). */
dl_status dl_graph_backward(dl_graph *g, int32_t loss);
/* Value (which = 0) or gradient (which = 1) of a node at the current batch size; or (2) the
 * scratch an op keeps from forward to backward in a training plan, as ops.def describes it
 * (the attention weights of graph_attention, after forward). */
dl_status dl_graph_tensor(dl_graph *g, int32_t id, int32_t which, float **data, size_t *numel);
/* Shape with dim 0 at the current batch size for batched nodes; returns ndim. */
dl_status dl_graph_shape(dl_graph *g, int32_t id, int32_t *ndim, int32_t *shape, int32_t *batched);
int32_t dl_graph_node_count(const dl_graph *g);
dl_status dl_graph_find(const dl_graph *g, const char *name, int32_t *id);
/* Fill a parameter from an initializer ("he_normal", ...) drawing on the graph's RNG. */
dl_status dl_graph_init_param(dl_graph *g, int32_t id, const char *init, float a, float b);

/* ---- optimizers ----------------------------------------------------------------------- */
/* type: sgd momentum nesterov rmsprop adagrad adam adamw. group: parameters whose group
 * equals it (dl_graph_set_group), or -1 for all trainable parameters. */
dl_status dl_optim_create(dl_optim **out, dl_graph *g, const char *type, int32_t group);
void dl_optim_destroy(dl_optim *o);
/* Options: momentum beta1 beta2 eps rho weight_decay l1 l2 clip_norm clip_value. */
dl_status dl_optim_set(dl_optim *o, const char *key, float value);
/* One update from the gradients in the graph; DL_ERR_NUMERIC (no update) on a non-finite one. */
dl_status dl_optim_step(dl_optim *o, float lr);
dl_status dl_optim_reset(dl_optim *o);
/* l1 * sum|w| + l2 * sum w^2 over decayed parameters: the penalty added to the data loss. */
float dl_optim_penalty(const dl_optim *o);
dl_status dl_graph_set_group(dl_graph *g, int32_t id, int32_t group);

/* One training step: forward to `loss`, check it is finite, backward, update. */
dl_status dl_train_step(dl_graph *g, dl_optim *o, int32_t loss, float lr, float *loss_out);

/* ---- models: networks from a JSON spec (core/model.c), trained by programs (core/program.c) ---- */
typedef struct dl_model dl_model;
dl_status dl_model_create(dl_model **out, const char *spec, size_t len);
void dl_model_destroy(dl_model *m);
dl_graph *dl_model_graph(dl_model *m);
/* Memory for batches of up to max_batch samples (weights are kept). */
dl_status dl_model_plan(dl_model *m, int32_t max_batch);
/* Memory for evaluation only (run, evaluate, predict) at batches up to max_batch; training
 * plans for training again. */
dl_status dl_model_plan_inference(dl_model *m, int32_t max_batch);
/* The model as JSON: its tensors (inputs first: their order is the order of data slots),
 * networks, layers with their parameters, optimizers and program (losses with their terms, the
 * program's data slots, steps). *json stays valid until the next call on m. */
dl_status dl_model_summary(dl_model *m, const char **json);
/* The JSON spec the model was built from (kept for saving; a loaded model returns its file's). */
const char *dl_model_spec(const dl_model *m);
/* The program's JSON, or "" when none is set. */
const char *dl_model_program(const dl_model *m);
/* Every layer, activation, loss, optimizer, schedule and initializer with its options, as JSON. */
dl_status dl_catalog(const char **json);
/* Set the training program (format at the top of core/program.c). The new program is built
 * whole before the old one goes; optimizers keeping name, type and networks keep their state. */
dl_status dl_model_set_program(dl_model *m, const char *json, size_t len);
dl_status dl_model_clear_program(dl_model *m);
/* Augmentation of training inputs (core/augment.c): options[7] = shift px, rotate degrees, scale,
 * crop, flip chance, cutout px, noise std, each 0 for off; all but noise need image inputs. */
dl_status dl_model_set_augment(dl_model *m, const float *options);
/* `count` augmented copies of one image [C, H, W] into out, drawn from `seed` (a preview). */
dl_status dl_augment(const float *options, const float *image, int32_t C, int32_t H, int32_t W, int32_t count, uint64_t seed, float *out);
/* Run up to `iterations` passes over the program's steps. data[s] holds data slot s for n
 * samples (floats, or bytes scaled by 1/255 when u8[s]; class indices for one-hot inputs and
 * labels); a step that reads data takes the next `batch` of the `count` sample indices in
 * `order`, and a pass starts only while samples remain for it. Schedules see each optimizer's
 * update count, or `epoch`. For each step run, stats gets {loss, lr, samples, correct,
 * term values...}. *done counts whole passes, *used the samples they took, also when an error
 * stops the run; a refused step changes nothing. */
dl_status dl_model_run(dl_model *m, const void *const *data, const int32_t *u8, int32_t n, const int32_t *order, int32_t count,
                       int32_t batch, int32_t iterations, int64_t epoch, float *stats, int32_t *done, int32_t *used);
/* Evaluation mode over samples 0..n-1: sums[0] gets the summed loss `loss` of the program,
 * sums[1 + k] its term k; *correct the samples a softmax_ce first term classes right; out, when
 * not NULL, the model's last output. Noise is drawn, and the random stream restored after. */
dl_status dl_model_evaluate(dl_model *m, int32_t loss, const void *const *data, const int32_t *u8, int32_t n, double *sums,
                            int32_t *correct, float *out);
/* Evaluation mode: node's values for n samples into out. Noise inputs take data[s] when given. */
dl_status dl_model_infer(dl_model *m, int32_t node, const void *const *data, const int32_t *u8, int32_t n, float *out);
/* Zero the carried state of the model's stateful recurrent layers (*count: how many state
 * tensors it has; 0 when none is stateful). Training resets it at the start of every pass. */
dl_status dl_model_reset_state(dl_model *m, int32_t *count);
/* Report a metric to an optimizer's schedule (reduce-on-plateau). */
dl_status dl_model_report(dl_model *m, const char *optimizer, float metric);
/* Generation one token at a time (core/generate.c), for a model whose one input is token ids
 * and whose last output is scores per position. begin: `streams` sequences side by side, every
 * state cleared, position 0. step: tokens[streams] in, next-token scores [streams, vocabulary]
 * out. reorder: stream i continues what stream from[i] had (beam search). info: tokens fed,
 * the window (0: none, as for recurrent models), vocabulary. read: a step-graph node's value
 * (which = 0) or scratch (1) after the last step, for views; valid until the next call. */
dl_status dl_model_generate_begin(dl_model *m, int32_t streams);
dl_status dl_model_generate_step(dl_model *m, const float *tokens, float *logits);
dl_status dl_model_generate_reorder(dl_model *m, const int32_t *from);
dl_status dl_model_generate_info(dl_model *m, int32_t *pos, int32_t *window, int32_t *vocab);
dl_status dl_model_generate_read(dl_model *m, const char *node, int32_t which, const float **data, size_t *count);
/* Serialize (see core/model_io.c); *bytes is freed with dl_free. */
dl_status dl_model_save(dl_model *m, int32_t with_optimizer, uint8_t **bytes, size_t *len);
dl_status dl_model_load(dl_model **out, const uint8_t *bytes, size_t len);

/* ---- learning-rate schedules ----------------------------------------------------------- */
/* type: constant step exponential cosine polynomial cyclical onecycle plateau. */
dl_status dl_sched_create(dl_sched **out, const char *type, float lr);
void dl_sched_destroy(dl_sched *s);
/* Options by name; see sched.c for each schedule's keys. */
dl_status dl_sched_set(dl_sched *s, const char *key, float value);
/* Learning rate at step t (t = 0, 1, ...); the caller chooses whether a step is a batch or an epoch. */
float dl_sched_lr(const dl_sched *s, int64_t t);
/* Report a metric (reduce-on-plateau); lowers the rate after `patience` reports without progress. */
dl_status dl_sched_report(dl_sched *s, float metric);

#endif

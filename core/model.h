/* model.h: models built from a JSON spec, and the training programs that run on them.
 *
 * A model has named tensors: its inputs (data, or noise the engine draws) and what the spec
 * computes from them. Networks are layer stacks whose parameters are created on their first
 * application and shared by every later one. A program (program.c) adds losses (weighted sums
 * of terms), optimizers over sets of networks, and the steps that run them. The model owns its
 * graph; layers are compositions of graph ops (layers.c). */
#ifndef DL_MODEL_H
#define DL_MODEL_H
#include "dl.h"
#include "augment.h"
#include "graph.h"

#define DL_MAX_LAYERS 256
#define DL_MAX_NETS 16
#define DL_MAX_TENSORS 64
#define DL_LAYER_MAX_PARAMS 16      /* parameters one layer may create (a transformer block has 16) */
#define DL_MAX_MODEL_PARAMS ((size_t)1 << 26) /* 64M values: far past any playground model */
#define DL_SHORT_NAME 24            /* networks, layers, tensors, losses, optimizers */

uint32_t dl_crc32(const uint8_t *p, size_t n); /* IEEE CRC-32, as in the model file */

typedef struct dl_layer {
  char name[DL_NAME_MAX];       /* "dense_1", or "D/dense_1" inside a named network */
  char type[DL_SHORT_NAME];
  int32_t net;                  /* network index */
  int32_t out;                  /* output node of the network's first application */
  int32_t first_node, end_node; /* nodes [first, end) were created for this layer (its params among them) */
  int32_t params[DL_LAYER_MAX_PARAMS], nparams; /* parameter nodes this layer created itself */
} dl_layer;

typedef struct dl_net {
  char name[DL_SHORT_NAME];
  char prefix[DL_SHORT_NAME + 1]; /* "D/" for named networks, "" for a single-stack spec */
  const void *layers;             /* its dl_json layer list, while the spec is being built */
  int32_t first_layer, nlayers;   /* its records in m->layers */
  int32_t applications;           /* times applied; parameters are made by the first */
  int32_t in_ndim, in_shape[DL_MAX_DIMS]; /* the input it was built for */
} dl_net;

enum { DL_TENSOR_DATA, DL_TENSOR_NOISE, DL_TENSOR_COMPUTED };
enum { DL_NOISE_NORMAL, DL_NOISE_UNIFORM, DL_NOISE_BERNOULLI };

typedef struct dl_tensor {
  char name[DL_SHORT_NAME];
  int32_t node;
  int32_t kind;     /* DL_TENSOR_* */
  int32_t classes;  /* data given as class indices, held one-hot (0: as given) */
  int32_t tokens;   /* data given as token ids in [0, tokens) (0: not tokens): bytes read as the ids */
  int32_t noise;    /* DL_NOISE_* */
  float a, b;       /* normal: mean, std; uniform: low, high; bernoulli: p; data: what bytes 0 and 255 read as */
} dl_tensor;

typedef struct dl_program dl_program;
typedef struct dl_model_optim {
  char name[DL_SHORT_NAME];
  dl_optim *opt;
  uint32_t nets;    /* networks it trains: bit k for network k */
  dl_sched *sched;  /* the rate at each update (owned) */
  int32_t per_epoch; /* the schedule counts epochs, not updates */
} dl_model_optim;

struct dl_model {
  dl_graph *g;
  char *spec;                 /* the spec text, for saving */
  size_t spec_len;
  int32_t nnets, nlayers, ntensors, ninputs; /* inputs are tensors [0, ninputs): the data slots */
  dl_net nets[DL_MAX_NETS];
  dl_layer *layers;
  dl_tensor tensors[DL_MAX_TENSORS];
  int32_t input, output;      /* the first input's node and the last output's */
  int32_t base_nodes;         /* nodes the spec built; a program's come after */
  dl_program *prog;           /* NULL until a program is set */
  int32_t running;            /* inside dl_model_run */
  uint64_t param_values;      /* parameter values made so far: capped before each is allocated */
  int32_t nopts;
  dl_model_optim opts[DL_MAX_NETS];
  /* Generation (generate.c): a model built from the same spec for one token at a time, whose
   * parameters are this model's (shared, not copied). In it, step_mode is set: token inputs are
   * [1], recurrent layers read and carry their state in inputs, attention keeps a cache of
   * step_ctx keys and values, and positions come from the input pos_node. */
  int32_t step_mode, step_ctx, pos_node, step_limited; /* limited: positions or caches end at step_ctx */
  int32_t nstate, state_nodes[DL_MAX_LAYERS];  /* state inputs (h, c, key and value caches) */
  struct dl_model *stepper;
  int32_t step_pos, step_streams;
  float *step_tmp;                              /* one state tensor's rows, for reordering */
  float aug[DL_AUG_COUNT];    /* augmentation options (augment.h) */
  float *aug_tmp;             /* one image, for augmentation without allocating per step */
  char *summary;              /* the last dl_model_summary text */
};

/* model.c: build a model; step_mode builds the one-token graph of generate.c */
dl_status dl_model_build(dl_model **out, const char *spec, size_t len, int32_t step_mode);
void dl_generate_free(dl_model *m);

/* program.c */
void dl_program_free(dl_program *p);
void dl_model_optims_free(dl_model *m);
/* The tensor named `name`, or -1. */
int32_t dl_model_tensor(const dl_model *m, const char *name);
/* "x, z, fake, ...": the tensors' names for messages, cut short to fit cap bytes. */
void dl_model_tensor_names(const dl_model *m, char *buf, size_t cap);
struct dl_text;
void dl_program_summary(const dl_model *m, struct dl_text *t);
void dl_loss_catalog(struct dl_text *t);
#endif

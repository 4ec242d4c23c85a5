/* layer_builder.h: what a layer's builder sees (inside core only). layers.c holds the one
 * layer table and the builders of most layers; layers_seq.c the sequence layers. A builder
 * reads its options through the table (lb_val), creates parameters named after its layer
 * (lb_add_param: made by a network's first application, found by later ones) and composes
 * graph ops (lb_add_op), so every error names the layer. */
#ifndef DL_LAYER_BUILDER_H
#define DL_LAYER_BUILDER_H
#include "json.h"
#include "model.h"

/* ---- option kinds, the tables' vocabulary ---- */
typedef enum { K_INT, K_FLOAT, K_BOOL, K_PAIR, K_PADDING, K_INIT, K_SHAPE, K_LAYERS, K_LAYER_NAME } opt_kind;

typedef struct {
  const char *key;
  opt_kind kind;
  double lo, hi, def; /* range and default (numbers), or REQUIRED */
  const char *doc;
} opt_def;

#define MAX_OPTS 8
#define REQUIRED -1 /* as a default: the option must be given */
typedef struct builder builder;
typedef struct {
  const char *name;
  dl_status (*build)(builder *b, int32_t *cur);
  opt_def opts[MAX_OPTS];
  const char *params; /* what it creates, for the catalog */
  const char *doc;
} layer_def;

typedef struct {
  double num;
  int pair[2];
  const dl_json *json;
  int given;
} opt_val;

struct builder {
  dl_model *m;
  dl_graph *g;
  dl_net *net;
  int32_t netid;
  int app;             /* 0: the first application, which creates the parameters */
  int index;           /* layer number in messages, 1-based over the flattened list */
  int rec;             /* next layer record of this network, for reuse */
  char label[160];     /* "layer 3 (conv2d 'c2')" */
  char ops[DL_SHORT_NAME + 8]; /* prefix of op names: "", "D/" or "D#2/" */
  const dl_json *layer;
  const layer_def *def;
  opt_val val[MAX_OPTS];
  dl_layer *info;
};

dl_status lb_fail(builder *b, dl_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* An error from the graph ("conv2d 'c2': ...") with the layer in front. */
dl_status lb_relabel(builder *b, dl_status st);
const opt_val *lb_val(builder *b, const char *key);
int lb_ival(builder *b, const char *key);
float lb_fval(builder *b, const char *key);
/* An op named "<prefix><layer>" or "<prefix><layer>/<suffix>". */
dl_status lb_add_op(builder *b, const char *op, const char *suffix, int nin, const int32_t *in, int ni, const int32_t *ia, int nf,
                    const float *fa, int32_t *id);
/* A parameter "<layer>/<suffix>": created by the first application, found by later ones. */
dl_status lb_add_param(builder *b, const char *suffix, int nd, const int32_t *shape, int flags, int32_t *id);
/* Fill a new parameter from the initializer option `key` (a name or {type, a, b}), or `def`. */
dl_status lb_init_param(builder *b, const char *key, const char *def, int32_t id);
dl_status lb_init_constant(builder *b, int32_t id, float c);

/* layers_seq.c */
dl_status layer_embedding(builder *b, int32_t *cur);
dl_status layer_one_hot(builder *b, int32_t *cur);
dl_status layer_simple_rnn(builder *b, int32_t *cur);
dl_status layer_lstm(builder *b, int32_t *cur);
dl_status layer_gru(builder *b, int32_t *cur);
dl_status layer_positional(builder *b, int32_t *cur);
dl_status layer_attention(builder *b, int32_t *cur);
dl_status layer_transformer(builder *b, int32_t *cur);
#endif

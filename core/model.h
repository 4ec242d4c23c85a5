/* model.h: layers, models built from a JSON spec, losses, training and evaluation loops. The
 * model owns its graph; layers are compositions of graph ops (dense = dense op + activation). */
#ifndef DL_MODEL_H
#define DL_MODEL_H
#include "dl.h"
#include "graph.h"

#define DL_MAX_LAYERS 256
#define DL_MAX_MODEL_PARAMS ((size_t)1 << 26) /* 64M values: far past any playground model */

uint32_t dl_crc32(const uint8_t *p, size_t n); /* IEEE CRC-32, as in the model file */

typedef struct dl_layer {
  char name[DL_NAME_MAX];
  char type[24];
  int32_t out;                /* output node */
  int32_t first_node, end_node; /* nodes [first, end) were created for this layer (its params among them) */
  int32_t params[8], nparams;  /* parameter nodes this layer created itself */
} dl_layer;

struct dl_model {
  dl_graph *g;
  char *spec;                 /* the spec text, for saving */
  size_t spec_len;
  int32_t input, output;
  int32_t nlayers;
  dl_layer *layers;
  int32_t target, loss;       /* -1 until a loss is set */
  int loss_kind;
  float smoothing;
  int32_t classes;            /* output width when the loss takes class labels, else 0 */
  dl_optim *opt;              /* owned; created by dl_model_set_optimizer */
  float aug_shift, aug_rotate, aug_noise;
  float *aug_tmp;             /* one image, for augmentation without allocating per step */
  char *summary;              /* the last dl_model_summary text */
};
#endif

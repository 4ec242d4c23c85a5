/* layers.h: applying a network's layers to a tensor (layers.c holds the one layer table). */
#ifndef DL_LAYERS_H
#define DL_LAYERS_H
#include "json.h"
#include "model.h"

/* Apply network `net` of m to node `x`; on success *out is the network's output node. The
 * first application creates the layers' parameters, later ones reuse them. */
dl_status dl_net_apply(dl_model *m, int32_t net, int32_t x, const char *tensor, int32_t *out);

/* A per-sample shape: an array of 1 to 3 whole sizes in [1, 2^24]. Returns how many, 0 when v
 * is not such an array, or -1 when an entry is not such a size. */
int dl_read_sizes(const dl_json *v, int32_t *out);

struct dl_text;
void dl_layer_catalog(struct dl_text *t); /* "layers":[...],"activations":[...] */
#endif

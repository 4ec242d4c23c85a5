/* init.h: parameter initializers. */
#ifndef DL_INIT_H
#define DL_INIT_H
#include "dl.h"
#include "rng.h"
/* Fill w (shape[ndim]) by name: zeros, constant (a), uniform (low a, high b), normal (mean a,
 * std b), xavier_uniform, xavier_normal, he_uniform, he_normal, orthogonal (gain a, 1 if 0). */
dl_status dl_init_fill(float *w, int32_t ndim, const int32_t *shape, const char *init, float a, float b, dl_rng *rng);
/* Fans: 2-D [in, out] (dense); 4-D [out, in, kh, kw] (conv): fan_in = in*kh*kw, fan_out = out*kh*kw. */
void dl_init_fans(int32_t ndim, const int32_t *shape, double *fan_in, double *fan_out);
struct dl_text;
void dl_init_catalog(struct dl_text *t); /* the initializer names, as JSON */
#endif

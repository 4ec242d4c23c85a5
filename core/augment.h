/* augment.h: random changes to a training image, drawn per sample from a seeded generator, so a
 * network sees a slightly different copy of each image every epoch. One table of the options
 * (augment.c) serves the check, the catalog and the preview a page draws. */
#ifndef DL_AUGMENT_H
#define DL_AUGMENT_H
#include "dl.h"
#include "rng.h"
#include "text.h"

/* In the order dl_model_set_augment and dl_augment take them. */
enum { DL_AUG_SHIFT, DL_AUG_ROTATE, DL_AUG_SCALE, DL_AUG_CROP, DL_AUG_FLIP, DL_AUG_CUTOUT, DL_AUG_NOISE, DL_AUG_COUNT };

/* Every option within its range; `images`: the model has image inputs (else only noise applies). */
dl_status dl_augment_check(const float *opt, int images);
/* Change one image x[C,H,W] in place; tmp holds C*H*W floats. An option at 0 draws nothing. */
void dl_augment_image(const float *opt, dl_rng *r, int C, int H, int W, float *x, float *tmp);
/* The options as JSON: [{"name", "max", "doc"}] in the order above. */
void dl_augment_catalog(dl_text *t);
#endif

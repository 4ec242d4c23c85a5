/* optim.h: optimizer state for saved models (see optim.c). */
#ifndef DL_OPTIM_H
#define DL_OPTIM_H
#include <stdint.h>
#include "dl.h"
size_t dl_optim_state_bytes(dl_optim *o);
void dl_optim_write_state(dl_optim *o, uint8_t *p);
dl_status dl_optim_read_state(dl_optim *o, const uint8_t *p, size_t len);
const char *dl_optim_type(const dl_optim *o);
int64_t dl_optim_steps(const dl_optim *o); /* updates made so far */
/* An optimizer over the trainable parameters whose group bit is set in mask. */
dl_status dl_optim_create_set(dl_optim **out, dl_graph *g, const char *type, uint32_t mask);
uint32_t dl_optim_mask(const dl_optim *o);
int32_t dl_optim_nparams(const dl_optim *o);
int dl_optim_find(const char *type); /* index of an optimizer name, or -1 */
float dl_optim_default_lr(int type);
struct dl_text;
void dl_optim_catalog(struct dl_text *t); /* the optimizers and their options, as JSON */
#endif

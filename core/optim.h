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
#endif

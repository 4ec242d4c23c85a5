/* sched.h: what the rest of the core needs of the schedules beyond dl.h. */
#ifndef DL_SCHED_H
#define DL_SCHED_H
#include "dl.h"
struct dl_text;
void dl_sched_catalog(struct dl_text *t); /* the schedules and their options, as JSON */
#endif

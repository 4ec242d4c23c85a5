/* text.h: a growing string for the JSON the core writes (summaries, the catalog). An allocation
 * failure is remembered, not reported at once, so writers stay short: check `oom` at the end. */
#ifndef DL_TEXT_H
#define DL_TEXT_H
#include <stddef.h>

typedef struct dl_text {
  char *s;
  size_t len, cap;
  int oom;
} dl_text;

void dl_put(dl_text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A JSON number: integers exactly, others with 9 significant digits; non-finite as null. */
void dl_put_num(dl_text *t, double v);
#endif

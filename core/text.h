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
/* Append ", s" (or s, to an empty buf) to the NUL-terminated buf of cap bytes, cutting it short
 * rather than overrunning it: the lists of known names in error messages. */
void dl_append_name(char *buf, size_t cap, const char *s);
/* Names are 1 to max characters, each a letter, digit, '_', '-', or '.' when dot: they go into
 * JSON and file headers as they are. */
int dl_valid_name(const char *s, size_t max, int dot);
#endif

/* text.c: the growing string behind every JSON text the core writes. */
#include "text.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dl_put(dl_text *t, const char *fmt, ...) {
  va_list ap;
  if (t->oom) return;
  for (;;) {
    size_t room = t->cap - t->len;
    va_start(ap, fmt);
    int n = t->s ? vsnprintf(t->s + t->len, room, fmt, ap) : -1;
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? t->cap * 2 : 1024;
    while (n >= 0 && cap < t->len + (size_t)n + 1) cap *= 2;
    char *s = realloc(t->s, cap);
    if (!s) {
      t->oom = 1;
      return;
    }
    t->s = s, t->cap = cap;
  }
}

void dl_append_name(char *buf, size_t cap, const char *s) {
  size_t n = strlen(buf);
  if (n + 1 < cap) snprintf(buf + n, cap - n, n ? ", %s" : "%s", s);
}

int dl_valid_name(const char *s, size_t max, int dot) {
  size_t n = strlen(s);
  if (n < 1 || n > max) return 0;
  for (size_t i = 0; i < n; i++)
    if (!(s[i] == '_' || s[i] == '-' || (dot && s[i] == '.') || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
          (s[i] >= 'A' && s[i] <= 'Z')))
      return 0;
  return 1;
}

void dl_put_num(dl_text *t, double v) {
  if (!isfinite(v)) dl_put(t, "null");
  else if (v == floor(v) && fabs(v) < 9007199254740992.0) dl_put(t, "%.0f", v);
  else dl_put(t, "%.9g", v);
}

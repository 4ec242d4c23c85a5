/* err.c: status codes and the one message slot (the only mutable global besides the default RNG). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__EMSCRIPTEN__) || defined(__GLIBC__)
#include <malloc.h>
#endif
#include "err.h"

static char last_error[512] = "";

dl_status dl_fail(dl_status code, const char *fmt, ...) {
  /* Format into a copy first: callers may pass dl_last_error() itself as an argument, to put
   * context in front of an inner message. */
  char msg[sizeof last_error];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  memcpy(last_error, msg, sizeof msg);
  return code;
}

const char *dl_last_error(void) { return last_error; }
const char *dl_version(void) { return DL_VERSION; }

int32_t dl_simd_enabled(void) {
#ifdef __wasm_simd128__
  return 1;
#else
  return 0;
#endif
}

void *dl_alloc(size_t bytes) { return malloc(bytes ? bytes : 1); }
void dl_free(void *p) { free(p); }

/* Bytes the allocator has handed out and not had back: what leak tests watch (the wasm memory's
 * size only ever grows, so it cannot show a leak). */
double dl_heap_in_use(void) {
#if defined(__EMSCRIPTEN__)
  struct mallinfo mi = mallinfo();
  return (double)mi.uordblks;
#elif defined(__GLIBC__)
  struct mallinfo2 mi = mallinfo2();
  return (double)mi.uordblks;
#else
  return -1.0;
#endif
}

/* err.h: the one message slot behind dl_last_error(). */
#ifndef DL_ERR_H
#define DL_ERR_H
#include "dl.h"

/* Fill the message slot (printf-style) and return `code`, so callers can `return dl_fail(...)`. */
dl_status dl_fail(dl_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#endif

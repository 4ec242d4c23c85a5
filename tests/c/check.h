/* check.h: a tiny test harness. A test is `static void test_<unit>_<behaviour>(void)`; main()
 * calls RUN(test_...) for each and returns check_summary(). CHECK macros print file:line,
 * expected and actual, and count the failure without stopping the test. */
#ifndef DL_CHECK_H
#define DL_CHECK_H
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "dl.h"

/* Defined once in gradcheck.c (linked into every test) so multi-file tests share the counts. */
extern int check_failures, check_tests, check_failed_tests;

#define CHECK(cond)                                                                    \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);         \
      check_failures++;                                                                \
    }                                                                                  \
  } while (0)

#define CHECK_NEAR(got, want, tol)                                                     \
  do {                                                                                 \
    double g_ = (got), w_ = (want), t_ = (tol);                                        \
    if (!(fabs(g_ - w_) <= t_)) {                                                      \
      fprintf(stderr, "%s:%d: %s = %.9g, want %.9g (tolerance %g)\n", __FILE__, __LINE__, #got, g_, w_, t_); \
      check_failures++;                                                                \
    }                                                                                  \
  } while (0)

/* The call succeeds; otherwise print the core's message. */
#define CHECK_OK(expr)                                                                 \
  do {                                                                                 \
    dl_status s_ = (expr);                                                             \
    if (s_ != DL_OK) {                                                                 \
      fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, (int)s_, dl_last_error()); \
      check_failures++;                                                                \
    }                                                                                  \
  } while (0)

/* The call fails with `code` and a message containing `text`. */
#define CHECK_ERR(expr, code, text)                                                    \
  do {                                                                                 \
    dl_status s_ = (expr);                                                             \
    if (s_ != (code) || !strstr(dl_last_error(), (text))) {                            \
      fprintf(stderr, "%s:%d: %s returned %d \"%s\", want %d containing \"%s\"\n", __FILE__, __LINE__, #expr, \
              (int)s_, dl_last_error(), (int)(code), (text));                          \
      check_failures++;                                                                \
    }                                                                                  \
  } while (0)

#define RUN(test)                                                                      \
  do {                                                                                 \
    int before_ = check_failures;                                                      \
    test();                                                                            \
    check_tests++;                                                                     \
    if (check_failures != before_) {                                                   \
      check_failed_tests++;                                                            \
      fprintf(stderr, "FAIL %s\n", #test);                                             \
    }                                                                                  \
  } while (0)

static inline int check_summary(const char *file) {
  printf("%s: %d passed, %d failed\n", file, check_tests - check_failed_tests, check_failed_tests);
  return check_failed_tests ? 1 : 0;
}
#endif

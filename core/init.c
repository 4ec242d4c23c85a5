/* init.c: initializers. Glorot/Xavier keeps the variance of activations and gradients equal
 * across a layer, var = 2/(fan_in + fan_out); He/Kaiming compensates for ReLU zeroing half
 * the inputs, var = 2/fan_in. A uniform U(-l, l) has variance l^2/3, hence l = sqrt(3 var). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "init.h"
#include "size.h"
#include "text.h"

void dl_init_fans(int32_t ndim, const int32_t *shape, double *fan_in, double *fan_out) {
  if (ndim == 1) {
    *fan_in = *fan_out = shape[0];
  } else if (ndim == 2) {
    *fan_in = shape[0], *fan_out = shape[1];
  } else {
    double rf = 1;
    for (int i = 2; i < ndim; i++) rf *= shape[i];
    *fan_in = shape[1] * rf, *fan_out = shape[0] * rf;
  }
}

static void fill_uniform(float *w, size_t k, double lo, double hi, dl_rng *r) {
  for (size_t i = 0; i < k; i++) w[i] = (float)(lo + (hi - lo) * dl_rng_uniform(r));
}
static void fill_normal(float *w, size_t k, double mean, double std, dl_rng *r) {
  for (size_t i = 0; i < k; i++) w[i] = (float)(mean + std * dl_rng_normal(r));
}

/* Rows (dim 0) by the rest: orthonormal rows when rows <= cols, else orthonormal columns
 * (Saxe et al. 2014), from a Gaussian matrix by modified Gram-Schmidt in double. */
#define ORTHOGONAL_MAX_OPS ((uint64_t)1 << 31) /* small^2 x big multiply-adds: a few seconds at most */

static dl_status fill_orthogonal(float *w, size_t rows, size_t cols, double gain, dl_rng *r) {
  size_t small = rows < cols ? rows : cols, big = rows < cols ? cols : rows;
  if (dl_size_mul(dl_size_mul(small, small), big) > ORTHOGONAL_MAX_OPS)
    return dl_fail(DL_ERR_ARG, "orthogonal initialization of a %zu x %zu kernel costs over 2^31 operations; use another initializer", rows, cols);
  double *q = malloc(small * big * sizeof *q);
  if (!q) return dl_fail(DL_ERR_OOM, "out of memory for orthogonal init (%zu x %zu)", rows, cols);
  for (size_t i = 0; i < small * big; i++) q[i] = dl_rng_normal(r);
  for (size_t i = 0; i < small; i++) {
    double *v = q + i * big;
    for (size_t j = 0; j < i; j++) {
      const double *u = q + j * big;
      double d = 0;
      for (size_t k = 0; k < big; k++) d += u[k] * v[k];
      for (size_t k = 0; k < big; k++) v[k] -= d * u[k];
    }
    double norm = 0;
    for (size_t k = 0; k < big; k++) norm += v[k] * v[k];
    norm = sqrt(norm);
    for (size_t k = 0; k < big; k++) v[k] /= norm > 0 ? norm : 1;
  }
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++)
      w[i * cols + j] = (float)(gain * (rows <= cols ? q[i * big + j] : q[j * big + i]));
  free(q);
  return DL_OK;
}

/* The names, for the catalog; dl_init_fill below is the one place that knows what they mean. */
static const struct { const char *name, *alias, *doc; } init_names[] = {
    {"zeros", NULL, "all 0"},
    {"constant", NULL, "all a"},
    {"uniform", NULL, "uniform in [a, b] (default [-0.05, 0.05])"},
    {"normal", NULL, "normal with mean a, std b (default std 0.05)"},
    {"xavier_uniform", "glorot_uniform", "uniform in +-gain sqrt(6 / (fan_in + fan_out))"},
    {"xavier_normal", "glorot_normal", "normal with std gain sqrt(2 / (fan_in + fan_out))"},
    {"he_uniform", "kaiming_uniform", "uniform in +-gain sqrt(6 / fan_in)"},
    {"he_normal", "kaiming_normal", "normal with std gain sqrt(2 / fan_in)"},
    {"orthogonal", NULL, "a random orthogonal matrix times gain"},
};

void dl_init_catalog(dl_text *t) {
  dl_put(t, "[");
  for (size_t i = 0; i < sizeof init_names / sizeof init_names[0]; i++) {
    dl_put(t, "%s{\"name\":\"%s\",\"doc\":\"%s\"", i ? "," : "", init_names[i].name, init_names[i].doc);
    if (init_names[i].alias) dl_put(t, ",\"aliases\":[\"%s\"]", init_names[i].alias);
    dl_put(t, "}");
  }
  dl_put(t, "]");
}

dl_status dl_init_fill(float *w, int32_t ndim, const int32_t *shape, const char *init, float a, float b, dl_rng *rng) {
  if (!init) return dl_fail(DL_ERR_ARG, "initializer: null name");
  if (!isfinite(a) || !isfinite(b)) return dl_fail(DL_ERR_ARG, "initializer %s: arguments must be finite", init);
  size_t k = 1;
  for (int i = 0; i < ndim; i++) k *= (size_t)shape[i];
  double fi, fo, gain = a > 0 ? a : 1.0;
  dl_init_fans(ndim, shape, &fi, &fo);
  if (!strcmp(init, "zeros")) memset(w, 0, k * sizeof *w);
  else if (!strcmp(init, "constant")) for (size_t i = 0; i < k; i++) w[i] = a;
  else if (!strcmp(init, "uniform")) {
    if (!(b >= a)) return dl_fail(DL_ERR_ARG, "initializer uniform: high %g is below low %g", b, a);
    fill_uniform(w, k, a, b, rng);
  } else if (!strcmp(init, "normal")) {
    if (!(b >= 0)) return dl_fail(DL_ERR_ARG, "initializer normal: std %g is negative", b);
    fill_normal(w, k, a, b, rng);
  } else if (!strcmp(init, "xavier_uniform") || !strcmp(init, "glorot_uniform")) {
    double l = gain * sqrt(6.0 / (fi + fo));
    fill_uniform(w, k, -l, l, rng);
  } else if (!strcmp(init, "xavier_normal") || !strcmp(init, "glorot_normal")) {
    fill_normal(w, k, 0, gain * sqrt(2.0 / (fi + fo)), rng);
  } else if (!strcmp(init, "he_uniform") || !strcmp(init, "kaiming_uniform")) {
    double l = gain * sqrt(6.0 / fi);
    fill_uniform(w, k, -l, l, rng);
  } else if (!strcmp(init, "he_normal") || !strcmp(init, "kaiming_normal")) {
    fill_normal(w, k, 0, gain * sqrt(2.0 / fi), rng);
  } else if (!strcmp(init, "orthogonal")) {
    return fill_orthogonal(w, (size_t)shape[0], k / (size_t)shape[0], gain, rng);
  } else {
    return dl_fail(DL_ERR_ARG, "unknown initializer: %s", init);
  }
  return DL_OK;
}

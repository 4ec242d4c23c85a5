/* sched.c: learning-rate schedules, lr(t) for t = 0, 1, 2, ... (batches or epochs: the caller's
 * choice). lr0 is the rate given at creation. Options (dl_sched_set) per schedule:
 *   constant     lr0
 *   step         lr0 gamma^floor(t / step_size)                      step_size (10), gamma (0.1)
 *   exponential  lr0 gamma^t                                         gamma (0.95; up to 2: above 1 it grows)
 *   cosine       lr_min + (lr0 - lr_min)(1 + cos(pi t_i / T_i))/2     period T_0 (100), t_mult (1),
 *                with warm restarts (SGDR): T_i = T_0 t_mult^i;        lr_min (0), restart (1; 0 = stay
 *                                                                      at lr_min after one period)
 *   polynomial   (lr0 - lr_end)(1 - min(t, total)/total)^power + lr_end   total (100), power (1), lr_end (0)
 *   cyclical     triangular between lr0 and lr_max, half a cycle = step_size steps; the amplitude
 *                is multiplied by `decay` after each cycle (0.5 gives "triangular2")
 *                                                                      lr_max (10 lr0), step_size (10), decay (1)
 *   onecycle     from lr0/div up to lr0 at step pct total - 1, then down to lr0/(div final_div) at
 *                step total - 1, both by cosine annealing (PyTorch's OneCycleLR)
 *                                                                      total (100), pct (0.3), div (25), final_div (1e4)
 *   plateau      lr0, multiplied by factor whenever more than `patience` reports pass without the
 *                metric improving by min_delta; then `cooldown` reports of grace, counted down by
 *                every report (PyTorch's ReduceLROnPlateau); never below lr_min
 *                                                                      factor (0.1), patience (10), min_delta (1e-4),
 *                                                                      mode (0 = lower is better, 1 = higher), cooldown (0), lr_min (0)
 * Every schedule also takes warmup (0): the rate is multiplied by min(1, (t + 1)/warmup). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "sched.h"
#include "text.h"

enum { SCH_CONSTANT, SCH_STEP, SCH_EXPONENTIAL, SCH_COSINE, SCH_POLYNOMIAL, SCH_CYCLICAL, SCH_ONECYCLE, SCH_PLATEAU, SCH_COUNT };
static const char *const sched_names[SCH_COUNT] = {"constant", "step", "exponential", "cosine", "polynomial", "cyclical", "onecycle", "plateau"};

struct dl_sched {
  int type;
  double lr0, warmup;
  double step_size, gamma, period, t_mult, lr_min, restart, total, power, lr_end, lr_max, decay, pct, div, final_div;
  double factor, patience, min_delta, mode, cooldown;
  double current, best; /* plateau state */
  int64_t bad, cooling;
  int has_best;
};

#define PI 3.14159265358979323846

dl_status dl_sched_create(dl_sched **out, const char *type, float lr) {
  if (!out || !type) return dl_fail(DL_ERR_ARG, "sched_create: null argument");
  int k = -1;
  for (int i = 0; i < SCH_COUNT; i++)
    if (!strcmp(type, sched_names[i])) k = i;
  if (k < 0) return dl_fail(DL_ERR_ARG, "unknown schedule: %s", type);
  if (!(lr >= 0.0f) || !isfinite(lr)) return dl_fail(DL_ERR_ARG, "learning rate %g must be a finite number >= 0", lr);
  dl_sched *s = calloc(1, sizeof *s);
  if (!s) return dl_fail(DL_ERR_OOM, "out of memory creating a schedule");
  s->type = k, s->lr0 = lr, s->current = lr;
  s->step_size = 10, s->gamma = k == SCH_EXPONENTIAL ? 0.95 : 0.1;
  s->period = 100, s->t_mult = 1, s->restart = 1;
  s->total = 100, s->power = 1, s->lr_max = 10.0 * lr, s->decay = 1;
  s->pct = 0.3, s->div = 25, s->final_div = 1e4;
  s->factor = 0.1, s->patience = 10, s->min_delta = 1e-4;
  *out = s;
  return DL_OK;
}

void dl_sched_destroy(dl_sched *s) { free(s); }

/* The options, one table for the setter and the catalog: key, field, the schedules it belongs
 * to (bit mask; ~0 = all), minimum, maximum, whole numbers only. */
#define ALL ~0u
#define ONLY(k) (1u << (k))
static const struct sched_option {
  const char *key;
  size_t offset;
  unsigned types;
  double lo, hi;
  int integer;
} sched_options[] = {
    {"warmup", offsetof(dl_sched, warmup), ALL, 0, 1e9, 1},
    {"step_size", offsetof(dl_sched, step_size), ONLY(SCH_STEP) | ONLY(SCH_CYCLICAL), 1, 1e9, 1},
    {"gamma", offsetof(dl_sched, gamma), ONLY(SCH_STEP), 1e-12, 1, 0},
    /* above 1 the rate grows: the exponential sweep of a learning-rate range test */
    {"gamma", offsetof(dl_sched, gamma), ONLY(SCH_EXPONENTIAL), 1e-12, 2, 0},
    {"period", offsetof(dl_sched, period), ONLY(SCH_COSINE), 1, 1e9, 1},
    {"t_mult", offsetof(dl_sched, t_mult), ONLY(SCH_COSINE), 1, 100, 0},
    {"restart", offsetof(dl_sched, restart), ONLY(SCH_COSINE), 0, 1, 1},
    {"lr_min", offsetof(dl_sched, lr_min), ONLY(SCH_COSINE) | ONLY(SCH_PLATEAU), 0, 1e9, 0},
    {"total", offsetof(dl_sched, total), ONLY(SCH_POLYNOMIAL) | ONLY(SCH_ONECYCLE), 1, 1e12, 1},
    {"power", offsetof(dl_sched, power), ONLY(SCH_POLYNOMIAL), 1e-6, 100, 0},
    {"lr_end", offsetof(dl_sched, lr_end), ONLY(SCH_POLYNOMIAL), 0, 1e9, 0},
    {"lr_max", offsetof(dl_sched, lr_max), ONLY(SCH_CYCLICAL), 0, 1e9, 0},
    {"decay", offsetof(dl_sched, decay), ONLY(SCH_CYCLICAL), 1e-6, 1, 0},
    {"pct", offsetof(dl_sched, pct), ONLY(SCH_ONECYCLE), 1e-6, 1, 0},
    {"div", offsetof(dl_sched, div), ONLY(SCH_ONECYCLE), 1, 1e9, 0},
    {"final_div", offsetof(dl_sched, final_div), ONLY(SCH_ONECYCLE), 1, 1e12, 0},
    {"factor", offsetof(dl_sched, factor), ONLY(SCH_PLATEAU), 1e-9, 0.999999, 0},
    {"patience", offsetof(dl_sched, patience), ONLY(SCH_PLATEAU), 0, 1e9, 1},
    {"min_delta", offsetof(dl_sched, min_delta), ONLY(SCH_PLATEAU), 0, 1e9, 0},
    {"mode", offsetof(dl_sched, mode), ONLY(SCH_PLATEAU), 0, 1, 1},
    {"cooldown", offsetof(dl_sched, cooldown), ONLY(SCH_PLATEAU), 0, 1e9, 1},
};
#define NSCHED_OPTIONS (sizeof sched_options / sizeof sched_options[0])

dl_status dl_sched_set(dl_sched *s, const char *key, float value) {
  if (!s || !key) return dl_fail(DL_ERR_ARG, "sched_set: null argument");
  const char *name = sched_names[s->type];
  double v = value;
  if (!isfinite(value)) return dl_fail(DL_ERR_ARG, "%s schedule: %s must be a finite number", name, key);
  for (size_t i = 0; i < NSCHED_OPTIONS; i++) {
    const struct sched_option *o = &sched_options[i];
    if (strcmp(key, o->key) || !(o->types >> s->type & 1)) continue; /* (a key may have a row per schedule) */
    if (v < o->lo || v > o->hi) return dl_fail(DL_ERR_ARG, "%s schedule: %s = %g outside [%g, %g]", name, key, v, o->lo, o->hi);
    if (o->integer && v != floor(v)) return dl_fail(DL_ERR_ARG, "%s schedule: %s = %g must be a whole number", name, key, v);
    *(double *)((char *)s + o->offset) = v;
    return DL_OK;
  }
  return dl_fail(DL_ERR_ARG, "unknown option for %s schedule: %s", name, key);
}

void dl_sched_catalog(dl_text *t) {
  dl_put(t, "[");
  for (int k = 0; k < SCH_COUNT; k++) {
    dl_put(t, "%s{\"name\":\"%s\",\"options\":[", k ? "," : "", sched_names[k]);
    int first = 1;
    for (size_t i = 0; i < NSCHED_OPTIONS; i++) {
      const struct sched_option *o = &sched_options[i];
      if (!(o->types >> k & 1)) continue;
      dl_put(t, "%s{\"name\":\"%s\",\"type\":\"%s\",\"min\":", first ? "" : ",", o->key, o->integer ? "int" : "number");
      dl_put_num(t, o->lo);
      dl_put(t, ",\"max\":");
      dl_put_num(t, o->hi);
      dl_put(t, "}");
      first = 0;
    }
    dl_put(t, "]}");
  }
  dl_put(t, "]");
}

static double cosine_between(double hi, double lo, double frac) { return lo + (hi - lo) * (1.0 + cos(PI * frac)) / 2.0; }

float dl_sched_lr(const dl_sched *s, int64_t step) {
  if (!s) return 0.0f;
  double t = step < 0 ? 0 : (double)step, lr = s->lr0;
  switch (s->type) {
  case SCH_CONSTANT: break;
  case SCH_STEP: lr = s->lr0 * pow(s->gamma, floor(t / s->step_size)); break;
  case SCH_EXPONENTIAL: lr = s->lr0 * pow(s->gamma, t); break;
  case SCH_COSINE: {
    double T = s->period, tc = t;
    if (!s->restart) {
      tc = t < T ? t : T;
    } else if (s->t_mult == 1.0) {
      tc = fmod(t, T);
    } else {
      while (tc >= T) tc -= T, T *= s->t_mult;
    }
    lr = cosine_between(s->lr0, s->lr_min, tc / T);
    break;
  }
  case SCH_POLYNOMIAL: {
    double f = 1.0 - (t < s->total ? t : s->total) / s->total;
    lr = (s->lr0 - s->lr_end) * pow(f, s->power) + s->lr_end;
    break;
  }
  case SCH_CYCLICAL: {
    double cycle = floor(1.0 + t / (2.0 * s->step_size)), x = fabs(t / s->step_size - 2.0 * cycle + 1.0);
    lr = s->lr0 + (s->lr_max - s->lr0) * (x < 1.0 ? 1.0 - x : 0.0) * pow(s->decay, cycle - 1.0);
    break;
  }
  case SCH_ONECYCLE: { /* as PyTorch's OneCycleLR: the peak at step pct total - 1, the end at total - 1 */
    double e1 = s->pct * s->total - 1.0, e2 = s->total - 1.0, lo = s->lr0 / s->div, end = lo / s->final_div;
    if (t <= e1) lr = cosine_between(s->lr0, lo, 1.0 - (e1 > 0 ? t / e1 : 1.0)); /* rising: lo at t = 0, lr0 at e1 */
    else lr = cosine_between(s->lr0, end, e2 > e1 ? ((t < e2 ? t : e2) - e1) / (e2 - e1) : 1.0);
    break;
  }
  case SCH_PLATEAU: lr = s->current; break;
  }
  if (s->warmup > 0 && t + 1 < s->warmup) lr *= (t + 1) / s->warmup;
  return (float)lr;
}

dl_status dl_sched_report(dl_sched *s, float metric) {
  if (!s) return dl_fail(DL_ERR_ARG, "sched_report: null schedule");
  if (!isfinite(metric)) return dl_fail(DL_ERR_NUMERIC, "%s schedule: reported metric is not finite", sched_names[s->type]);
  if (s->type != SCH_PLATEAU) return DL_OK; /* other schedules ignore metrics */
  /* As PyTorch's ReduceLROnPlateau: every report counts down the cooldown, improving or not,
   * and bad reports during it are forgotten. */
  double m = s->mode ? -(double)metric : metric; /* lower is better from here on */
  if (!s->has_best || m < s->best - s->min_delta) s->best = m, s->has_best = 1, s->bad = 0;
  else s->bad++;
  if (s->cooling > 0) s->cooling--, s->bad = 0;
  if (s->bad > s->patience) {
    double next = s->current * s->factor;
    s->current = next > s->lr_min ? next : s->lr_min;
    s->bad = 0;
    s->cooling = (int64_t)s->cooldown;
  }
  return DL_OK;
}

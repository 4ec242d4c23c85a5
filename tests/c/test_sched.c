/* test_sched.c: learning-rate schedules against values worked out from the formulas in sched.c. */
#include "check.h"
#include "dl.h"

#define PI 3.14159265358979323846
/* the schedule returns a float */
#define CHECK_LR(s, t, want) CHECK_NEAR(dl_sched_lr((s), (t)), (want), 1e-6 * fmax(1e-3, fabs(want)))

static dl_sched *sched(const char *type, float lr) {
  dl_sched *s = NULL;
  CHECK_OK(dl_sched_create(&s, type, lr));
  return s;
}

/* lo + (hi - lo)(1 + cos(pi f))/2 */
static double cosine(double hi, double lo, double f) { return lo + (hi - lo) * (1 + cos(PI * f)) / 2; }

static void test_constant_keeps_rate(void) {
  dl_sched *s = sched("constant", 0.1f);
  CHECK_LR(s, 0, 0.1f);
  CHECK_LR(s, 7, 0.1f);
  CHECK_LR(s, 1000000, 0.1f);
  dl_sched_destroy(s);
}

static void test_step_multiplies_by_gamma_every_step_size(void) {
  dl_sched *s = sched("step", 1.0f);
  CHECK_LR(s, 9, 1.0); /* defaults: step_size 10, gamma 0.1 */
  CHECK_LR(s, 10, 0.1);
  CHECK_OK(dl_sched_set(s, "step_size", 3));
  CHECK_OK(dl_sched_set(s, "gamma", 0.5f));
  CHECK_LR(s, 0, 1.0);
  CHECK_LR(s, 2, 1.0);
  CHECK_LR(s, 3, 0.5);
  CHECK_LR(s, 8, 0.25);
  CHECK_LR(s, 9, 0.125);
  dl_sched_destroy(s);
}

static void test_exponential_is_gamma_to_the_t(void) {
  dl_sched *s = sched("exponential", 2.0f);
  CHECK_LR(s, 2, 2 * 0.95 * 0.95); /* default gamma 0.95 */
  CHECK_OK(dl_sched_set(s, "gamma", 0.5f));
  CHECK_LR(s, 0, 2.0);
  CHECK_LR(s, 1, 1.0);
  CHECK_LR(s, 10, 2.0 / 1024);
  dl_sched_destroy(s);
}

static void test_cosine_anneals_and_restarts_every_period(void) {
  dl_sched *s = sched("cosine", 1.0f);
  CHECK_OK(dl_sched_set(s, "period", 10));
  CHECK_OK(dl_sched_set(s, "lr_min", 0.1f));
  CHECK_LR(s, 0, 1.0);
  CHECK_LR(s, 3, cosine(1, 0.1, 0.3));
  CHECK_LR(s, 5, 0.55);
  CHECK_LR(s, 9, cosine(1, 0.1, 0.9));
  CHECK_LR(s, 10, 1.0);
  CHECK_LR(s, 15, 0.55);
  dl_sched_destroy(s);
}

/* t_mult 2 from period 4: periods [0, 4), [4, 12), [12, 28). */
static void test_cosine_restart_periods_grow_by_t_mult(void) {
  dl_sched *s = sched("cosine", 1.0f);
  CHECK_OK(dl_sched_set(s, "period", 4));
  CHECK_OK(dl_sched_set(s, "t_mult", 2));
  CHECK_OK(dl_sched_set(s, "lr_min", 0.1f));
  CHECK_LR(s, 2, 0.55);
  CHECK_LR(s, 3, cosine(1, 0.1, 0.75));
  CHECK_LR(s, 4, 1.0);
  CHECK_LR(s, 8, 0.55);
  CHECK_LR(s, 11, cosine(1, 0.1, 7.0 / 8));
  CHECK_LR(s, 12, 1.0);
  CHECK_LR(s, 20, 0.55);
  CHECK_LR(s, 27, cosine(1, 0.1, 15.0 / 16));
  CHECK_LR(s, 28, 1.0);
  dl_sched_destroy(s);
}

static void test_cosine_without_restart_stays_at_lr_min(void) {
  dl_sched *s = sched("cosine", 1.0f);
  CHECK_OK(dl_sched_set(s, "period", 10));
  CHECK_OK(dl_sched_set(s, "lr_min", 0.1f));
  CHECK_OK(dl_sched_set(s, "restart", 0));
  CHECK_LR(s, 5, 0.55);
  CHECK_LR(s, 10, 0.1);
  CHECK_LR(s, 11, 0.1);
  CHECK_LR(s, 1000, 0.1);
  dl_sched_destroy(s);
}

static void test_polynomial_decays_to_lr_end_and_stays(void) {
  dl_sched *s = sched("polynomial", 1.0f);
  CHECK_LR(s, 25, 0.75); /* defaults: total 100, power 1, lr_end 0 */
  CHECK_OK(dl_sched_set(s, "total", 10));
  CHECK_OK(dl_sched_set(s, "power", 2));
  CHECK_OK(dl_sched_set(s, "lr_end", 0.1f));
  CHECK_LR(s, 0, 1.0);
  CHECK_LR(s, 5, 0.9 * 0.25 + 0.1);
  CHECK_LR(s, 8, 0.9 * 0.04 + 0.1);
  CHECK_LR(s, 10, 0.1);
  CHECK_LR(s, 20, 0.1);
  dl_sched_destroy(s);
}

static void test_cyclical_is_triangular_between_lr0_and_lr_max(void) {
  dl_sched *s = sched("cyclical", 0.1f);
  CHECK_LR(s, 10, 1.0); /* defaults: lr_max 10 lr0, step_size 10 */
  CHECK_LR(s, 20, 0.1);
  CHECK_OK(dl_sched_set(s, "lr_max", 1.1f));
  CHECK_OK(dl_sched_set(s, "step_size", 5));
  CHECK_LR(s, 0, 0.1);
  CHECK_LR(s, 2, 0.5);
  CHECK_LR(s, 5, 1.1);
  CHECK_LR(s, 7, 0.7);
  CHECK_LR(s, 10, 0.1);
  CHECK_LR(s, 15, 1.1);
  dl_sched_destroy(s);
}

static void test_cyclical_decay_halves_amplitude_each_cycle(void) {
  dl_sched *s = sched("cyclical", 0.1f);
  CHECK_OK(dl_sched_set(s, "lr_max", 1.1f));
  CHECK_OK(dl_sched_set(s, "step_size", 5));
  CHECK_OK(dl_sched_set(s, "decay", 0.5f));
  CHECK_LR(s, 5, 1.1);
  CHECK_LR(s, 10, 0.1);
  CHECK_LR(s, 15, 0.6);
  CHECK_LR(s, 18, 0.1 + 0.5 * 0.4);
  CHECK_LR(s, 25, 0.35);
  dl_sched_destroy(s);
}

/* lr0 1, total 100, pct 0.3, div 25, final_div 1e4: 0.04 up to 1 by t = 30, then to 4e-6. */
/* PyTorch's OneCycleLR counting: with total 100 and pct 0.3 the peak is at step 29, the end at 99. */
static void test_onecycle_rises_to_lr0_then_anneals(void) {
  dl_sched *s = sched("onecycle", 1.0f);
  CHECK_LR(s, 0, 0.04);
  CHECK_LR(s, 10, 0.04 + 0.96 * (1 - cos(3.14159265358979 * 10 / 29)) / 2);
  CHECK_LR(s, 29, 1.0);
  CHECK_LR(s, 64, cosine(1, 4e-6, 0.5)); /* half way down: (64 - 29) / (99 - 29) */
  CHECK_LR(s, 99, 4e-6);
  CHECK_LR(s, 500, 4e-6);
  dl_sched_destroy(s);
}

static void test_warmup_scales_any_schedule(void) {
  dl_sched *s = sched("constant", 0.1f);
  CHECK_OK(dl_sched_set(s, "warmup", 4));
  CHECK_LR(s, 0, 0.025);
  CHECK_LR(s, 1, 0.05);
  CHECK_LR(s, 2, 0.075);
  CHECK_LR(s, 3, 0.1);
  CHECK_LR(s, 50, 0.1);
  dl_sched_destroy(s);
  s = sched("step", 1.0f);
  CHECK_OK(dl_sched_set(s, "step_size", 2));
  CHECK_OK(dl_sched_set(s, "gamma", 0.5f));
  CHECK_OK(dl_sched_set(s, "warmup", 4));
  CHECK_LR(s, 2, 0.5 * 0.75);
  CHECK_LR(s, 4, 0.25);
  dl_sched_destroy(s);
}

static void test_plateau_lowers_after_patience_reports_without_progress(void) {
  dl_sched *s = sched("plateau", 1.0f);
  CHECK_OK(dl_sched_set(s, "patience", 2));
  CHECK_OK(dl_sched_set(s, "factor", 0.5f));
  CHECK_OK(dl_sched_set(s, "min_delta", 0.01f));
  const float metrics[] = {1.0f, 0.9f, 0.8f, 0.795f, 0.85f};
  for (int i = 0; i < 5; i++) CHECK_OK(dl_sched_report(s, metrics[i])); /* two misses: grace */
  CHECK_LR(s, 0, 1.0);
  CHECK_LR(s, 99, 1.0);
  CHECK_OK(dl_sched_report(s, 0.8f)); /* the third */
  CHECK_LR(s, 0, 0.5);
  CHECK_OK(dl_sched_report(s, 0.8f));
  CHECK_OK(dl_sched_report(s, 0.8f));
  CHECK_LR(s, 0, 0.5);
  CHECK_OK(dl_sched_report(s, 0.8f));
  CHECK_LR(s, 0, 0.25);
  dl_sched_destroy(s);
}

static void test_plateau_mode_1_treats_higher_as_better(void) {
  dl_sched *s = sched("plateau", 1.0f);
  CHECK_OK(dl_sched_set(s, "patience", 1));
  CHECK_OK(dl_sched_set(s, "factor", 0.5f));
  CHECK_OK(dl_sched_set(s, "mode", 1));
  const float rising[] = {0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
  for (int i = 0; i < 5; i++) CHECK_OK(dl_sched_report(s, rising[i]));
  CHECK_LR(s, 0, 1.0);
  CHECK_OK(dl_sched_report(s, 0.1f));
  CHECK_OK(dl_sched_report(s, 0.1f));
  CHECK_LR(s, 0, 0.5);
  dl_sched_destroy(s);
}

static void test_plateau_cooldown_gives_grace_after_lowering(void) {
  dl_sched *s = sched("plateau", 1.0f);
  CHECK_OK(dl_sched_set(s, "patience", 0));
  CHECK_OK(dl_sched_set(s, "factor", 0.5f));
  CHECK_OK(dl_sched_set(s, "cooldown", 2));
  const double after[] = {1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125};
  for (int i = 0; i < 8; i++) {
    CHECK_OK(dl_sched_report(s, 1.0f));
    CHECK_LR(s, 0, after[i]);
  }
  dl_sched_destroy(s);
}

static void test_plateau_never_goes_below_lr_min(void) {
  dl_sched *s = sched("plateau", 1.0f);
  CHECK_OK(dl_sched_set(s, "patience", 0));
  CHECK_OK(dl_sched_set(s, "lr_min", 0.05f));
  const double after[] = {1.0, 0.1, 0.05, 0.05};
  for (int i = 0; i < 4; i++) {
    CHECK_OK(dl_sched_report(s, 3.0f));
    CHECK_LR(s, 0, after[i]);
  }
  dl_sched_destroy(s);
}

static void test_non_plateau_schedules_ignore_reports(void) {
  dl_sched *s = sched("step", 1.0f);
  for (int i = 0; i < 30; i++) CHECK_OK(dl_sched_report(s, 1.0f));
  CHECK_LR(s, 0, 1.0);
  dl_sched_destroy(s);
}

static void test_sched_create_rejects_unknown_type_and_bad_rate(void) {
  dl_sched *s = NULL;
  CHECK_ERR(dl_sched_create(&s, "linear", 0.1f), DL_ERR_ARG, "linear");
  CHECK_ERR(dl_sched_create(&s, "step", -0.1f), DL_ERR_ARG, "learning rate");
  CHECK_ERR(dl_sched_create(&s, "step", NAN), DL_ERR_ARG, "learning rate");
  CHECK(s == NULL);
}

static void test_sched_set_rejects_option_of_another_schedule(void) {
  dl_sched *s = sched("cosine", 1.0f);
  CHECK_ERR(dl_sched_set(s, "gamma", 0.5f), DL_ERR_ARG, "gamma");
  CHECK_ERR(dl_sched_set(s, "patience", 3), DL_ERR_ARG, "cosine");
  CHECK_ERR(dl_sched_set(s, "bogus", 1), DL_ERR_ARG, "bogus");
  dl_sched_destroy(s);
}

/* exponential takes gamma up to 2, where the rate grows (a range test's sweep); step does not */
static void test_exponential_gamma_above_one_grows(void) {
  dl_sched *s = sched("exponential", 1e-4f);
  CHECK_OK(dl_sched_set(s, "gamma", 1.5f));
  CHECK_LR(s, 4, 1e-4 * 1.5 * 1.5 * 1.5 * 1.5);
  CHECK_ERR(dl_sched_set(s, "gamma", 2.5f), DL_ERR_ARG, "gamma");
  dl_sched_destroy(s);
}

static void test_sched_set_rejects_out_of_range_and_fractional_values(void) {
  dl_sched *s = sched("step", 1.0f);
  CHECK_ERR(dl_sched_set(s, "gamma", 1.5f), DL_ERR_ARG, "gamma");
  CHECK_ERR(dl_sched_set(s, "gamma", 0.0f), DL_ERR_ARG, "gamma");
  CHECK_ERR(dl_sched_set(s, "step_size", 0), DL_ERR_ARG, "step_size");
  CHECK_ERR(dl_sched_set(s, "step_size", 2.5f), DL_ERR_ARG, "whole number");
  CHECK_ERR(dl_sched_set(s, "warmup", -1), DL_ERR_ARG, "warmup");
  CHECK_ERR(dl_sched_set(s, "gamma", NAN), DL_ERR_ARG, "gamma");
  CHECK_LR(s, 10, 0.1); /* the defaults survived */
  dl_sched_destroy(s);
  s = sched("plateau", 1.0f);
  CHECK_ERR(dl_sched_set(s, "factor", 1.0f), DL_ERR_ARG, "factor"); /* 1 would never lower */
  CHECK_ERR(dl_sched_set(s, "mode", 2), DL_ERR_ARG, "mode");
  dl_sched_destroy(s);
  s = sched("cosine", 1.0f);
  CHECK_ERR(dl_sched_set(s, "t_mult", 0.5f), DL_ERR_ARG, "t_mult");
  dl_sched_destroy(s);
}

static void test_plateau_rejects_nonfinite_metric(void) {
  dl_sched *s = sched("plateau", 1.0f);
  CHECK_OK(dl_sched_set(s, "patience", 0));
  CHECK_OK(dl_sched_report(s, 1.0f));
  CHECK_ERR(dl_sched_report(s, NAN), DL_ERR_NUMERIC, "not finite");
  CHECK_ERR(dl_sched_report(s, INFINITY), DL_ERR_NUMERIC, "not finite");
  CHECK_LR(s, 0, 1.0); /* a NaN is no report, not a miss */
  dl_sched_destroy(s);
}

int main(void) {
  RUN(test_constant_keeps_rate);
  RUN(test_step_multiplies_by_gamma_every_step_size);
  RUN(test_exponential_is_gamma_to_the_t);
  RUN(test_cosine_anneals_and_restarts_every_period);
  RUN(test_cosine_restart_periods_grow_by_t_mult);
  RUN(test_cosine_without_restart_stays_at_lr_min);
  RUN(test_polynomial_decays_to_lr_end_and_stays);
  RUN(test_cyclical_is_triangular_between_lr0_and_lr_max);
  RUN(test_cyclical_decay_halves_amplitude_each_cycle);
  RUN(test_onecycle_rises_to_lr0_then_anneals);
  RUN(test_warmup_scales_any_schedule);
  RUN(test_plateau_lowers_after_patience_reports_without_progress);
  RUN(test_plateau_mode_1_treats_higher_as_better);
  RUN(test_plateau_cooldown_gives_grace_after_lowering);
  RUN(test_plateau_never_goes_below_lr_min);
  RUN(test_non_plateau_schedules_ignore_reports);
  RUN(test_sched_create_rejects_unknown_type_and_bad_rate);
  RUN(test_sched_set_rejects_option_of_another_schedule);
  RUN(test_exponential_gamma_above_one_grows);
  RUN(test_sched_set_rejects_out_of_range_and_fractional_values);
  RUN(test_plateau_rejects_nonfinite_metric);
  return check_summary(__FILE__);
}

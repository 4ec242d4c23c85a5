/* augment.c: data augmentation. The geometric changes (flip, shift, rotation, zoom, crop) make
 * one map from each output pixel back to the source, sampled bilinearly with zeros outside, so
 * they compose without blurring the image twice; then cutout blanks a square and noise is added.
 * Each option at 0 draws nothing from the generator, so turning one on leaves the draws of the
 * others as they were. */
#include <math.h>
#include <string.h>
#include "augment.h"
#include "err.h"

static const struct {
  const char *name, *doc;
  float max;
} OPTIONS[DL_AUG_COUNT] = {
    {"shift", "up to this many pixels each way", 8},
    {"rotate", "up to this many degrees each way", 45},
    {"scale", "zoom by a factor in [1 - s, 1 + s] about the centre", 0.5f},
    {"crop", "a window of (1 - c) to all of the side, at a random place, stretched to full size", 0.5f},
    {"flip", "the chance of a left-right mirror", 1},
    {"cutout", "a square of this many pixels set to 0, centred anywhere", 16},
    {"noise", "Gaussian noise of this standard deviation on every value", 1},
};

dl_status dl_augment_check(const float *opt, int images) {
  for (int k = 0; k < DL_AUG_COUNT; k++) {
    if (!(opt[k] >= 0 && opt[k] <= OPTIONS[k].max))
      return dl_fail(DL_ERR_ARG, "augmentation %s is %g: expected 0 to %g (%s)", OPTIONS[k].name, opt[k], OPTIONS[k].max, OPTIONS[k].doc);
    if (k != DL_AUG_NOISE && opt[k] > 0 && !images)
      return dl_fail(DL_ERR_ARG, "augmentation %s needs image inputs [channels, height, width]", OPTIONS[k].name);
  }
  return DL_OK;
}

void dl_augment_catalog(dl_text *t) {
  dl_put(t, "[");
  for (int k = 0; k < DL_AUG_COUNT; k++) {
    dl_put(t, "%s{\"name\":\"%s\",\"doc\":\"%s\",\"max\":", k ? "," : "", OPTIONS[k].name, OPTIONS[k].doc);
    dl_put_num(t, OPTIONS[k].max);
    dl_put(t, "}");
  }
  dl_put(t, "]");
}

/* A draw in [-1, 1). */
static float sym(dl_rng *r) { return 2 * dl_rng_uniform(r) - 1; }

static void warp(const float *opt, dl_rng *r, int C, int H, int W, float *x, float *src) {
  float dy = 0, dx = 0, ca = 1, sa = 0, zoom = 1, win = 1, oy = 0, ox = 0, mirror = 1;
  if (opt[DL_AUG_SHIFT] > 0 || opt[DL_AUG_ROTATE] > 0) {
    dy = sym(r) * opt[DL_AUG_SHIFT], dx = sym(r) * opt[DL_AUG_SHIFT];
    float a = sym(r) * opt[DL_AUG_ROTATE] * 3.14159265f / 180.0f;
    ca = cosf(a), sa = sinf(a);
  }
  if (opt[DL_AUG_SCALE] > 0) zoom = 1 + sym(r) * opt[DL_AUG_SCALE];
  if (opt[DL_AUG_CROP] > 0) { /* the window's side, then where its centre sits (it stays inside) */
    win = 1 - dl_rng_uniform(r) * opt[DL_AUG_CROP];
    oy = sym(r) * (1 - win) * H / 2, ox = sym(r) * (1 - win) * W / 2;
  }
  if (opt[DL_AUG_FLIP] > 0 && dl_rng_uniform(r) < opt[DL_AUG_FLIP]) mirror = -1;
  float cy = (H - 1) / 2.0f, cx = (W - 1) / 2.0f;
  memcpy(src, x, (size_t)C * H * W * sizeof(float));
  for (int i = 0; i < H; i++)
    for (int j = 0; j < W; j++) { /* undo each change in reverse: where in the source does (i, j) come from */
      float v = i - cy - dy, u = mirror * (j - cx) - dx;
      float rv = (ca * v + sa * u) / zoom, ru = (-sa * v + ca * u) / zoom;
      float sy = rv * win + oy + cy, sx = ru * win + ox + cx;
      int y0 = (int)floorf(sy), x0 = (int)floorf(sx);
      float fy = sy - y0, fx = sx - x0;
      for (int c = 0; c < C; c++) {
        const float *p = src + (size_t)c * H * W;
        float val = 0;
        for (int q = 0; q < 4; q++) {
          int yy = y0 + (q >> 1), xx = x0 + (q & 1);
          float wgt = ((q >> 1) ? fy : 1 - fy) * ((q & 1) ? fx : 1 - fx);
          if (yy >= 0 && yy < H && xx >= 0 && xx < W) val += wgt * p[yy * W + xx];
        }
        x[((size_t)c * H + i) * W + j] = val;
      }
    }
}

void dl_augment_image(const float *opt, dl_rng *r, int C, int H, int W, float *x, float *tmp) {
  int geometric = 0;
  for (int k = DL_AUG_SHIFT; k <= DL_AUG_FLIP; k++) geometric |= opt[k] > 0;
  if (geometric && H > 1) warp(opt, r, C, H, W, x, tmp);
  if (opt[DL_AUG_CUTOUT] > 0 && H > 1) { /* DeVries and Taylor's cutout: the square may hang over the edge */
    int side = (int)lroundf(opt[DL_AUG_CUTOUT]), top = (int)dl_rng_below(r, (uint32_t)H) - side / 2, left = (int)dl_rng_below(r, (uint32_t)W) - side / 2;
    for (int c = 0; c < C; c++)
      for (int i = top < 0 ? 0 : top; i < top + side && i < H; i++)
        for (int j = left < 0 ? 0 : left; j < left + side && j < W; j++) x[((size_t)c * H + i) * W + j] = 0;
  }
  if (opt[DL_AUG_NOISE] > 0)
    for (size_t i = 0, k = (size_t)C * H * W; i < k; i++) x[i] += opt[DL_AUG_NOISE] * dl_rng_normal(r);
}

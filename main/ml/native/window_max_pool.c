/*
 * The gradient of max pooling over non-overlapping windows (window = stride), for the wasm
 * backend (main/ml/dim/layers.ts uses it when the addon is built): each input takes its window's
 * dy where it equals the window's maximum, 0 elsewhere — the same rule, ties included, as the
 * composed mask of layers.ts, in one pass instead of two upsamplings, a compare, a cast and a
 * product. Both run over the images in shares on the BLAS threads (parallel_shares.c).
 */
#include <string.h>
#include "kernels.h"
#include "parallel_shares.h"

typedef struct {
  const float *x, *pooled, *dy;
  float *out;
  size_t h, w, c, wh, ww, ph, pw;
} pool_task;

/* One position's channels: dx = dy where x is its window's maximum (restrict parameters: GCC vectorises this without a runtime aliasing check). */
static inline void pool_grad_channels(const float *restrict in, const float *restrict max, const float *restrict g, float *restrict out, size_t c) {
  for (size_t k = 0; k < c; k++) out[k] = in[k] == max[k] ? g[k] : 0.0f;
}

static void pool_grad_share(void *context, int share, size_t from, size_t to) {
  (void)share;
  const pool_task *t = context;
  const size_t h = t->h, w = t->w, c = t->c, wh = t->wh, ww = t->ww, ph = t->ph, pw = t->pw;
  for (size_t b = from; b < to; b++)
    for (size_t y = 0; y < h; y++)
      for (size_t xx = 0; xx < w; xx++) {
        const size_t at = ((b * h + y) * w + xx) * c, window = ((b * ph + y / wh) * pw + xx / ww) * c;
        pool_grad_channels(t->x + at, t->pooled + window, t->dy + window, t->out + at, c);
      }
}

static void pool_share(void *context, int share, size_t from, size_t to) {
  (void)share;
  const pool_task *t = context;
  const size_t h = t->h, w = t->w, c = t->c, wh = t->wh, ww = t->ww, ph = t->ph, pw = t->pw;
  for (size_t b = from; b < to; b++)
    for (size_t py = 0; py < ph; py++)
      for (size_t px = 0; px < pw; px++) {
        float *restrict out = t->out + ((b * ph + py) * pw + px) * c;
        for (size_t y = 0; y < wh; y++)
          for (size_t xx = 0; xx < ww; xx++) {
            const float *restrict in = t->x + ((b * h + py * wh + y) * w + px * ww + xx) * c;
            if (y == 0 && xx == 0) memcpy(out, in, c * sizeof(float));
            else
              for (size_t k = 0; k < c; k++) out[k] = in[k] > out[k] ? in[k] : out[k];
          }
      }
}

/* windowMaxPoolGrad(x, pooled, dy, dx, dims = [n, h, w, c, windowH, windowW]) */
napi_value window_max_pool_grad(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *x, *pooled, *dy, *dx;
  const int *d;
  size_t xLen, pLen, dyLen, dxLen, dLen;
  if (argc < 5 || !float_view(env, args[0], &x, &xLen) || !float_view(env, args[1], &pooled, &pLen) ||
      !float_view(env, args[2], &dy, &dyLen) || !float_view(env, args[3], &dx, &dxLen) || !int_view(env, args[4], &d, &dLen))
    return NULL;
  if (dLen < 6 || d[4] < 1 || d[5] < 1 || d[1] % d[4] != 0 || d[2] % d[5] != 0) {
    napi_throw_range_error(env, NULL, "windowMaxPoolGrad needs dims [n, h, w, c, windowH, windowW] with windows dividing the sides");
    return NULL;
  }
  const size_t n = d[0], h = d[1], w = d[2], c = d[3], wh = d[4], ww = d[5], ph = h / wh, pw = w / ww;
  if (!check_length(env, xLen < dxLen ? xLen : dxLen, n * h * w * c, "windowMaxPoolGrad: x or dx shorter than its dimensions") ||
      !check_length(env, pLen < dyLen ? pLen : dyLen, n * ph * pw * c, "windowMaxPoolGrad: pooled or dy shorter than its dimensions"))
    return NULL;
  pool_task task = {x, pooled, dy, dx, h, w, c, wh, ww, ph, pw};
  parallel_shares(n, h * w * c, pool_grad_share, &task);
  return NULL;
}

/*
 * windowMaxPool(x, pooled, dims = [n, h, w, c, windowH, windowW]): max pooling over non-overlapping
 * windows that divide the sides (the encoder's 2×2, stride 2), one pass over x. The wasm backend's
 * own MaxPool took 5 ms for DIM-64's first pooling at batch 64, a tenth of an inference.
 */
napi_value window_max_pool(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *x, *pooled;
  const int *d;
  size_t xLen, pLen, dLen;
  if (argc < 3 || !float_view(env, args[0], &x, &xLen) || !float_view(env, args[1], &pooled, &pLen) || !int_view(env, args[2], &d, &dLen)) return NULL;
  if (dLen < 6 || d[4] < 1 || d[5] < 1 || d[1] % d[4] != 0 || d[2] % d[5] != 0) {
    napi_throw_range_error(env, NULL, "windowMaxPool needs dims [n, h, w, c, windowH, windowW] with windows dividing the sides");
    return NULL;
  }
  const size_t n = d[0], h = d[1], w = d[2], c = d[3], wh = d[4], ww = d[5], ph = h / wh, pw = w / ww;
  if (!check_length(env, xLen, n * h * w * c, "windowMaxPool: x shorter than its dimensions") ||
      !check_length(env, pLen, n * ph * pw * c, "windowMaxPool: pooled shorter than its dimensions"))
    return NULL;
  pool_task task = {x, NULL, NULL, pooled, h, w, c, wh, ww, ph, pw};
  parallel_shares(n, h * w * c, pool_share, &task);
  return NULL;
}

/*
 * LeakyReLU(BatchNorm(x)) with batch statistics and its closed-form gradient, for the wasm backend
 * (main/ml/dim/layers.ts uses it when the addon is built). x is [M, C] row-major (NHWC flattened).
 * A few streaming passes instead of the dozen single-threaded elementwise kernels the composed
 * version runs. Sums are taken in float over blocks of rows and added up in double; every inner
 * loop runs along the channels, contiguous and free of aliasing, so the compiler vectorises it.
 * Each pass runs over the rows in shares on the BLAS threads (parallel_shares.c); the shares' sums
 * are added in share order.
 *
 *   forward:  mean, var over M;  x̂ = (x − mean)·rstd;  pre = γ·x̂ + β;  out = pre > 0 ? pre : α·pre
 *   backward: dp = dy·(pre > 0 ? 1 : α);  dβ = Σ dp;  dγ = Σ dp·x̂;
 *             dx = γ·rstd·(dp − dβ/M − x̂·dγ/M)
 */
#include <math.h>
#include <stdlib.h>
#include "kernels.h"
#include "parallel_shares.h"

static int read_dims(napi_env env, napi_value value, size_t *m, size_t *c) {
  const int *d;
  size_t length;
  if (!int_view(env, value, &d, &length)) return 0;
  if (length < 2 || d[0] < 1 || d[1] < 1) {
    napi_throw_range_error(env, NULL, "batch norm needs dims [M, C] with M, C ≥ 1");
    return 0;
  }
  *m = (size_t)d[0];
  *c = (size_t)d[1];
  return 1;
}

static int read_float(napi_env env, napi_value value, float *out) {
  double v;
  if (napi_get_value_double(env, value, &v) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return 0;
  }
  *out = (float)v;
  return 1;
}

enum { BLOCK_ROWS = 128 };

/* sum[k] += Σ_r x[r, k] over rows [from, to) (first pass) — or Σ_r (x[r, k] − mean[k])² when mean is given. */
static void channel_sums(const float *restrict x, size_t from, size_t to, size_t c, const float *restrict mean, double *restrict sum, float *restrict partial) {
  for (size_t start = from; start < to; start += BLOCK_ROWS) {
    const size_t end = start + BLOCK_ROWS < to ? start + BLOCK_ROWS : to;
    for (size_t k = 0; k < c; k++) partial[k] = 0;
    for (size_t r = start; r < end; r++) {
      const float *restrict row = x + r * c;
      if (mean)
        for (size_t k = 0; k < c; k++) {
          const float d = row[k] - mean[k];
          partial[k] += d * d;
        }
      else
        for (size_t k = 0; k < c; k++) partial[k] += row[k];
    }
    for (size_t k = 0; k < c; k++) sum[k] += partial[k];
  }
}

/* What the shares of one kernel call read and write; `sums` holds `sums_per_share` doubles a share, `partials` c floats each (two for the gradient). */
typedef struct {
  const float *x, *dy, *mean, *rstd, *scale, *shift;
  float *out;
  size_t c;
  float alpha;
  const float *coefX, *coef0;
  double *sums;
  float *partials;
} bn_task;

static void forward_sum_share(void *context, int share, size_t from, size_t to) {
  const bn_task *t = context;
  channel_sums(t->x, from, to, t->c, NULL, t->sums + share * t->c, t->partials + share * t->c);
}

static void forward_variance_share(void *context, int share, size_t from, size_t to) {
  const bn_task *t = context;
  channel_sums(t->x, from, to, t->c, t->mean, t->sums + share * t->c, t->partials + share * t->c);
}

static void forward_apply_rows(const float *restrict x, float *restrict out, size_t from, size_t to, size_t c, float alpha, const float *restrict scale,
                               const float *restrict shift) {
  for (size_t r = from; r < to; r++) {
    const float *restrict in = x + r * c;
    float *restrict o = out + r * c;
    for (size_t k = 0; k < c; k++) {
      const float pre = in[k] * scale[k] + shift[k];
      o[k] = pre > 0 ? pre : alpha * pre;
    }
  }
}

/* out = LeakyReLU(x·scale + shift). */
static void forward_apply_share(void *context, int share, size_t from, size_t to) {
  (void)share;
  const bn_task *t = context;
  forward_apply_rows(t->x, t->out, from, to, t->c, t->alpha, t->scale, t->shift);
}

/* The shares' sums, added in share order, into total (c values each, `shares` of them). */
static void add_shares(const double *sums, int shares, size_t c, double *total) {
  for (size_t k = 0; k < c; k++) total[k] = 0;
  for (int s = 0; s < shares; s++)
    for (size_t k = 0; k < c; k++) total[k] += sums[s * c + k];
}

/* batchNormLeakyRelu(x, gamma, beta, out, mean, variance, dims, epsilon, alpha) */
napi_value batch_norm_leaky_relu(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *x, *gamma, *beta, *out, *mean, *variance, epsilon, alpha;
  size_t xLen, gLen, bLen, oLen, meanLen, varLen, m, c;
  if (argc < 9 || !float_view(env, args[0], &x, &xLen) || !float_view(env, args[1], &gamma, &gLen) ||
      !float_view(env, args[2], &beta, &bLen) || !float_view(env, args[3], &out, &oLen) ||
      !float_view(env, args[4], &mean, &meanLen) || !float_view(env, args[5], &variance, &varLen) ||
      !read_dims(env, args[6], &m, &c) || !read_float(env, args[7], &epsilon) || !read_float(env, args[8], &alpha))
    return NULL;
  if (!check_length(env, xLen, m * c, "batchNormLeakyRelu: x shorter than M·C") ||
      !check_length(env, oLen, m * c, "batchNormLeakyRelu: out shorter than M·C") ||
      !check_length(env, gLen < bLen ? gLen : bLen, c, "batchNormLeakyRelu: gamma or beta shorter than C") ||
      !check_length(env, meanLen < varLen ? meanLen : varLen, c, "batchNormLeakyRelu: mean or variance shorter than C"))
    return NULL;
  double *sums = calloc((MAX_SHARES + 1) * c, sizeof(double));
  float *floats = malloc((MAX_SHARES + 2) * c * sizeof(float));
  if (!sums || !floats) {
    free(sums);
    free(floats);
    napi_throw_error(env, NULL, "batchNormLeakyRelu: out of memory");
    return NULL;
  }
  double *total = sums + MAX_SHARES * c;
  float *restrict scale = floats + MAX_SHARES * c, *restrict shift = scale + c;
  bn_task task = {.x = x, .mean = mean, .scale = scale, .shift = shift, .out = out, .c = c, .alpha = alpha, .sums = sums, .partials = floats};
  int shares = parallel_shares(m, c, forward_sum_share, &task);
  add_shares(sums, shares, c, total);
  for (size_t k = 0; k < c; k++) mean[k] = (float)(total[k] / (double)m);
  for (size_t i = 0; i < MAX_SHARES * c; i++) sums[i] = 0;
  shares = parallel_shares(m, c, forward_variance_share, &task);
  add_shares(sums, shares, c, total);
  /* pre = x·scale + shift, with scale = γ·rstd and shift = β − mean·scale. */
  for (size_t k = 0; k < c; k++) {
    variance[k] = (float)(total[k] / (double)m);
    scale[k] = gamma[k] / sqrtf(variance[k] + epsilon);
    shift[k] = beta[k] - mean[k] * scale[k];
  }
  parallel_shares(m, c, forward_apply_share, &task);
  free(sums);
  free(floats);
  return NULL;
}

/*
 * The hot loops take their arrays as restrict parameters: GCC trusts restrict there, and with the
 * arrays reached through a task struct it kept a runtime aliasing check whose scalar path ran (4×
 * slower in the addon).
 */
static void grad_sum_rows(const float *restrict x, const float *restrict dy, size_t from, size_t to, size_t c, float alpha, const float *restrict scale,
                          const float *restrict shift, const float *restrict mean, const float *restrict rstd, double *restrict sums,
                          float *restrict partialDp, float *restrict partialDpXhat) {
  for (size_t start = from; start < to; start += BLOCK_ROWS) {
    const size_t end = start + BLOCK_ROWS < to ? start + BLOCK_ROWS : to;
    for (size_t k = 0; k < c; k++) partialDp[k] = partialDpXhat[k] = 0;
    for (size_t r = start; r < end; r++) {
      const float *restrict in = x + r * c, *restrict g = dy + r * c;
      for (size_t k = 0; k < c; k++) {
        const float pre = in[k] * scale[k] + shift[k];
        const float dp = g[k] * (pre > 0 ? 1.0f : alpha);
        partialDp[k] += dp;
        partialDpXhat[k] += dp * ((in[k] - mean[k]) * rstd[k]);
      }
    }
    for (size_t k = 0; k < c; k++) {
      sums[k] += partialDp[k];
      sums[c + k] += partialDpXhat[k];
    }
  }
}

static void grad_apply_rows(const float *restrict x, const float *restrict dy, float *restrict dx, size_t from, size_t to, size_t c, float alpha,
                            const float *restrict scale, const float *restrict shift, const float *restrict coefX, const float *restrict coef0) {
  for (size_t r = from; r < to; r++) {
    const float *restrict in = x + r * c, *restrict g = dy + r * c;
    float *restrict o = dx + r * c;
    for (size_t k = 0; k < c; k++) {
      const float pre = in[k] * scale[k] + shift[k];
      const float slope = pre > 0 ? 1.0f : alpha;
      o[k] = g[k] * slope * scale[k] + in[k] * coefX[k] + coef0[k];
    }
  }
}

/* Per share: Σ dp and Σ dp·x̂ per channel (2c doubles a share). */
static void grad_sum_share(void *context, int share, size_t from, size_t to) {
  const bn_task *t = context;
  float *partials = t->partials + share * 2 * t->c;
  grad_sum_rows(t->x, t->dy, from, to, t->c, t->alpha, t->scale, t->shift, t->mean, t->rstd, t->sums + share * 2 * t->c, partials, partials + t->c);
}

/* dx = dp·scale + x·coefX + coef0. */
static void grad_apply_share(void *context, int share, size_t from, size_t to) {
  (void)share;
  const bn_task *t = context;
  grad_apply_rows(t->x, t->dy, t->out, from, to, t->c, t->alpha, t->scale, t->shift, t->coefX, t->coef0);
}

/* batchNormLeakyReluGrad(dy, x, gamma, beta, mean, variance, dx, dGamma, dBeta, dims, epsilon, alpha) */
napi_value batch_norm_leaky_relu_grad(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value args[12];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *dy, *x, *gamma, *beta, *mean, *variance, *dx, *dGamma, *dBeta, epsilon, alpha;
  size_t dyLen, xLen, gLen, bLen, meanLen, varLen, dxLen, dgLen, dbLen, m, c;
  if (argc < 12 || !float_view(env, args[0], &dy, &dyLen) || !float_view(env, args[1], &x, &xLen) ||
      !float_view(env, args[2], &gamma, &gLen) || !float_view(env, args[3], &beta, &bLen) ||
      !float_view(env, args[4], &mean, &meanLen) || !float_view(env, args[5], &variance, &varLen) ||
      !float_view(env, args[6], &dx, &dxLen) || !float_view(env, args[7], &dGamma, &dgLen) ||
      !float_view(env, args[8], &dBeta, &dbLen) || !read_dims(env, args[9], &m, &c) ||
      !read_float(env, args[10], &epsilon) || !read_float(env, args[11], &alpha))
    return NULL;
  if (!check_length(env, dyLen < xLen ? dyLen : xLen, m * c, "batchNormLeakyReluGrad: dy or x shorter than M·C") ||
      !check_length(env, dxLen, m * c, "batchNormLeakyReluGrad: dx shorter than M·C") ||
      !check_length(env, gLen < bLen ? gLen : bLen, c, "batchNormLeakyReluGrad: gamma or beta shorter than C") ||
      !check_length(env, meanLen < varLen ? meanLen : varLen, c, "batchNormLeakyReluGrad: mean or variance shorter than C") ||
      !check_length(env, dgLen < dbLen ? dgLen : dbLen, c, "batchNormLeakyReluGrad: dGamma or dBeta shorter than C"))
    return NULL;
  double *sums = calloc((MAX_SHARES + 1) * 2 * c, sizeof(double));
  float *floats = malloc((MAX_SHARES * 2 + 5) * c * sizeof(float));
  if (!sums || !floats) {
    free(sums);
    free(floats);
    napi_throw_error(env, NULL, "batchNormLeakyReluGrad: out of memory");
    return NULL;
  }
  double *total = sums + MAX_SHARES * 2 * c;
  float *restrict rstd = floats + MAX_SHARES * 2 * c, *restrict scale = rstd + c, *restrict shift = scale + c;
  float *restrict coefX = shift + c, *restrict coef0 = coefX + c;
  /* x̂ = x·rstd − mean·rstd; pre = γ·x̂ + β = x·scale + shift (as in the forward pass). */
  for (size_t k = 0; k < c; k++) {
    rstd[k] = 1.0f / sqrtf(variance[k] + epsilon);
    scale[k] = gamma[k] * rstd[k];
    shift[k] = beta[k] - mean[k] * scale[k];
  }
  bn_task task = {.x = x, .dy = dy, .mean = mean, .rstd = rstd, .scale = scale, .shift = shift, .out = dx, .c = c, .alpha = alpha,
                  .coefX = coefX, .coef0 = coef0, .sums = sums, .partials = floats};
  const int shares = parallel_shares(m, c, grad_sum_share, &task);
  add_shares(sums, shares, 2 * c, total);
  /* dx = scale·(dp − mean(dp) − x̂·mean(dp·x̂)) = dp·scale + x·coefX + coef0, per channel. */
  for (size_t k = 0; k < c; k++) {
    dBeta[k] = (float)total[k];
    dGamma[k] = (float)total[c + k];
    const float mDp = (float)(total[k] / (double)m), mDpXhat = (float)(total[c + k] / (double)m);
    coefX[k] = -scale[k] * rstd[k] * mDpXhat;
    coef0[k] = -scale[k] * mDp - coefX[k] * mean[k];
  }
  parallel_shares(m, c, grad_apply_share, &task);
  free(sums);
  free(floats);
  return NULL;
}

/*
 * LeakyReLU(BatchNorm(x)) with batch statistics and its closed-form gradient, for the wasm backend
 * (main/ml/dim/layers.ts uses it when the addon is built). x is [M, C] row-major (NHWC flattened).
 * A few streaming passes instead of the dozen single-threaded elementwise kernels the composed
 * version runs. Sums are taken in float over blocks of rows and added up in double; every inner
 * loop runs along the channels, contiguous and free of aliasing, so the compiler vectorises it.
 *
 *   forward:  mean, var over M;  x̂ = (x − mean)·rstd;  pre = γ·x̂ + β;  out = pre > 0 ? pre : α·pre
 *   backward: dp = dy·(pre > 0 ? 1 : α);  dβ = Σ dp;  dγ = Σ dp·x̂;
 *             dx = γ·rstd·(dp − dβ/M − x̂·dγ/M)
 */
#include <math.h>
#include <stdlib.h>
#include "kernels.h"

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

/* sum[k] += Σ_r x[r, k] (first pass) — or Σ_r (x[r, k] − mean[k])² when mean is given. */
static void channel_sums(const float *restrict x, size_t m, size_t c, const float *restrict mean, double *restrict sum, float *restrict partial) {
  for (size_t start = 0; start < m; start += BLOCK_ROWS) {
    const size_t end = start + BLOCK_ROWS < m ? start + BLOCK_ROWS : m;
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
  double *sums = calloc(2 * c, sizeof(double));
  float *floats = malloc(3 * c * sizeof(float));
  if (!sums || !floats) {
    free(sums);
    free(floats);
    napi_throw_error(env, NULL, "batchNormLeakyRelu: out of memory");
    return NULL;
  }
  float *restrict partial = floats, *restrict scale = floats + c, *restrict shift = floats + 2 * c;
  channel_sums(x, m, c, NULL, sums, partial);
  for (size_t k = 0; k < c; k++) mean[k] = (float)(sums[k] / (double)m);
  channel_sums(x, m, c, mean, sums + c, partial);
  /* pre = x·scale + shift, with scale = γ·rstd and shift = β − mean·scale. */
  for (size_t k = 0; k < c; k++) {
    variance[k] = (float)(sums[c + k] / (double)m);
    scale[k] = gamma[k] / sqrtf(variance[k] + epsilon);
    shift[k] = beta[k] - mean[k] * scale[k];
  }
  for (size_t r = 0; r < m; r++) {
    const float *restrict in = x + r * c;
    float *restrict o = out + r * c;
    for (size_t k = 0; k < c; k++) {
      const float pre = in[k] * scale[k] + shift[k];
      o[k] = pre > 0 ? pre : alpha * pre;
    }
  }
  free(sums);
  free(floats);
  return NULL;
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
  double *sums = calloc(2 * c, sizeof(double));
  float *floats = malloc(7 * c * sizeof(float));
  if (!sums || !floats) {
    free(sums);
    free(floats);
    napi_throw_error(env, NULL, "batchNormLeakyReluGrad: out of memory");
    return NULL;
  }
  float *restrict rstd = floats, *restrict scale = floats + c, *restrict shift = floats + 2 * c;
  float *restrict partialDp = floats + 3 * c, *restrict partialDpXhat = floats + 4 * c;
  float *restrict coefX = floats + 5 * c, *restrict coef0 = floats + 6 * c;
  /* x̂ = x·rstd − mean·rstd; pre = γ·x̂ + β = x·scale + shift (as in the forward pass). */
  for (size_t k = 0; k < c; k++) {
    rstd[k] = 1.0f / sqrtf(variance[k] + epsilon);
    scale[k] = gamma[k] * rstd[k];
    shift[k] = beta[k] - mean[k] * scale[k];
  }
  for (size_t start = 0; start < m; start += BLOCK_ROWS) {
    const size_t end = start + BLOCK_ROWS < m ? start + BLOCK_ROWS : m;
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
  /* dx = scale·(dp − mean(dp) − x̂·mean(dp·x̂)) = dp·scale + x·coefX + coef0, per channel. */
  for (size_t k = 0; k < c; k++) {
    dBeta[k] = (float)sums[k];
    dGamma[k] = (float)sums[c + k];
    const float mDp = (float)(sums[k] / (double)m), mDpXhat = (float)(sums[c + k] / (double)m);
    coefX[k] = -scale[k] * rstd[k] * mDpXhat;
    coef0[k] = -scale[k] * mDp - coefX[k] * mean[k];
  }
  for (size_t r = 0; r < m; r++) {
    const float *restrict in = x + r * c, *restrict g = dy + r * c;
    float *restrict o = dx + r * c;
    for (size_t k = 0; k < c; k++) {
      const float pre = in[k] * scale[k] + shift[k];
      const float slope = pre > 0 ? 1.0f : alpha;
      o[k] = g[k] * slope * scale[k] + in[k] * coefX[k] + coef0[k];
    }
  }
  free(sums);
  free(floats);
  return NULL;
}

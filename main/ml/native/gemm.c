/*
 * Convolution and matrix products for the wasm backend, run by OpenBLAS's sgemm (AVX-512/AVX2
 * where the CPU has them; XNNPACK in wasm is limited to 128-bit SIMD). The operands are views of
 * the wasm heap, so nothing is copied across: im2col into a scratch buffer, then one sgemm.
 * Loaded optionally by main/ml/kernels/native-addon.ts; every kernel is tested against the cpu
 * backend (test/unit/ml/kernels/native-gemm.test.ts).
 */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

/*
 * The im2col scratch, kept per thread and grown only: a fresh multi-megabyte buffer each call
 * would cost a page fault per 4 KiB, as much as the copy itself. It is freed when its thread ends
 * (a training worker's scratch goes with the worker).
 */
typedef struct {
  size_t length;
  float data[];
} scratch_buffer;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_key_create(void) { pthread_key_create(&scratch_key, free); }

/* This thread's scratch of at least `length` floats; throws and returns NULL when out of memory. */
static float *scratch_of(napi_env env, size_t length) {
  pthread_once(&scratch_once, scratch_key_create);
  scratch_buffer *buffer = pthread_getspecific(scratch_key);
  if (buffer && length <= buffer->length) return buffer->data;
  free(buffer);
  buffer = malloc(sizeof(scratch_buffer) + length * sizeof(float));
  pthread_setspecific(scratch_key, buffer);
  if (!buffer) {
    napi_throw_error(env, NULL, "convolution: out of memory for its patch matrix");
    return NULL;
  }
  buffer->length = length;
  return buffer->data;
}

enum activation { LINEAR = 0, RELU = 1, LEAKY_RELU = 2, RELU6 = 3 };

/* The fused kernels' tail: out[r, c] = act(out[r, c] + bias[c]), bias broadcast along rows. */
static int read_epilogue(napi_env env, size_t argc, napi_value *args, size_t cols, const float **bias, int *activation, float *alpha) {
  *bias = NULL;
  *activation = LINEAR;
  *alpha = 0;
  napi_valuetype type = napi_undefined;
  if (argc > 4) napi_typeof(env, args[4], &type);
  if (type == napi_object) {
    float *data;
    size_t length;
    if (!float_view(env, args[4], &data, &length)) return 0;
    if (length != cols) {
      napi_throw_range_error(env, NULL, "bias length must equal the output channels");
      return 0;
    }
    *bias = data;
  }
  if (argc > 5) {
    int32_t code = 0;
    double a = 0;
    napi_get_value_int32(env, args[5], &code);
    if (argc > 6) napi_get_value_double(env, args[6], &a);
    *activation = code;
    *alpha = (float)a;
  }
  return 1;
}

static void apply_epilogue(float *out, size_t rows, size_t cols, const float *bias, int activation, float alpha) {
  if (!bias && activation == LINEAR) return;
  for (size_t r = 0; r < rows; r++) {
    float *row = out + r * cols;
    for (size_t c = 0; c < cols; c++) {
      float v = row[c] + (bias ? bias[c] : 0.0f);
      if (activation == RELU) v = v > 0 ? v : 0;
      else if (activation == LEAKY_RELU) v = v > 0 ? v : v * alpha;
      else if (activation == RELU6) v = v < 0 ? 0 : (v > 6 ? 6 : v);
      row[c] = v;
    }
  }
}

/* A convolution's geometry, from the 15 ints every conv call passes. */
typedef struct {
  int n, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, dH, dW, padT, padL;
  size_t rows, depth;
  int pointwise;
} conv_shape;

static int read_conv(napi_env env, napi_value value, conv_shape *c) {
  const int *d;
  size_t length;
  if (!int_view(env, value, &d, &length)) return 0;
  if (length < 15) {
    napi_throw_range_error(env, NULL, "a convolution needs 15 dimensions");
    return 0;
  }
  *c = (conv_shape){d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], 0, 0, 0};
  c->rows = (size_t)c->n * c->outH * c->outW;
  c->depth = (size_t)c->kH * c->kW * c->inC;
  c->pointwise = c->kH == 1 && c->kW == 1 && c->sH == 1 && c->sW == 1 && c->padT == 0 && c->padL == 0 && c->outH == c->inH && c->outW == c->inW;
  return 1;
}

/* The three tensor shapes of a convolution call, by the role each view plays. */
enum conv_role { CONV_INPUT, CONV_FILTER, CONV_OUTPUT };

static size_t conv_role_length(const conv_shape *c, enum conv_role role) {
  switch (role) {
    case CONV_INPUT: return (size_t)c->n * c->inH * c->inW * c->inC;
    case CONV_FILTER: return c->depth * c->outC;
    default: return c->rows * c->outC;
  }
}

/*
 * Arguments 0–2 of a convolution call as views, each of the shape of its role, and argument 3 as
 * its dims; throws (naming the call and the view) when one is missing, mistyped or too short.
 */
static int read_conv_call(napi_env env, size_t argc, napi_value *args, const char *call, const enum conv_role roles[3], const char *const names[3], float *views[3], conv_shape *c) {
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "a convolution call takes three views and its dims");
    return 0;
  }
  size_t lengths[3];
  for (int i = 0; i < 3; i++)
    if (!float_view(env, args[i], &views[i], &lengths[i])) return 0;
  if (!read_conv(env, args[3], c)) return 0;
  for (int i = 0; i < 3; i++)
    if (lengths[i] < conv_role_length(c, roles[i])) {
      char message[128];
      snprintf(message, sizeof message, "%s: %s shorter than its dimensions", call, names[i]);
      napi_throw_range_error(env, NULL, message);
      return 0;
    }
  return 1;
}

/* patches[row = (b, oy, ox), (ky, kx, c)] = x[b, iy, ix, c], zero outside the input. */
static void im2col(const conv_shape *c, const float *x, float *patches) {
  float *row = patches;
  for (int b = 0; b < c->n; b++)
    for (int oy = 0; oy < c->outH; oy++)
      for (int ox = 0; ox < c->outW; ox++)
        for (int ky = 0; ky < c->kH; ky++) {
          const int iy = oy * c->sH + ky * c->dH - c->padT;
          for (int kx = 0; kx < c->kW; kx++, row += c->inC) {
            const int ix = ox * c->sW + kx * c->dW - c->padL;
            if (iy < 0 || iy >= c->inH || ix < 0 || ix >= c->inW) memset(row, 0, c->inC * sizeof(float));
            else memcpy(row, x + (((size_t)b * c->inH + iy) * c->inW + ix) * c->inC, c->inC * sizeof(float));
          }
        }
}

/* The adjoint of im2col: dx[b, iy, ix, c] += patches[...]; dx must start zeroed. */
static void col2im(const conv_shape *c, const float *patches, float *dx) {
  const float *row = patches;
  for (int b = 0; b < c->n; b++)
    for (int oy = 0; oy < c->outH; oy++)
      for (int ox = 0; ox < c->outW; ox++)
        for (int ky = 0; ky < c->kH; ky++) {
          const int iy = oy * c->sH + ky * c->dH - c->padT;
          for (int kx = 0; kx < c->kW; kx++, row += c->inC) {
            const int ix = ox * c->sW + kx * c->dW - c->padL;
            if (iy < 0 || iy >= c->inH || ix < 0 || ix >= c->inW) continue;
            float *target = dx + (((size_t)b * c->inH + iy) * c->inW + ix) * c->inC;
            for (int k = 0; k < c->inC; k++) target[k] += row[k];
          }
        }
}

/* The input as a patch matrix: the input itself for a pointwise convolution, else im2col. */
static const float *patches_of(napi_env env, const conv_shape *c, const float *x) {
  if (c->pointwise) return x;
  float *patches = scratch_of(env, c->rows * c->depth);
  if (!patches) return NULL;
  im2col(c, x, patches);
  return patches;
}

/*
 * conv2d(x, filter, out, dims[, bias, activation, alpha]): NHWC input, HWIO filter, NHWC output.
 * dims = [n, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft]
 */
napi_value conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *views[3];
  conv_shape c;
  if (!read_conv_call(env, argc, args, "conv2d", (const enum conv_role[]){CONV_INPUT, CONV_FILTER, CONV_OUTPUT}, (const char *const[]){"input", "filter", "output"}, views, &c))
    return NULL;
  float *x = views[0], *filter = views[1], *out = views[2];
  const float *bias;
  int activation;
  float alpha;
  if (!read_epilogue(env, argc, args, c.outC, &bias, &activation, &alpha)) return NULL;
  const float *patches = patches_of(env, &c, x);
  if (!patches) return NULL;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c.rows, c.outC, (int)c.depth, 1.0f, patches, (int)c.depth, filter, c.outC, 0.0f, out, c.outC);
  apply_epilogue(out, c.rows, c.outC, bias, activation, alpha);
  return NULL;
}

/* conv2dFilterGrad(x, dy, dFilter, dims): dFilter = patches(x)ᵀ · dy, HWIO. */
napi_value conv2d_filter_grad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *views[3];
  conv_shape c;
  if (!read_conv_call(env, argc, args, "conv2dFilterGrad", (const enum conv_role[]){CONV_INPUT, CONV_OUTPUT, CONV_FILTER}, (const char *const[]){"input", "dy", "output"}, views, &c))
    return NULL;
  float *x = views[0], *dy = views[1], *out = views[2];
  const float *patches = patches_of(env, &c, x);
  if (!patches) return NULL;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)c.depth, c.outC, (int)c.rows, 1.0f, patches, (int)c.depth, dy, c.outC, 0.0f, out, c.outC);
  return NULL;
}

/* conv2dInputGrad(dy, filter, dx, dims): dx = col2im(dy · filterᵀ). */
napi_value conv2d_input_grad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *views[3];
  conv_shape c;
  if (!read_conv_call(env, argc, args, "conv2dInputGrad", (const enum conv_role[]){CONV_OUTPUT, CONV_FILTER, CONV_INPUT}, (const char *const[]){"dy", "filter", "output"}, views, &c))
    return NULL;
  float *dy = views[0], *filter = views[1], *dx = views[2];
  if (c.pointwise) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)c.rows, (int)c.depth, c.outC, 1.0f, dy, c.outC, filter, c.outC, 0.0f, dx, (int)c.depth);
    return NULL;
  }
  float *patches = scratch_of(env, c.rows * c.depth);
  if (!patches) return NULL;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)c.rows, (int)c.depth, c.outC, 1.0f, dy, c.outC, filter, c.outC, 0.0f, patches, (int)c.depth);
  memset(dx, 0, conv_role_length(&c, CONV_INPUT) * sizeof(float));
  col2im(&c, patches, dx);
  return NULL;
}

/*
 * matmul(a, b, out, dims[, bias, activation, alpha]): out[i] = op(a[i]) · op(b[i]) for each of `batch` products, row-major;
 * a batch of 1 on either side is broadcast. dims = [batch, m, n, k, transposeA, transposeB, batchA, batchB]
 */
napi_value matmul(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *a, *b, *out;
  const int *d;
  size_t aLen, bLen, oLen, dLen;
  if (argc < 4 || !float_view(env, args[0], &a, &aLen) || !float_view(env, args[1], &b, &bLen) ||
      !float_view(env, args[2], &out, &oLen) || !int_view(env, args[3], &d, &dLen))
    return NULL;
  if (dLen < 8) {
    napi_throw_range_error(env, NULL, "matmul needs 8 dimensions");
    return NULL;
  }
  const int batch = d[0], m = d[1], n = d[2], k = d[3], tA = d[4], tB = d[5], batchA = d[6], batchB = d[7];
  const size_t sizeA = (size_t)m * k, sizeB = (size_t)k * n, sizeC = (size_t)m * n;
  if (aLen < sizeA * batchA || bLen < sizeB * batchB || oLen < sizeC * batch) {
    napi_throw_range_error(env, NULL, "matmul: a view is shorter than its dimensions");
    return NULL;
  }
  const float *bias;
  int activation;
  float alpha;
  if (!read_epilogue(env, argc, args, n, &bias, &activation, &alpha)) return NULL;
  for (size_t i = 0; i < (size_t)batch; i++)
    cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f,
                a + (batchA == 1 ? 0 : i * sizeA), tA ? m : k, b + (batchB == 1 ? 0 : i * sizeB), tB ? k : n, 0.0f,
                out + i * sizeC, n);
  apply_epilogue(out, (size_t)batch * m, n, bias, activation, alpha);
  return NULL;
}

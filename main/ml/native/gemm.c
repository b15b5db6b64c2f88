/*
 * Convolution and matrix products for the wasm backend, run by OpenBLAS's sgemm (AVX-512/AVX2
 * where the CPU has them; XNNPACK in wasm is limited to 128-bit SIMD). The operands are views of
 * the wasm heap, so nothing is copied across: im2col into a scratch buffer, then sgemm. Large
 * convolutions are split by rows across the BLAS threads (see "Row-parallel convolutions" below).
 * Loaded optionally by main/ml/kernels/native-addon.ts; every kernel is tested against the cpu
 * backend (test/unit/ml/kernels/native-gemm.test.ts).
 */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"
#include "parallel_shares.h"

/*
 * The im2col scratch, kept per thread and grown only: a fresh multi-megabyte buffer each call
 * would cost a page fault per 4 KiB, as much as the copy itself. It is freed when its thread ends
 * (a training worker's scratch goes with the worker).
 */
#define MAX_WORKERS 16

/* One buffer per worker of the calling thread's convolutions (worker 0 is the calling thread itself). */
typedef struct {
  float *data[MAX_WORKERS];
  size_t length[MAX_WORKERS];
} scratch_buffers;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p) {
  scratch_buffers *buffers = p;
  for (int w = 0; w < MAX_WORKERS; w++) free(buffers->data[w]);
  free(buffers);
}

static void scratch_key_create(void) { pthread_key_create(&scratch_key, scratch_free); }

/* This thread's scratch number `worker`, of at least `length` floats; throws and returns NULL when out of memory. */
static float *scratch_for(napi_env env, int worker, size_t length) {
  pthread_once(&scratch_once, scratch_key_create);
  scratch_buffers *buffers = pthread_getspecific(scratch_key);
  if (!buffers) {
    buffers = calloc(1, sizeof(scratch_buffers));
    if (!buffers) {
      napi_throw_error(env, NULL, "convolution: out of memory for its patch matrix");
      return NULL;
    }
    pthread_setspecific(scratch_key, buffers);
  }
  if (length <= buffers->length[worker]) return buffers->data[worker];
  free(buffers->data[worker]);
  buffers->data[worker] = malloc(length * sizeof(float));
  buffers->length[worker] = buffers->data[worker] ? length : 0;
  if (!buffers->data[worker]) napi_throw_error(env, NULL, "convolution: out of memory for its patch matrix");
  return buffers->data[worker];
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

/*
 * Rows r0..r1 of the patch matrix: patches[row = (b, oy, ox), (ky, kx, c)] = x[b, iy, ix, c], zero
 * outside the input. Along kx the source is one contiguous run (undilated), copied at once.
 */
static void im2col_rows(const conv_shape *c, const float *x, float *patches, size_t r0, size_t r1) {
  const size_t C = c->inC, span = (size_t)c->kW * C;
  float *row = patches;
  for (size_t r = r0; r < r1; r++) {
    const int ox = (int)(r % c->outW), oy = (int)((r / c->outW) % c->outH), b = (int)(r / ((size_t)c->outW * c->outH));
    const int ix0 = ox * c->sW - c->padL;
    for (int ky = 0; ky < c->kH; ky++, row += span) {
      const int iy = oy * c->sH + ky * c->dH - c->padT;
      if (iy < 0 || iy >= c->inH) {
        memset(row, 0, span * sizeof(float));
        continue;
      }
      const float *line = x + ((size_t)b * c->inH + iy) * c->inW * C;
      if (c->dW != 1) {
        for (int kx = 0; kx < c->kW; kx++) {
          const int ix = ix0 + kx * c->dW;
          if (ix < 0 || ix >= c->inW) memset(row + kx * C, 0, C * sizeof(float));
          else memcpy(row + kx * C, line + (size_t)ix * C, C * sizeof(float));
        }
        continue;
      }
      const int lo = ix0 < 0 ? (-ix0 < c->kW ? -ix0 : c->kW) : 0;
      int hi = c->inW - ix0 < c->kW ? c->inW - ix0 : c->kW;
      if (hi < lo) hi = lo;
      if (lo > 0) memset(row, 0, lo * C * sizeof(float));
      const float *src = line + (size_t)(ix0 + lo) * C;
      float *dst = row + lo * C;
      for (size_t k = 0, count = (size_t)(hi - lo) * C; k < count; k++) dst[k] = src[k];
      if (hi < c->kW) memset(row + hi * C, 0, (c->kW - hi) * C * sizeof(float));
    }
  }
}

/* The adjoint of im2col for images b0..b1 (patches start at image b0's first row): dx[b, iy, ix, c] += patches[...]; dx must start zeroed there. */
static void col2im_images(const conv_shape *c, const float *patches, float *dx, int b0, int b1) {
  const float *row = patches;
  for (int b = b0; b < b1; b++)
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

/*
 * Row-parallel convolutions. OpenBLAS splits one tall, thin product (hundreds of thousands of patch
 * rows, a few dozen to a few hundred columns) poorly across threads — for the first layer two
 * threads were slower than one — and one whole-batch patch matrix is tens of megabytes, written and
 * read back from memory. So each BLAS thread takes a contiguous share of the rows and works through
 * it in chunks of about a megabyte: im2col, a single-threaded sgemm, the epilogue, while the chunk is
 * still in cache. Measured standalone on the 2-core machine, DIM-64's forward convolutions at batch
 * 64: 93 → 64 ms. Small convolutions (a photo at a time while indexing, where the BLAS runs on one
 * thread anyway) take the one-thread path of the same code.
 */
#define CHUNK_FLOATS (256 * 1024)
#define MIN_CHUNK_ROWS 256
#define MIN_ROWS_PER_WORKER 64

typedef struct {
  const conv_shape *c;
  const float *x, *filter, *dy;
  float *out, *scratch, *accumulator;
  const float *bias;
  int activation;
  float alpha;
  size_t r0, r1, chunk; /* rows, or images for the input gradient */
} conv_task;

/* Rows a chunk: about CHUNK_FLOATS of patches, but at least MIN_CHUNK_ROWS (a shorter product wastes the sgemm's blocking). */
static size_t chunk_rows(const conv_shape *c) {
  const size_t rows = CHUNK_FLOATS / (c->depth ? c->depth : 1);
  return rows > MIN_CHUNK_ROWS ? rows : MIN_CHUNK_ROWS;
}

/* Rows r..e of the patch matrix: the input itself for a pointwise convolution, else im2col into the task's scratch. */
static const float *patch_rows(const conv_task *t, size_t r, size_t e) {
  if (t->c->pointwise) return t->x + r * t->c->depth;
  im2col_rows(t->c, t->x, t->scratch, r, e);
  return t->scratch;
}

/* forward: out[rows] = act(patches(x)[rows] · filter + bias) */
static void *forward_share(void *arg) {
  const conv_task *t = arg;
  const conv_shape *c = t->c;
  for (size_t r = t->r0; r < t->r1; r += t->chunk) {
    const size_t e = r + t->chunk < t->r1 ? r + t->chunk : t->r1;
    const float *patches = patch_rows(t, r, e);
    float *out = t->out + r * c->outC;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(e - r), c->outC, (int)c->depth, 1.0f, patches, (int)c->depth, t->filter, c->outC, 0.0f, out, c->outC);
    apply_epilogue(out, e - r, c->outC, t->bias, t->activation, t->alpha);
  }
  return NULL;
}

/* filter gradient: accumulator = Σ over the share's rows of patches(x)ᵀ · dy */
static void *filter_grad_share(void *arg) {
  const conv_task *t = arg;
  const conv_shape *c = t->c;
  for (size_t r = t->r0; r < t->r1; r += t->chunk) {
    const size_t e = r + t->chunk < t->r1 ? r + t->chunk : t->r1;
    const float *patches = patch_rows(t, r, e);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)c->depth, c->outC, (int)(e - r), 1.0f, patches, (int)c->depth, t->dy + r * c->outC, c->outC,
                r == t->r0 ? 0.0f : 1.0f, t->accumulator, c->outC);
  }
  return NULL;
}

/* input gradient for images r0..r1: dx = col2im(dy · filterᵀ), a chunk of whole images at a time */
static void *input_grad_share(void *arg) {
  const conv_task *t = arg;
  const conv_shape *c = t->c;
  const size_t per_image = (size_t)c->outH * c->outW, image_floats = (size_t)c->inH * c->inW * c->inC;
  for (size_t b = t->r0; b < t->r1; b += t->chunk) {
    const size_t e = b + t->chunk < t->r1 ? b + t->chunk : t->r1;
    const float *dy = t->dy + b * per_image * c->outC;
    if (c->pointwise) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)((e - b) * per_image), (int)c->depth, c->outC, 1.0f, dy, c->outC, t->filter, c->outC, 0.0f,
                  t->out + b * image_floats, (int)c->depth);
      continue;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)((e - b) * per_image), (int)c->depth, c->outC, 1.0f, dy, c->outC, t->filter, c->outC, 0.0f,
                t->scratch, (int)c->depth);
    memset(t->out + b * image_floats, 0, (e - b) * image_floats * sizeof(float));
    col2im_images(c, t->scratch, t->out, (int)b, (int)e);
  }
  return NULL;
}

/* How many workers share `units` (rows or images) of `rows_per_unit` rows: the BLAS threads, while each gets enough rows. */
static int workers_for(size_t units, size_t rows_per_unit) {
  int threads = openblas_get_num_threads();
  if (threads > MAX_WORKERS) threads = MAX_WORKERS;
  while (threads > 1 && (units < (size_t)threads || units * rows_per_unit < (size_t)threads * MIN_ROWS_PER_WORKER)) threads--;
  return threads < 1 ? 1 : threads;
}

/*
 * Runs `share` over `units` split into `workers` contiguous shares (worker 0 on this thread), with
 * OpenBLAS on one thread meanwhile; each task gets its scratch (`scratch_floats`) and, when
 * `accumulator_floats`, an accumulator (worker 0 uses `tasks[0].accumulator` as given).
 */
static int run_shares(napi_env env, void *(*share)(void *), conv_task *tasks, int workers, size_t units, size_t chunk, size_t scratch_floats, size_t accumulator_floats) {
  for (int w = 0; w < workers; w++) {
    if (w > 0) tasks[w] = tasks[0];
    tasks[w].r0 = units * w / workers;
    tasks[w].r1 = units * (w + 1) / workers;
    tasks[w].chunk = chunk;
    const size_t floats = scratch_floats + (w > 0 ? accumulator_floats : 0);
    float *scratch = floats ? scratch_for(env, w, floats) : NULL;
    if (floats && !scratch) return 0;
    tasks[w].scratch = scratch;
    if (w > 0 && accumulator_floats) tasks[w].accumulator = scratch + scratch_floats;
  }
  if (workers == 1) {
    share(&tasks[0]);
    return 1;
  }
  const int threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  run_on_threads(share, tasks, sizeof tasks[0], workers);
  openblas_set_num_threads(threads);
  return 1;
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
  conv_task tasks[MAX_WORKERS] = {{.c = &c, .x = views[0], .filter = views[1], .out = views[2]}};
  if (!read_epilogue(env, argc, args, c.outC, &tasks[0].bias, &tasks[0].activation, &tasks[0].alpha)) return NULL;
  const size_t chunk = chunk_rows(&c);
  run_shares(env, forward_share, tasks, workers_for(c.rows, 1), c.rows, chunk, c.pointwise ? 0 : chunk * c.depth, 0);
  return NULL;
}

/* conv2dFilterGrad(x, dy, dFilter, dims): dFilter = patches(x)ᵀ · dy, HWIO (each worker sums its rows; the sums are added). */
napi_value conv2d_filter_grad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *views[3];
  conv_shape c;
  if (!read_conv_call(env, argc, args, "conv2dFilterGrad", (const enum conv_role[]){CONV_INPUT, CONV_OUTPUT, CONV_FILTER}, (const char *const[]){"input", "dy", "output"}, views, &c))
    return NULL;
  float *out = views[2];
  const size_t filter_floats = c.depth * c.outC;
  conv_task tasks[MAX_WORKERS] = {{.c = &c, .x = views[0], .dy = views[1], .accumulator = out}};
  const size_t chunk = chunk_rows(&c);
  const int workers = workers_for(c.rows, 1);
  if (c.rows == 0) memset(out, 0, filter_floats * sizeof(float));
  if (!run_shares(env, filter_grad_share, tasks, workers, c.rows, chunk, c.pointwise ? 0 : chunk * c.depth, filter_floats)) return NULL;
  for (int w = 1; w < workers; w++)
    for (size_t k = 0; k < filter_floats; k++) out[k] += tasks[w].accumulator[k];
  return NULL;
}

/* conv2dInputGrad(dy, filter, dx, dims): dx = col2im(dy · filterᵀ), shared by whole images. */
napi_value conv2d_input_grad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  float *views[3];
  conv_shape c;
  if (!read_conv_call(env, argc, args, "conv2dInputGrad", (const enum conv_role[]){CONV_OUTPUT, CONV_FILTER, CONV_INPUT}, (const char *const[]){"dy", "filter", "output"}, views, &c))
    return NULL;
  conv_task tasks[MAX_WORKERS] = {{.c = &c, .dy = views[0], .filter = views[1], .out = views[2]}};
  const size_t per_image = (size_t)c.outH * c.outW;
  size_t images = chunk_rows(&c) / (per_image ? per_image : 1);
  if (images < 1) images = 1;
  run_shares(env, input_grad_share, tasks, workers_for((size_t)c.n, per_image), (size_t)c.n, images, c.pointwise ? 0 : images * per_image * c.depth, 0);
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

/*
 * OpenBLAS's thread count, read and set at run time. Training wants every core on a GEMM; while
 * indexing, the photo decodes already keep every core busy and a GEMM split across threads only
 * adds handoffs (measured: 0.97 against 1.15 ms of CPU an image at 32 px on 2 cores).
 */
#include <cblas.h>
#include "kernels.h"

napi_value set_blas_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t threads = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &threads) != napi_ok || threads < 1) {
    napi_throw_type_error(env, NULL, "setBlasThreads(threads): threads must be an integer ≥ 1");
    return NULL;
  }
  openblas_set_num_threads(threads);
  return NULL;
}

napi_value blas_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, openblas_get_num_threads(), &result);
  return result;
}

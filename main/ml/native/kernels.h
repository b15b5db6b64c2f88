/* The addon's functions (gemm.c, batch_norm_leaky_relu.c, window_max_pool.c, blas_threads.c), registered by addon.c. */
#pragma once
#include <node_api.h>
#include "views.h"

napi_value conv2d(napi_env env, napi_callback_info info);
napi_value conv2d_filter_grad(napi_env env, napi_callback_info info);
napi_value conv2d_input_grad(napi_env env, napi_callback_info info);
napi_value matmul(napi_env env, napi_callback_info info);
napi_value batch_norm_leaky_relu(napi_env env, napi_callback_info info);
napi_value batch_norm_leaky_relu_grad(napi_env env, napi_callback_info info);
napi_value window_max_pool_grad(napi_env env, napi_callback_info info);
napi_value window_max_pool(napi_env env, napi_callback_info info);
napi_value set_blas_threads(napi_env env, napi_callback_info info);
napi_value blas_threads(napi_env env, napi_callback_info info);

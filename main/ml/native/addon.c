/* dimsearch's native kernels for the wasm backend: one Node-API module (see kernels.h). */
#include "kernels.h"

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dFilterGrad", NULL, conv2d_filter_grad, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dInputGrad", NULL, conv2d_input_grad, NULL, NULL, NULL, napi_default, NULL},
      {"matmul", NULL, matmul, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormLeakyRelu", NULL, batch_norm_leaky_relu, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormLeakyReluGrad", NULL, batch_norm_leaky_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"windowMaxPoolGrad", NULL, window_max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"windowMaxPool", NULL, window_max_pool, NULL, NULL, NULL, napi_default, NULL},
      {"setBlasThreads", NULL, set_blas_threads, NULL, NULL, NULL, napi_default, NULL},
      {"blasThreads", NULL, blas_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

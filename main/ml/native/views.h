/* Typed-array arguments of the addon's functions: views of the wasm heap, never copies. */
#pragma once
#include <node_api.h>
#include <stddef.h>

static inline int float_view(napi_env env, napi_value value, float **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, NULL, "expected a Float32Array");
    return 0;
  }
  *data = (float *)raw;
  return 1;
}

static inline int int_view(napi_env env, napi_value value, const int **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "expected an Int32Array");
    return 0;
  }
  *data = (const int *)raw;
  return 1;
}

static inline int check_length(napi_env env, size_t have, size_t need, const char *what) {
  if (have >= need) return 1;
  napi_throw_range_error(env, NULL, what);
  return 0;
}

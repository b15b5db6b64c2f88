/* Typed-array arguments of the addon's functions: views of the wasm heap, never copies. */
#pragma once
#include <node_api.h>
#include <stddef.h>

/* The data and length of a typed array of the expected type; throws `message` otherwise. */
static inline int typed_view(napi_env env, napi_value value, napi_typedarray_type expected, void **data, size_t *length, const char *message) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok || type != expected) {
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

static inline int float_view(napi_env env, napi_value value, float **data, size_t *length) {
  return typed_view(env, value, napi_float32_array, (void **)data, length, "expected a Float32Array");
}

static inline int int_view(napi_env env, napi_value value, const int **data, size_t *length) {
  return typed_view(env, value, napi_int32_array, (void **)data, length, "expected an Int32Array");
}

static inline int check_length(napi_env env, size_t have, size_t need, const char *what) {
  if (have >= need) return 1;
  napi_throw_range_error(env, NULL, what);
  return 0;
}

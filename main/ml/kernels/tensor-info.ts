/** Helpers for kernels written with tfjs ops: a kernel receives TensorInfos, ops want Tensors. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * A Tensor view of a kernel input: it shares the input's data and holds its own reference to
 * it, so disposing the view (do) leaves the caller's tensor intact.
 */
export function asTensor<R extends tf.Rank>(info: tf.TensorInfo): tf.Tensor<R> {
  const engine = tf.engine();
  const view = engine.makeTensorFromTensorInfo(info) as tf.Tensor<R>;
  engine.backend.incRef(info.dataId);
  return view;
}

/** Normalise a stride/dilation attribute to [rows, cols]. */
export function pair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

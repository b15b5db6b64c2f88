/**
 * Conv2DBackpropFilter (the weight gradient of a 2-D convolution) for backends that lack it
 * (wasm), composed from the backend's fast kernels:
 *
 *   dW[a, b, ci, co] = Σ_{n,i,j} x[n, i·s + a − pad, j·s + b − pad, ci] · dy[n, i, j, co]
 *
 * Two equivalent forms, picked by shape (both measured on wasm):
 * - as a convolution: input channels become the batch and the batch the channels
 *   (x → [Ci, H, W, N]), dy becomes the filter ([Ho, Wo, N, Co]) dilated by the stride, and the
 *   result [Ci, kh, kw, Co] is transposed back. Fast when Ci is large.
 * - as patchesᵀ · dy, where the patches [N·Ho·Wo, kh·kw·Ci] hold what each filter tap sees.
 *   The patches come from a forward convolution with a one-hot "extraction" filter (same
 *   strides and padding as the original), which is far faster on wasm than slicing and
 *   concatenating thin channel slices. Fast when kh·kw·Ci is small (the first layer, Ci = 3),
 *   where the convolution form would have a batch of 3.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, pair } from './tensor-info';

export function conv2dBackpropFilterImpl(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: tf.Conv2DBackpropFilterAttrs['pad'],
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, ci, co] = filterShape;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const { top, left } = info.padInfo;
  const [n] = x.shape;
  const [ho, wo] = [info.outHeight, info.outWidth];
  const usePatches = kh * kw * ci <= 64;
  return tf.tidy(() => {
    if (usePatches) return patchGradient();
    // Pad (or crop) so every tap's slice lies inside: rows needed = (Ho − 1)·s + kh.
    const needH = (ho - 1) * sh + kh;
    const needW = (wo - 1) * sw + kw;
    const bottom = needH - x.shape[1] - top;
    const right = needW - x.shape[2] - left;
    let input: tf.Tensor4D = x;
    if (top > 0 || left > 0 || bottom > 0 || right > 0)
      input = tf.pad(input, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
    if (bottom < 0 || right < 0)
      input = tf.slice(input, [0, 0, 0, 0], [-1, input.shape[1] + Math.min(bottom, 0), input.shape[2] + Math.min(right, 0), -1]);
    const xT = tf.transpose(input, [3, 1, 2, 0]); // [Ci, H', W', N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
    const out = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [sh, sw]); // [Ci, kh, kw, Co]
    return tf.transpose(out, [1, 2, 0, 3]);
  });

  function patchGradient(): tf.Tensor4D {
    const k = kh * kw * ci;
    const onehot = new Float32Array(k * k);
    for (let i = 0; i < k; i++) onehot[i * k + i] = 1; // tap (a, b, c) → channel (a·kw + b)·ci + c
    const extract = tf.tensor4d(onehot, [kh, kw, ci, k]);
    const patches = tf.reshape(tf.conv2d(x, extract, [sh, sw], pad, 'NHWC', 1, dimRoundingMode), [n * ho * wo, k]);
    const grad = tf.matMul(patches, tf.reshape(dy, [n * ho * wo, co]), true, false);
    return tf.reshape(grad, [kh, kw, ci, co]);
  }
}

export const conv2dBackpropFilterConfig = (backendName: string): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropFilter,
  backendName,
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter: only NHWC is supported, got ${dataFormat}`);
    const xt = asTensor<tf.Rank.R4>(x!);
    const dyt = asTensor<tf.Rank.R4>(dy!);
    try {
      return conv2dBackpropFilterImpl(xt, dyt, filterShape, pair(strides), pad, dimRoundingMode);
    } finally {
      xt.dispose();
      dyt.dispose();
    }
  },
});

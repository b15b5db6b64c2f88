/**
 * Conv2DBackpropInput (the input gradient of a 2-D convolution, a.k.a. transposed convolution)
 * built from the backend's fast forward convolution. wasm's own kernel is a slow scalar loop.
 *
 * dx is the full correlation of dy (dilated by the stride: zeros between rows/columns) with the
 * filter rotated by 180° and its in/out channels swapped; the padding makes the output the
 * input's size: k − 1 − pad before, whatever the input size needs after (cropped if negative).
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, pair } from './tensor-info';

/** Insert (s − 1) zeros between rows and columns: [N, H, W, C] → [N, (H−1)·sh+1, (W−1)·sw+1, C]. */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  // [N, H, 1, W, 1, C] padded to [N, H, sh, W, sw, C], then flattened and cropped.
  const spread = tf.pad(tf.reshape(dy, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  const flat = tf.reshape(spread, [n, h * sh, w * sw, c]);
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]) as tf.Tensor4D;
}

/**
 * Rotate a filter by 180° and swap its in/out channels: [kh, kw, Ci, Co] → [kh, kw, Co, Ci].
 * The rotation reverses the order of the kh·kw taps: a product with the kh·kw anti-identity
 * (one fast GEMM; wasm's Reverse kernel, or a slice per tap, is several times slower).
 */
function rotateAndSwap(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const k = kh * kw;
  let taps = tf.reshape(filter, [k, ci * co]);
  if (k > 1) {
    const reversal = new Float32Array(k * k);
    for (let i = 0; i < k; i++) reversal[i * k + (k - 1 - i)] = 1;
    taps = tf.matMul(tf.tensor2d(reversal, [k, k]), taps);
  }
  return tf.reshape(tf.transpose(tf.reshape(taps, [k, ci, co]), [0, 2, 1]), [kh, kw, co, ci]);
}

export function conv2dBackpropInputImpl(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: tf.Conv2DBackpropInputAttrs['pad'],
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode);
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [, inH, inW] = inputShape;
  return tf.tidy(() => {
    let grad = dilate(dy, sh, sw);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = inH + kh - 1 - grad.shape[1] - top;
    const right = inW + kw - 1 - grad.shape[2] - left;
    const padding = [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]] as [number, number][];
    if (padding.some(([a, b]) => a > 0 || b > 0)) grad = tf.pad(grad, padding);
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      const begin = [0, Math.max(-top, 0), Math.max(-left, 0), 0];
      const size = [-1, grad.shape[1] - begin[1] - Math.max(-bottom, 0), grad.shape[2] - begin[2] - Math.max(-right, 0), -1];
      grad = tf.slice(grad, begin, size);
    }
    return tf.conv2d(grad, rotateAndSwap(filter), 1, 'valid');
  });
}

export const conv2dBackpropInputConfig = (backendName: string): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropInput,
  backendName,
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, filter } = inputs as unknown as tf.Conv2DBackpropInputInputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropInput: only NHWC is supported, got ${dataFormat}`);
    const dyt = asTensor<tf.Rank.R4>(dy!);
    const ft = asTensor<tf.Rank.R4>(filter!);
    try {
      return conv2dBackpropInputImpl(dyt, ft, inputShape, pair(strides), pad, dimRoundingMode);
    } finally {
      dyt.dispose();
      ft.dispose();
    }
  },
});

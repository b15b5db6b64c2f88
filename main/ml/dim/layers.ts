/**
 * Training-mode layers with hand-written gradients, for speed on every backend:
 *
 * - BatchNorm (batch statistics) fused with LeakyReLU. tfjs's autodiff of batch norm reduces
 *   over the batch and spatial axes with Sum/Tile kernels that are slow on wasm (they transpose
 *   first); here each per-channel reduction is a global average pool over the spatial axes
 *   (XNNPACK, memory-bound) and a sum over the small batch axis — over 10× faster on wasm than
 *   Sum over axes [0, 1, 2], or a product with a row of ones (which repacks its operand every
 *   call) — and the backward pass is the closed form
 *     dx = γ·rstd · (dp − mean(dp) − x̂ · mean(dp · x̂)),  dγ = Σ dp·x̂,  dβ = Σ dp
 *   with dp the gradient after the LeakyReLU. Where the native addon is built, the same layer
 *   runs as two fused wasm kernels (main/ml/kernels/native-batch-norm.ts).
 * - 2×2 max pooling with stride 2 whose gradient is a mask (x equals its window's max, the max
 *   brought back to full size by nearest-neighbour upsampling) times the upsampled dy, instead of
 *   the backend's MaxPoolGrad loop (twice as slow on wasm); one native kernel where the addon is
 *   built (main/ml/kernels/native-max-pool.ts).
 *
 * Plain tfjs-core.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../gradients';
import { batchNormLeakyReluGradKernel, batchNormLeakyReluKernel } from '../kernels/native-batch-norm';
import { windowMaxPoolGradKernel } from '../kernels/native-max-pool';

export interface BatchStatistics {
  /** Per-channel batch mean [C]. */
  mean: tf.Tensor1D;
  /** Per-channel batch variance [C] (biased, as used for normalising). */
  variance: tf.Tensor1D;
  /** Number of values per channel the statistics were taken over. */
  count: number;
}

/** Per-channel sums of x [n, h, w, c] over n, h, w: [1, c]. */
function channelSums(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  const pooled = h * w === 1 ? x : tf.avgPool(x, [h, w], [h, w], 'valid');
  return tf.mul(tf.sum(tf.reshape(pooled, [n, c]), 0, true), h * w) as tf.Tensor2D;
}

/**
 * LeakyReLU(BatchNorm(x)) with batch statistics, for x [n, h, w, c]. `onStatistics` receives the
 * batch mean and variance (e.g. to move running statistics); they are not part of the gradient.
 */
export function batchNormLeakyRelu(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  alpha: number,
  onStatistics?: (stats: BatchStatistics) => void,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const m = n * h * w;
  if (tf.getKernel(batchNormLeakyReluKernel, tf.getBackend())) return fusedBatchNormLeakyRelu(x, gamma, beta, epsilon, alpha, m, onStatistics);
  const op = tf.customGrad(((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const x4 = input as tf.Tensor4D;
    const mean = tf.reshape(tf.div(channelSums(x4), m), [c]);
    const centred = tf.sub(x4, mean) as tf.Tensor4D;
    const variance = tf.reshape(tf.div(channelSums(tf.square(centred) as tf.Tensor4D), m), [c]);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const normed = tf.mul(centred, rstd);
    const pre = tf.add(tf.mul(normed, g), b);
    const out = tf.leakyRelu(pre, alpha);
    if (onStatistics) onStatistics({ mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, count: m });
    save([normed, pre, rstd, g]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xhat, preAct, r, gam] = saved;
        // LeakyReLU's derivative is Step(pre, alpha): 1 above zero, alpha below (one fast kernel).
        const dp = tf.mul(dy, tf.step(preAct, alpha)) as tf.Tensor4D;
        const dBeta = tf.reshape(channelSums(dp), [c]);
        const dGamma = tf.reshape(channelSums(tf.mul(dp, xhat) as tf.Tensor4D), [c]);
        const dx = tf.mul(tf.mul(gam, r), tf.sub(tf.sub(dp, tf.div(dBeta, m)), tf.mul(xhat, tf.div(dGamma, m))));
        return [dx, dGamma, dBeta];
      },
    };
  }) as never) as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor4D;
  return op(x, gamma, beta);
}

/** The same layer as one forward and one backward kernel (registered only where they are native). */
function fusedBatchNormLeakyRelu(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, alpha: number, count: number, onStatistics?: (stats: BatchStatistics) => void): tf.Tensor4D {
  const attrs = { epsilon, alpha } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad(((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, mean, variance] = tf.engine().runKernel(batchNormLeakyReluKernel, { x: input, gamma: g, beta: b }, attrs) as tf.Tensor[];
    if (onStatistics) onStatistics({ mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, count });
    save([input, g, b, mean, variance]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, bs, means, variances] = saved;
        return tf.engine().runKernel(batchNormLeakyReluGradKernel, { dy, x: xs, gamma: gs, beta: bs, mean: means, variance: variances }, attrs) as tf.Tensor[];
      },
    };
  }) as never) as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor4D;
  return op(x, gamma, beta);
}

/**
 * Max pooling over non-overlapping windows (window = stride) with a broadcast-mask gradient:
 * dx = [x equals its window's max] · dy, both brought to full size by nearest-neighbour
 * upsampling. Replaces the backend's MaxPoolGrad loop (twice as slow on wasm) and, for a global
 * max, Max's gradient (a broadcasting Equal, very slow on wasm).
 */
function windowMaxPool(x: tf.Tensor4D, windowH: number, windowW: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const pooled = tf.maxPool(input as tf.Tensor4D, [windowH, windowW], [windowH, windowW], 'valid');
    save([input, pooled]);
    return {
      value: pooled,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved;
        if (tf.getKernel(windowMaxPoolGradKernel, tf.getBackend()))
          return tf.engine().runKernel(windowMaxPoolGradKernel, { x: xs, pooled: ys, dy }, { windowH, windowW } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const maxima = tf.image.resizeNearestNeighbor(ys as tf.Tensor4D, [h, w]);
        const mask = tf.cast(tf.equal(xs, maxima), 'float32');
        return tf.mul(mask, tf.image.resizeNearestNeighbor(dy as tf.Tensor4D, [h, w]));
      },
    };
  }) as never) as (a: tf.Tensor) => tf.Tensor4D;
  return op(x);
}

/** 2×2 max pooling, stride 2 (even sides). */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`maxPool2x2 needs even sides, got ${h}×${w}`);
  return windowMaxPool(x, 2, 2);
}

/** Global max pooling over the spatial axes: [n, h, w, c] → [n, c]. */
export function globalMaxPool(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(windowMaxPool(x, h, w), [n, c]);
}

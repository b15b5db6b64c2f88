/**
 * Training-mode layers with hand-written gradients, for speed on every backend:
 *
 * - BatchNorm (batch statistics) fused with LeakyReLU. tfjs's autodiff of batch norm reduces
 *   over the batch and spatial axes with Sum/Tile kernels that are slow on wasm (they transpose
 *   first); here each per-channel reduction is one matrix product with a row of ones (a GEMV),
 *   and the backward pass is the closed form
 *     dx = γ·rstd · (dp − mean(dp) − x̂ · mean(dp · x̂)),  dγ = Σ dp·x̂,  dβ = Σ dp
 *   with dp the gradient after the LeakyReLU.
 * - 2×2 max pooling with stride 2 whose gradient is a mask (x equals its window's max, the max
 *   brought back to full size by nearest-neighbour upsampling) times the upsampled dy, instead of
 *   the backend's MaxPoolGrad loop (twice as slow on wasm).
 *
 * Plain tfjs-core.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../gradients';

export interface BatchStatistics {
  /** Per-channel batch mean [C]. */
  mean: tf.Tensor1D;
  /** Per-channel batch variance [C] (biased, as used for normalising). */
  variance: tf.Tensor1D;
  /** Number of values per channel the statistics were taken over. */
  count: number;
}

/** Sum over rows of a [m, c] matrix as a matrix product with ones: [1, c]. */
function columnSums(x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.ones([1, x.shape[0]]), x);
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
  const op = tf.customGrad(((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const flat = tf.reshape(input, [m, c]) as tf.Tensor2D;
    const mean = tf.div(columnSums(flat), m);
    const centred = tf.sub(flat, mean) as tf.Tensor2D;
    const variance = tf.div(columnSums(tf.square(centred) as tf.Tensor2D), m);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const normed = tf.mul(centred, rstd);
    const pre = tf.add(tf.mul(normed, g), b);
    const out = tf.leakyRelu(pre, alpha);
    if (onStatistics) onStatistics({ mean: tf.reshape(mean, [c]), variance: tf.reshape(variance, [c]), count: m });
    save([normed, pre, rstd, g]);
    return {
      value: tf.reshape(out, [n, h, w, c]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xhat, preAct, r, gam] = saved;
        const flatDy = tf.reshape(dy, [m, c]);
        const dp = tf.where(tf.greater(preAct, 0), flatDy, tf.mul(flatDy, alpha));
        const sums = columnSums(tf.concat([dp, tf.mul(dp, xhat)], 1) as tf.Tensor2D);
        const dBeta = tf.slice(sums, [0, 0], [1, c]);
        const dGamma = tf.slice(sums, [0, c], [1, c]);
        const dx = tf.mul(tf.mul(gam, r), tf.sub(tf.sub(dp, tf.div(dBeta, m)), tf.mul(xhat, tf.div(dGamma, m))));
        return [tf.reshape(dx, [n, h, w, c]), tf.reshape(dGamma, [c]), tf.reshape(dBeta, [c])];
      },
    };
  }) as never) as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor4D;
  return op(x, gamma, beta);
}

/** 2×2 max pooling, stride 2 (even sides), with a broadcast-mask gradient. */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`maxPool2x2 needs even sides, got ${h}×${w}`);
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const pooled = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
    save([input, pooled]);
    return {
      value: pooled,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved;
        const maxima = tf.image.resizeNearestNeighbor(ys as tf.Tensor4D, [h, w]);
        const mask = tf.cast(tf.equal(xs, maxima), 'float32');
        return tf.mul(mask, tf.image.resizeNearestNeighbor(dy as tf.Tensor4D, [h, w]));
      },
    };
  }) as never) as (a: tf.Tensor) => tf.Tensor4D;
  return op(x);
}

/**
 * Prior matching, Su's variant (the default): the encoder outputs a Gaussian (mean, log-variance),
 * codes are sampled by reparameterisation, and KL(N(mean, e^logVar) ‖ N(0, I)) — averaged over
 * batch and dimensions — keeps p(z) close to N(0, I) with no adversary.
 * Plain tfjs-core.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../gradients';

/** KL(N(mean, exp(logVar)) ‖ N(0, I)), averaged over batch and dimensions. */
export function gaussianKl(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Scalar {
  return tf.mul(-0.5, tf.mean(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mean)), tf.exp(logVar)))) as tf.Scalar;
}

/** z = mean + exp(logVar / 2) · ε, ε ~ N(0, I) (seeded). */
export function sampleCode(mean: tf.Tensor2D, logVar: tf.Tensor2D, seed?: number): tf.Tensor2D {
  const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', seed);
  return tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tf.Tensor2D;
}

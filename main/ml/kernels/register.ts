/**
 * Registers the gradient kernels the wasm backend lacks (or runs slowly), composed from its own
 * fast forward kernels. Each filler is tested against the cpu backend (test/unit/ml/kernels).
 * Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { untransposedMatMulConfig } from './matmul-transposed';

const done = new Set<string>();

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

export function registerWasmGradientFillers(backendName = 'wasm'): void {
  if (done.has(backendName)) return;
  done.add(backendName);
  // Missing on wasm.
  replaceKernel(conv2dBackpropFilterConfig(backendName));
  // Present on wasm but slow scalar loops: replaced by compositions of fast kernels.
  replaceKernel(conv2dBackpropInputConfig(backendName));
  const transpose = tf.getKernel(tf.Transpose, backendName)?.kernelFunc;
  for (const name of [tf.BatchMatMul, tf._FusedMatMul]) {
    const original = tf.getKernel(name, backendName)?.kernelFunc;
    if (original && transpose) replaceKernel(untransposedMatMulConfig(name, backendName, original, transpose));
  }
}

/**
 * Registers the gradient kernels the wasm backend lacks (or runs slowly), composed from its own
 * fast forward kernels. Each filler is tested against the cpu backend (test/unit/ml/kernels).
 * Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { untransposedMatMulConfig } from './matmul-transposed';
import { loadNativeKernels } from './native-addon';
import { nativeBatchNormKernelConfigs } from './native-batch-norm';
import { nativeGemmKernelConfigs } from './native-gemm-kernels';
import { nativeMaxPoolKernelConfigs } from './native-max-pool';
import { sharedIdentityConfig } from './shared-identity';

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
  // Present on wasm but copies: clones share their data instead.
  replaceKernel(sharedIdentityConfig(backendName));
  // Present on wasm but slow scalar loops: replaced by compositions of fast kernels.
  replaceKernel(conv2dBackpropInputConfig(backendName));
  const transpose = tf.getKernel(tf.Transpose, backendName)?.kernelFunc;
  for (const name of [tf.BatchMatMul, tf._FusedMatMul]) {
    const original = tf.getKernel(name, backendName)?.kernelFunc;
    if (original && transpose) replaceKernel(untransposedMatMulConfig(name, backendName, original, transpose));
  }
}

type NativeKernelsStatus = { active: boolean; reason: string };

let nativeKernels: NativeKernelsStatus | null = null; // null: not tried yet

/**
 * When the optional native addon is built: put OpenBLAS's sgemm (native-gemm-kernels.ts) in front
 * of wasm's convolutions and matrix products, and register the fused BatchNorm + LeakyReLU kernels
 * (native-batch-norm.ts) and the max-pooling gradient (native-max-pool.ts). After
 * registerWasmGradientFillers, whose kernels it falls back to. Idempotent.
 */
export function registerNativeKernels(): NativeKernelsStatus {
  if (nativeKernels) return nativeKernels;
  const { kernels, reason } = loadNativeKernels();
  if (!kernels) return (nativeKernels = { active: false, reason });
  for (const config of [...nativeGemmKernelConfigs(kernels), ...nativeBatchNormKernelConfigs(kernels), ...nativeMaxPoolKernelConfigs(kernels)]) replaceKernel(config);
  return (nativeKernels = { active: true, reason });
}

/** Whether the native kernels run in this process, and why not when they don't. */
export function nativeKernelsStatus(): NativeKernelsStatus {
  return nativeKernels ?? { active: false, reason: 'not tried (the wasm backend has not started)' };
}

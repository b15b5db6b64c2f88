/**
 * The fused BatchNorm + LeakyReLU layer of main/ml/dim/layers.ts as two wasm kernels computed by
 * the native addon: the forward pass (output, batch mean and variance) and its closed-form
 * gradient. layers.ts uses them when they are registered for the active backend and composes the
 * layer from tfjs ops everywhere else. Tested against the composed layer in
 * test/unit/ml/kernels/native-batch-norm.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernels, WasmHeapBackend } from './native-addon';

export const batchNormLeakyReluKernel = 'DimsearchBatchNormLeakyRelu';
export const batchNormLeakyReluGradKernel = 'DimsearchBatchNormLeakyReluGrad';

export interface BatchNormLeakyReluAttrs {
  epsilon: number;
  alpha: number;
}

function rowsAndChannels(x: tf.TensorInfo): Int32Array {
  const c = x.shape[x.shape.length - 1];
  return Int32Array.from([tf.util.sizeFromShape(x.shape) / c, c]);
}

export function nativeBatchNormKernelConfigs(kernels: NativeKernels): tf.KernelConfig[] {
  return [
    {
      kernelName: batchNormLeakyReluKernel,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend: anyBackend }) => {
        const backend = anyBackend as WasmHeapBackend;
        const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
        const { epsilon, alpha } = attrs as unknown as BatchNormLeakyReluAttrs;
        const channels = x.shape[x.shape.length - 1];
        const out = backend.makeOutput(x.shape, 'float32');
        const mean = backend.makeOutput([channels], 'float32');
        const variance = backend.makeOutput([channels], 'float32');
        const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
        kernels.batchNormLeakyRelu(view(x), view(gamma), view(beta), view(out), view(mean), view(variance), rowsAndChannels(x), epsilon, alpha);
        return [out, mean, variance];
      },
    },
    {
      kernelName: batchNormLeakyReluGradKernel,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend: anyBackend }) => {
        const backend = anyBackend as WasmHeapBackend;
        const { dy, x, gamma, beta, mean, variance } = inputs as Record<string, tf.TensorInfo>;
        const { epsilon, alpha } = attrs as unknown as BatchNormLeakyReluAttrs;
        const channels = x.shape[x.shape.length - 1];
        const dx = backend.makeOutput(x.shape, 'float32');
        const dGamma = backend.makeOutput([channels], 'float32');
        const dBeta = backend.makeOutput([channels], 'float32');
        const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
        kernels.batchNormLeakyReluGrad(view(dy), view(x), view(gamma), view(beta), view(mean), view(variance), view(dx), view(dGamma), view(dBeta), rowsAndChannels(x), epsilon, alpha);
        return [dx, dGamma, dBeta];
      },
    },
  ];
}

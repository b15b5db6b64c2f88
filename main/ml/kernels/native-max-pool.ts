/**
 * The gradient of main/ml/dim/layers.ts's window max pooling as one wasm kernel computed by the
 * native addon. layers.ts uses it when it is registered for the active backend and composes the
 * mask from tfjs ops everywhere else. Tested against the composed gradient in
 * test/unit/ml/kernels/native-max-pool.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernels, WasmHeapBackend } from './native-addon';

export const windowMaxPoolGradKernel = 'DimsearchWindowMaxPoolGrad';

export function nativeMaxPoolKernelConfigs(kernels: NativeKernels): tf.KernelConfig[] {
  return [
    {
      kernelName: windowMaxPoolGradKernel,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend: anyBackend }) => {
        const backend = anyBackend as WasmHeapBackend;
        const { x, pooled, dy } = inputs as Record<string, tf.TensorInfo>;
        const { windowH, windowW } = attrs as unknown as { windowH: number; windowW: number };
        const [n, h, w, c] = x.shape;
        const dx = backend.makeOutput(x.shape, 'float32');
        const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
        kernels.windowMaxPoolGrad(view(x), view(pooled), view(dy), view(dx), Int32Array.from([n, h, w, c, windowH, windowW]));
        return dx;
      },
    },
  ];
}

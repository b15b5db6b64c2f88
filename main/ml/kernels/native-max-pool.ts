/**
 * The gradient of main/ml/dim/layers.ts's window max pooling as one wasm kernel computed by the
 * native addon. layers.ts uses it when it is registered for the active backend and composes the
 * mask from tfjs ops everywhere else. And the wasm backend's MaxPool itself, where its windows do
 * not overlap and divide the sides (the encoder's 2×2, stride 2); any other pooling goes to the
 * wasm kernel registered before. Tested against the composed gradient and the cpu backend in
 * test/unit/ml/kernels/native-max-pool.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernels, WasmHeapBackend } from './native-addon';

export const windowMaxPoolGradKernel = 'DimsearchWindowMaxPoolGrad';

/** Whether a MaxPool is one the native kernel computes: windows = strides, dividing the sides, no padding needed. */
function isWindowPool(shape: readonly number[], attrs: { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: string }): [number, number] | null {
  const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? v : [v, v]);
  const [fh, fw] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  const [, h, w] = shape;
  if (fh !== sh || fw !== sw || !(h! % fh === 0 && w! % fw === 0)) return null;
  // With the sides divided, 'same' and 'valid' both need no padding.
  if (attrs.pad !== 'valid' && attrs.pad !== 'same') return null;
  return [fh, fw];
}

export function nativeMaxPoolKernelConfigs(kernels: NativeKernels): tf.KernelConfig[] {
  const original = tf.getKernel(tf.MaxPool, 'wasm')?.kernelFunc;
  const pool: tf.KernelConfig[] =
    original !== undefined && kernels.windowMaxPool !== undefined
      ? [
          {
            kernelName: tf.MaxPool,
            backendName: 'wasm',
            kernelFunc: (args) => {
              const backend = args.backend as WasmHeapBackend;
              const { x } = args.inputs as { x: tf.TensorInfo };
              const window = x.dtype === 'float32' && x.shape.length === 4 ? isWindowPool(x.shape, args.attrs as never) : null;
              if (!window) return original(args);
              const [n, h, w, c] = x.shape as [number, number, number, number];
              const pooled = backend.makeOutput([n, h / window[0], w / window[1], c], 'float32');
              kernels.windowMaxPool!(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(pooled), Int32Array.from([n, h, w, c, window[0], window[1]]));
              return pooled;
            },
          },
        ]
      : [];
  return [
    ...pool,
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

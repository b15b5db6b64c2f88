/**
 * Conv2D (forward, FusedConv2D, both gradients), BatchMatMul and _FusedMatMul for the wasm
 * backend, computed by the native addon (native-addon.ts) directly on the wasm heap. Every
 * configuration the addon does not cover (NCHW, PReLU, other activations, odd broadcasts) goes to
 * the kernel registered before.
 * Tested against the cpu backend in test/unit/ml/kernels/native-gemm.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeActivations, type NativeKernels, type WasmHeapBackend } from './native-addon';

type KernelFunc = tf.KernelConfig['kernelFunc'];

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
}

/** The epilogue the addon can fuse, or null when the original kernel must run. */
function epilogue(bias: tf.TensorInfo | undefined, prelu: tf.TensorInfo | undefined, activation: string | undefined, channels: number) {
  if (prelu) return null;
  const code = nativeActivations[activation ?? 'linear'];
  if (code === undefined) return null;
  if (bias && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== channels)) return null;
  return { code, biasInfo: bias };
}

function convDims(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left,
  ]);
}

type Shape4 = [number, number, number, number];

function convKernel(kernelName: string, blas: NativeKernels, original: KernelFunc): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const backend = args.backend as WasmHeapBackend;
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = args.attrs as unknown as ConvAttrs;
      if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || attrs.dataFormat === 'NCHW') return original(args);
      const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
      const tail = epilogue(bias, preluActivationWeights, attrs.activation, info.outChannels);
      if (!tail) return original(args);
      const out = backend.makeOutput(info.outShape, 'float32');
      // Views after every allocation: growing the heap would detach earlier ones.
      blas.conv2d(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(filter), backend.typedArrayFromHeap(out), convDims(info), tail.biasInfo ? backend.typedArrayFromHeap(tail.biasInfo) : null, tail.code, attrs.leakyreluAlpha ?? 0.2);
      return out;
    },
  };
}

interface ConvGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: Shape4;
  inputShape?: Shape4;
}

function filterGradKernel(blas: NativeKernels, original: KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const backend = args.backend as WasmHeapBackend;
      const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
      const attrs = args.attrs as unknown as ConvGradAttrs;
      if (x.dtype !== 'float32' || dy.dtype !== 'float32' || attrs.dataFormat === 'NCHW' || !attrs.filterShape) return original(args);
      const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
      const out = backend.makeOutput(info.filterShape, 'float32');
      blas.conv2dFilterGrad(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(out), convDims(info));
      return out;
    },
  };
}

function inputGradKernel(blas: NativeKernels, original: KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const backend = args.backend as WasmHeapBackend;
      const { dy, filter } = args.inputs as Record<string, tf.TensorInfo>;
      const attrs = args.attrs as unknown as ConvGradAttrs;
      if (filter.dtype !== 'float32' || dy.dtype !== 'float32' || attrs.dataFormat === 'NCHW' || !attrs.inputShape) return original(args);
      const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
      const out = backend.makeOutput(info.inShape, 'float32');
      blas.conv2dInputGrad(backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(filter), backend.typedArrayFromHeap(out), convDims(info));
      return out;
    },
  };
}

function matMulKernel(kernelName: string, blas: NativeKernels, original: KernelFunc): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const backend = args.backend as WasmHeapBackend;
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
      if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return original(args);
      const ra = a.shape.length, rb = b.shape.length;
      const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
      const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
      const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
      if (k !== kb) return original(args); // let the original report the mismatch
      const outer = (s: number[]) => s.slice(0, -2);
      const batchA = tf.util.sizeFromShape(outer(a.shape));
      const batchB = tf.util.sizeFromShape(outer(b.shape));
      // Only the broadcasts that are plain: equal outer shapes, or one side without batch.
      const equalOuter = outer(a.shape).join() === outer(b.shape).join();
      if (!equalOuter && batchA !== 1 && batchB !== 1) return original(args);
      const tail = epilogue(bias, preluActivationWeights, activation, n);
      if (!tail) return original(args);
      const batchShape = batchA >= batchB ? outer(a.shape) : outer(b.shape);
      const out = backend.makeOutput([...batchShape, m, n], 'float32');
      const dims = Int32Array.from([Math.max(batchA, batchB), m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, batchA, batchB]);
      blas.matmul(backend.typedArrayFromHeap(a), backend.typedArrayFromHeap(b), backend.typedArrayFromHeap(out), dims, tail.biasInfo ? backend.typedArrayFromHeap(tail.biasInfo) : null, tail.code, leakyreluAlpha ?? 0.2);
      return out;
    },
  };
}

/** The native kernels, each falling back to the wasm backend's kernel registered before it. */
export function nativeGemmKernelConfigs(blas: NativeKernels): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [];
  const previous = (name: string) => tf.getKernel(name, 'wasm')?.kernelFunc;
  for (const name of [tf.Conv2D, tf.FusedConv2D]) {
    const original = previous(name);
    if (original) configs.push(convKernel(name, blas, original));
  }
  for (const name of [tf.BatchMatMul, tf._FusedMatMul]) {
    const original = previous(name);
    if (original) configs.push(matMulKernel(name, blas, original));
  }
  const filterGrad = previous(tf.Conv2DBackpropFilter);
  if (filterGrad) configs.push(filterGradKernel(blas, filterGrad));
  const inputGrad = previous(tf.Conv2DBackpropInput);
  if (inputGrad) configs.push(inputGradKernel(blas, inputGrad));
  return configs;
}

/**
 * The optional native kernel addon (main/ml/native: convolutions and matrix products on OpenBLAS's
 * sgemm, the fused BatchNorm + LeakyReLU layer, the max-pooling gradient), built at install time where OpenBLAS is present
 * (libopenblas-dev) and skipped where it is not: the wasm backend then runs everything on XNNPACK.
 * DIMSEARCH_NATIVE_BLAS=0 turns it off.
 */
import { createRequire } from 'node:module';
import type * as tf from '@tensorflow/tfjs-core';

export interface NativeKernels {
  /** dims: [n, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
  conv2d(x: Float32Array, filter: Float32Array, out: Float32Array, dims: Int32Array, bias?: Float32Array | null, activation?: number, alpha?: number): void;
  /** dFilter (HWIO) = im2col(x)ᵀ · dy; dims as conv2d's. */
  conv2dFilterGrad(x: Float32Array, dy: Float32Array, dFilter: Float32Array, dims: Int32Array): void;
  /** dx = col2im(dy · filterᵀ); dims as conv2d's. */
  conv2dInputGrad(dy: Float32Array, filter: Float32Array, dx: Float32Array, dims: Int32Array): void;
  /** dims: [batch, m, n, k, transposeA, transposeB, batchA, batchB] */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array, bias?: Float32Array | null, activation?: number, alpha?: number): void;
  /** x [M, C] → out, and the batch mean and variance [C]; dims [M, C]. */
  batchNormLeakyRelu(x: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, mean: Float32Array, variance: Float32Array, dims: Int32Array, epsilon: number, alpha: number): void;
  /** The closed-form gradient of batchNormLeakyRelu (see layers.ts). */
  batchNormLeakyReluGrad(dy: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array, dims: Int32Array, epsilon: number, alpha: number): void;
  /** dx = x equals its window's max ? dy : 0, windows = strides; dims [n, h, w, c, windowH, windowW]. */
  windowMaxPoolGrad(x: Float32Array, pooled: Float32Array, dy: Float32Array, dx: Float32Array, dims: Int32Array): void;
  /** Max over non-overlapping windows that divide the sides; dims [n, h, w, c, windowH, windowW]. Absent from addons built before it was added. */
  windowMaxPool?(x: Float32Array, pooled: Float32Array, dims: Int32Array): void;
  /** OpenBLAS's thread count (process-wide). Absent from addons built before it was added. */
  blasThreads?(): number;
  setBlasThreads?(threads: number): void;
}

/**
 * The wasm backend's public surface the native kernels use: outputs allocated on its heap, and
 * Float32Array views of tensors there (taken after every allocation — a growing heap detaches
 * earlier views).
 */
export interface WasmHeapBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** Activation codes of the addon's fused epilogue. */
export const nativeActivations: Record<string, number> = { linear: 0, relu: 1, leakyrelu: 2, relu6: 3 };

let loaded: { kernels: NativeKernels | null; reason: string } | null = null;

export function loadNativeKernels(): { kernels: NativeKernels | null; reason: string } {
  if (loaded) return loaded;
  if (process.env.DIMSEARCH_NATIVE_BLAS === '0') return (loaded = { kernels: null, reason: 'turned off by DIMSEARCH_NATIVE_BLAS=0' });
  // OpenBLAS's idle threads spin for 2^28 cycles (~0.1 s) after each call before sleeping. Between
  // an indexing run's encodes that is a core taken from decoding (2.5 ms of CPU per photo,
  // measured); the shortest wait (2^4) left training and inference throughput unchanged here.
  // Read by OpenBLAS when it loads, i.e. with the addon below.
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  const require = createRequire(import.meta.url);
  // From sources (main/ml/kernels) and from the bundle (dist/main/...), the addon's build folder.
  const candidates = [new URL('../native/build/Release/dimsearch_kernels.node', import.meta.url), new URL('../../../main/ml/native/build/Release/dimsearch_kernels.node', import.meta.url)];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      return (loaded = { kernels: require(candidate.pathname) as NativeKernels, reason: 'loaded' });
    } catch (error) {
      failures.push(error instanceof Error ? error.message.split('\n')[0] : String(error));
    }
  }
  return (loaded = { kernels: null, reason: `not built (${failures[0]}); run npm run build:native where OpenBLAS is installed` });
}

/**
 * Run `compute` (synchronous) with OpenBLAS on `threads` threads, then restore its count. The
 * native streaming kernels split their rows into as many shares (parallel_shares.c). Process-wide,
 * so a GEMM another thread makes meanwhile runs on that many threads too; it only costs that GEMM
 * time, never correctness.
 */
export function onBlasThreads<T>(threads: number, compute: () => T): T {
  // Not loaded: the backend's GEMMs are not OpenBLAS's (wasm alone, tfjs-node), nothing to set.
  const kernels = loaded?.kernels;
  if (!kernels?.setBlasThreads || !kernels.blasThreads) return compute();
  const before = kernels.blasThreads();
  kernels.setBlasThreads(threads);
  try {
    return compute();
  } finally {
    kernels.setBlasThreads(before);
  }
}

/** onBlasThreads(1, compute): for GEMMs made while other work already keeps every core busy. */
export function onOneBlasThread<T>(compute: () => T): T {
  return onBlasThreads(1, compute);
}

/**
 * wasm's BatchMatMul / _FusedMatMul are fast only without transposes (XNNPACK's GEMM); with
 * transposeA or transposeB they fall back to a loop ~15–20× slower, and every matmul gradient
 * uses a transposed product. This wrapper transposes the operand explicitly (a cheap Transpose
 * kernel) and calls the backend's own kernel untransposed.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];

function transposeLastTwo(info: tf.TensorInfo, backend: tf.KernelBackend, transpose: KernelFunc): tf.TensorInfo {
  const rank = info.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose({ inputs: { x: info }, attrs: { perm }, backend }) as tf.TensorInfo;
}

export function untransposedMatMulConfig(kernelName: string, backendName: string, original: KernelFunc, transpose: KernelFunc): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend: anyBackend }) => {
      const backend = anyBackend as tf.KernelBackend;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return original({ inputs, attrs, backend });
      const temps: tf.TensorInfo[] = [];
      const a = transposeA ? transposeLastTwo(inputs.a!, backend, transpose) : inputs.a!;
      const b = transposeB ? transposeLastTwo(inputs.b!, backend, transpose) : inputs.b!;
      if (transposeA) temps.push(a);
      if (transposeB) temps.push(b);
      try {
        return original({ inputs: { ...inputs, a, b }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
      } finally {
        for (const t of temps) backend.disposeData(t.dataId);
      }
    },
  };
}

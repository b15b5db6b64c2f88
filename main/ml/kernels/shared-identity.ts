/**
 * Identity (tensor clones) on wasm as a second reference to the same data, as the cpu backend does
 * it, instead of wasm's copy. tfjs clones every tensor a custom gradient saves for the backward
 * pass (engine.customGrad's save), so each training step copied the encoder's largest activations
 * several times: 390 copies, about 4 % of the photo step (tf.profile, DIM-64, batch 64). Tensors
 * are immutable and a variable's assign swaps its data rather than writing into it, so sharing is
 * safe; the data is freed when its last reference goes (the backend counts them).
 */
import * as tf from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

export function sharedIdentityConfig(backendName = 'wasm'): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}

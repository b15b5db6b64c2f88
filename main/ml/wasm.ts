/**
 * Starting tfjs's wasm backend (XNNPACK, SIMD). Kept apart from backend.ts so the wasm
 * package is only imported when that rung of the ladder is tried.
 */
import * as tf from '@tensorflow/tfjs-core';

export async function startWasm(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-wasm');
  return tf.setBackend('wasm');
}

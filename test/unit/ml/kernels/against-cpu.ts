/**
 * Helpers for the kernel tests that check a wasm kernel (a gradient filler, a native kernel)
 * against tfjs's cpu backend or a composed reference: seeded inputs, the same computation run on
 * a named backend, and a closeness check relative to the reference's scale.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** `count` standard-normal values from a fixed seed. */
export function seededValues(count: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([count], 0, 1, 'float32', seed).dataSync() as Float32Array);
}

/** Run `run` on `backend` and read back every output. */
export async function outputsOn(backend: string, run: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(run);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(list);
  return data;
}

/** Every value within tolerance × max(1, largest |expected|) of the expected one. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  assert.ok(worst <= tolerance * scale, `${label}: max difference ${worst} (scale ${scale})`);
}

/** assertClose for each of several outputs. */
export function assertAllClose(actual: ArrayLike<number>[], expected: ArrayLike<number>[], tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: number of outputs`);
  expected.forEach((e, i) => assertClose(actual[i]!, e, tolerance, `${label}[${i}]`));
}

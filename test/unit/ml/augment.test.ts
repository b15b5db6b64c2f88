/** The two-view augmentation: identity when switched off, exact mirror, reflect-padded crops, seeded, in range. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentBatch, defaultAugment } from '../../../main/ml/dim/augment';
import { Rng } from '../../../main/ml/dim/random';

const size = 4;
const count = 2;
const pixels = Float32Array.from({ length: count * size * size * 3 }, (_, i) => ((i * 37) % 101) / 101 - 0.5);
const off = { pad: 0, flipProbability: 0, brightness: 0, contrast: [1, 1] as [number, number], greyProbability: 0 };
const at = (p: Float32Array, k: number, y: number, x: number, c: number) => p[((k * size + y) * size + x) * 3 + c];

test('with every augmentation off a view is the image itself', () => {
  assert.deepEqual(augmentBatch(pixels, count, size, new Rng(1), off), pixels);
});

test('flip mirrors columns; grey makes channels equal', () => {
  const flipped = augmentBatch(pixels, count, size, new Rng(1), { ...off, flipProbability: 1 });
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) assert.equal(at(flipped, 1, y, x, 2), at(pixels, 1, y, size - 1 - x, 2));
  const grey = augmentBatch(pixels, count, size, new Rng(1), { ...off, greyProbability: 1 });
  for (let i = 0; i < grey.length; i += 3) assert.ok(grey[i] === grey[i + 1] && grey[i + 1] === grey[i + 2]);
});

test('crops of the reflect-padded image only move pixels (no new values)', () => {
  const view = augmentBatch(pixels, count, size, new Rng(3), { ...off, pad: 2 });
  const originals = new Set(Array.from(pixels.subarray(0, size * size * 3)));
  for (let i = 0; i < size * size * 3; i++) assert.ok(originals.has(view[i]));
});

test('the default recipe is seeded and stays in [-0.5, 0.5]; two views differ', () => {
  const a = augmentBatch(pixels, count, size, new Rng(7), defaultAugment);
  const b = augmentBatch(pixels, count, size, new Rng(7), defaultAugment);
  assert.deepEqual(a, b);
  const rng = new Rng(8);
  const v1 = augmentBatch(pixels, count, size, rng, defaultAugment);
  const v2 = augmentBatch(pixels, count, size, rng, defaultAugment);
  assert.notDeepEqual(v1, v2);
  for (const v of [...a, ...v1, ...v2]) assert.ok(v >= -0.5 && v <= 0.5);
});

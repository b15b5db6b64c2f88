/**
 * The photo augmentation: identity when switched off at the same size, an exact mirror, a crop
 * that is a zoom of the source, a downscale that averages, a recompressed copy that keeps the picture
 * and loses its finest detail, seeded, in range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPhotoAugment, photoAugmentBatch, shrinkView, type PhotoAugmentOptions } from '../../../main/ml/dim/photo-augment';
import { Rng } from '../../../main/ml/dim/random';

const size = 6;
const count = 2;
const pixels = Float32Array.from({ length: count * size * size * 3 }, (_, i) => ((i * 37) % 101) / 101 - 0.5);
const off: PhotoAugmentOptions = {
  scale: [1, 1],
  ratio: [1, 1],
  flipProbability: 0,
  rotationProbability: 0,
  maxRotationDegrees: 8,
  jitterProbability: 0,
  jitter: 0.4,
  greyProbability: 0,
  blurProbability: 0,
  recompressProbability: 0,
  recompressScale: [0.5, 0.5],
  jpegQuality: [50, 50],
};
const at = (p: Float32Array, side: number, k: number, y: number, x: number, c: number) => p[((k * side + y) * side + x) * 3 + c];
const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

test('with every augmentation off and the same size, a view is the image itself', () => {
  const view = photoAugmentBatch(pixels, count, size, size, new Rng(1), off);
  view.forEach((v, i) => assert.ok(close(v, pixels[i]), `value ${i}: ${v} vs ${pixels[i]}`));
});

test('flip mirrors columns; grey makes channels equal', () => {
  const flipped = photoAugmentBatch(pixels, count, size, size, new Rng(1), { ...off, flipProbability: 1 });
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) assert.ok(close(at(flipped, size, 1, y, x, 2), at(pixels, size, 1, y, size - 1 - x, 2)));
  const grey = photoAugmentBatch(pixels, count, size, size, new Rng(1), { ...off, greyProbability: 1 });
  for (let i = 0; i < grey.length; i += 3) assert.ok(grey[i] === grey[i + 1] && grey[i + 1] === grey[i + 2]);
});

test('halving the side averages 2×2 blocks (bilinear at the block centre)', () => {
  const half = photoAugmentBatch(pixels, count, size, size / 2, new Rng(1), off);
  for (let y = 0; y < size / 2; y++)
    for (let x = 0; x < size / 2; x++) {
      const mean = (at(pixels, size, 0, 2 * y, 2 * x, 1) + at(pixels, size, 0, 2 * y, 2 * x + 1, 1) + at(pixels, size, 0, 2 * y + 1, 2 * x, 1) + at(pixels, size, 0, 2 * y + 1, 2 * x + 1, 1)) / 4;
      assert.ok(close(at(half, size / 2, 0, y, x, 1), mean));
    }
});

test('a crop of a quarter of the area shows a quarter of the photo, enlarged', () => {
  // A source whose red channel is the column and green the row: a crop's values stay within one half.
  const side = 16;
  const ramp = new Float32Array(side * side * 3);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) ramp.set([x / side - 0.5, y / side - 0.5, 0], (y * side + x) * 3);
  const view = photoAugmentBatch(ramp, 1, side, side, new Rng(4), { ...off, scale: [0.25, 0.25] });
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < view.length; i += 3) {
    lo = Math.min(lo, view[i]);
    hi = Math.max(hi, view[i]);
  }
  assert.ok(hi - lo < 0.5 + 1e-6 && hi - lo > 0.4, `the crop spans ${hi - lo} of the width`);
});

test('the default recipe is seeded and stays in [-0.5, 0.5]; two views differ', () => {
  const a = photoAugmentBatch(pixels, count, size, 4, new Rng(7), defaultPhotoAugment);
  const b = photoAugmentBatch(pixels, count, size, 4, new Rng(7), defaultPhotoAugment);
  assert.deepEqual(a, b);
  const rng = new Rng(8);
  const v1 = photoAugmentBatch(pixels, count, size, 4, rng, defaultPhotoAugment);
  const v2 = photoAugmentBatch(pixels, count, size, 4, rng, defaultPhotoAugment);
  assert.notDeepEqual(v1, v2);
  for (const v of [...a, ...v1, ...v2]) assert.ok(v >= -0.5 && v <= 0.5);
});

test('recompressing keeps a smooth photo and wipes out detail finer than the shrunk size', () => {
  const side = 32;
  // Red: a smooth ramp; green: a one-pixel checkerboard (detail a half-size copy cannot hold).
  const photo = new Float32Array(side * side * 3);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) photo.set([(x + y) / (4 * side) - 0.25, (x + y) % 2 ? 0.3 : -0.3, 0], (y * side + x) * 3);
  const view = photoAugmentBatch(photo, 1, side, side, new Rng(2), { ...off, recompressProbability: 1, recompressScale: [0.5, 0.5], jpegQuality: [70, 70] });
  let rampError = 0;
  let checkerSpread = 0;
  for (let i = 0; i < view.length; i += 3) {
    rampError += Math.abs(view[i] - photo[i]) / (side * side);
    checkerSpread += Math.abs(view[i + 1]) / (side * side);
  }
  assert.ok(rampError < 0.03, `the smooth ramp moved by ${rampError} on average`);
  assert.ok(checkerSpread < 0.05, `the checkerboard kept ${checkerSpread} of its ±0.3`);
  const again = photoAugmentBatch(photo, 1, side, side, new Rng(2), { ...off, recompressProbability: 1, recompressScale: [0.5, 0.5], jpegQuality: [70, 70] });
  assert.deepEqual(view, again);
});

test('a batch of the wrong length is refused', () => {
  assert.throws(() => photoAugmentBatch(new Float32Array(10), 1, size, 4, new Rng(1)), /expected 108 values, got 10/);
});

test('the separable shrink is the mean of a 4 × 4 grid of bilinear samples over each pixel’s footprint', () => {
  // The definition, sample by sample: what recompressing shrank with before the separable walk.
  const bilinear = (img: Float32Array, base: number, side: number, x: number, y: number, c: number) => {
    const cx = Math.min(side - 1, Math.max(0, x));
    const cy = Math.min(side - 1, Math.max(0, y));
    const [x0, y0] = [Math.floor(cx), Math.floor(cy)];
    const [x1, y1] = [Math.min(side - 1, x0 + 1), Math.min(side - 1, y0 + 1)];
    const p = (yy: number, xx: number) => img[base + (yy * side + xx) * 3 + c]!;
    const top = p(y0, x0) + (p(y0, x1) - p(y0, x0)) * (cx - x0);
    const bottom = p(y1, x0) + (p(y1, x1) - p(y1, x0)) * (cx - x0);
    return top + (bottom - top) * (cy - y0);
  };
  const side = 20;
  const img = Float32Array.from({ length: 2 * side * side * 3 }, (_, i) => Math.sin(i * 0.37) * 0.5);
  for (const small of [7, 10, 13, 19]) {
    const got = shrinkView(img, side * side * 3, side, small);
    const step = side / small;
    for (let y = 0; y < small; y++)
      for (let x = 0; x < small; x++)
        for (let c = 0; c < 3; c++) {
          let want = 0;
          for (let sy = 0; sy < 4; sy++)
            for (let sx = 0; sx < 4; sx++) want += bilinear(img, side * side * 3, side, (x + (sx + 0.5) / 4) * step - 0.5, (y + (sy + 0.5) / 4) * step - 0.5, c) / 16;
          assert.ok(Math.abs(got[(y * small + x) * 3 + c]! - want) < 1e-5, `${side} → ${small}: (${x}, ${y}, ${c}) ${got[(y * small + x) * 3 + c]} vs ${want}`);
        }
  }
});

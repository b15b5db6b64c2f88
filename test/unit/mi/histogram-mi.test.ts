import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binIndices,
  channelMutualInformation,
  histogramEntropy,
  histogramMutualInformation,
  mutualInformationFromJoint,
  resizeBilinear,
} from '../../../main/ml/mi/histogram-mi';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

test('hand-computed 2×2 case', () => {
  // Pairs (a,b): (0,0) (0,1) (1,1) (1,1) → p(a) = ½,½; p(b) = ¼,¾;
  // p(0,0)=¼, p(0,1)=¼, p(1,1)=½.
  const a = [0, 0, 1, 1];
  const b = [0, 1, 1, 1];
  const expected = 0.25 * Math.log(0.25 / (0.5 * 0.25)) + 0.25 * Math.log(0.25 / (0.5 * 0.75)) + 0.5 * Math.log(0.5 / (0.5 * 0.75));
  close(histogramMutualInformation(a, b, { bins: 2 }), expected);
  close(expected, 0.21576155433883565, 1e-12); // the number itself, so a wrong formula above cannot hide
});

test('a joint table of counts and one of probabilities give the same MI', () => {
  const counts = [3, 1, 0, 2, 5, 1];
  const probabilities = counts.map((n) => n / 12);
  close(mutualInformationFromJoint(counts, 2, 3), mutualInformationFromJoint(probabilities, 2, 3));
});

test('independent arrays give MI 0, identical arrays give their entropy', () => {
  // Every combination of a ∈ {0..3} and b ∈ {0..3} exactly once: exactly independent.
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      a.push(i);
      b.push(j);
    }
  close(histogramMutualInformation(a, b, { bins: 4 }), 0);
  const values = [0, 0, 0, 1, 2, 2, 3, 3];
  const h = histogramEntropy(values, 4);
  close(h, -(3 / 8) * Math.log(3 / 8) - (1 / 8) * Math.log(1 / 8) - 2 * (2 / 8) * Math.log(2 / 8));
  close(histogramMutualInformation(values, values, { bins: 4 }), h);
});

test('MI is symmetric and unchanged by scaling or shifting one array', () => {
  const a = Array.from({ length: 200 }, (_, i) => Math.sin(i * 0.37));
  const b = a.map((v, i) => v * v + 0.1 * Math.cos(i));
  close(histogramMutualInformation(a, b, { bins: 8 }), histogramMutualInformation(b, a, { bins: 8 }), 1e-12);
  // Scaling and shifting an array keeps its bins (equal-width bins over its own range).
  close(histogramMutualInformation(a, b, { bins: 8 }), histogramMutualInformation(a.map((v) => 3 * v - 1), b, { bins: 8 }), 1e-12);
});

test('binning clamps the range ends and puts a constant array in one bin', () => {
  assert.deepEqual([...binIndices([0, 0.49, 0.5, 1], 2)], [0, 0, 1, 1]);
  assert.deepEqual([...binIndices([-5, 5], 4, [0, 1])], [0, 3]);
  assert.deepEqual([...binIndices([7, 7, 7], 4)], [0, 0, 0]);
  close(histogramMutualInformation([7, 7, 7], [1, 2, 3], { bins: 3 }), 0);
});

test('bad input is refused with a clear error', () => {
  assert.throws(() => histogramMutualInformation([1, 2], [1]), /differ in length/);
  assert.throws(() => histogramMutualInformation([], []), /empty/);
  assert.throws(() => histogramMutualInformation([1, Number.NaN], [1, 2]), /not finite/);
  assert.throws(() => histogramMutualInformation([1, 2], [1, 2], { bins: 0 }), /positive integer/);
});

test('bilinear resize keeps a constant map and interpolates a ramp', () => {
  assert.deepEqual([...resizeBilinear([2, 2, 2, 2], 2, 2, 3, 3)], new Array(9).fill(2));
  // 1×2 ramp [0, 1] to 1×4: pixel centres at x = -0.25, 0.25, 0.75, 1.25 of the source → clamp, .25, .75, clamp.
  assert.deepEqual([...resizeBilinear([0, 1], 1, 2, 1, 4)], [0, 0.25, 0.75, 1]);
});

test('channel MI: a channel that copies the grey levels beats a constant one', () => {
  const H = 8;
  const W = 8;
  const image = new Float32Array(H * W * 3);
  for (let i = 0; i < H * W; i++) image.fill(((i % W) + Math.floor(i / W)) / 14, 3 * i, 3 * i + 3);
  // Feature map at full resolution with 2 channels: channel 0 = grey level, channel 1 = constant.
  const map = new Float32Array(H * W * 2);
  for (let i = 0; i < H * W; i++) {
    map[2 * i] = image[3 * i];
    map[2 * i + 1] = 0.3;
  }
  const mi = channelMutualInformation(image, H, W, map, H, W, 2, 4);
  close(mi[0], histogramEntropy(Array.from({ length: H * W }, (_, i) => image[3 * i]), 4), 1e-6);
  close(mi[1], 0);
});

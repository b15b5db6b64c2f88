/**
 * The pure parts of the feature-map view: the symmetric eigensolver, the PCA colouring of a
 * local map, and the per-channel description (strongest channels, histogram MI ranking), on
 * inputs whose answers are known by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFeatureMap, pcaColours, symmetricEigen } from '../../../main/ml/feature-maps';

test('symmetricEigen finds the eigenpairs of a small symmetric matrix', () => {
  // [[2,1],[1,2]]: eigenvalues 3 (along [1,1]/√2) and 1 (along [1,-1]/√2).
  const { eigenvalues, eigenvectors } = symmetricEigen([2, 1, 1, 2], 2);
  const order = eigenvalues[0] > eigenvalues[1] ? [0, 1] : [1, 0];
  assert.ok(Math.abs(eigenvalues[order[0]] - 3) < 1e-12);
  assert.ok(Math.abs(eigenvalues[order[1]] - 1) < 1e-12);
  const v = [eigenvectors[order[0]], eigenvectors[2 + order[0]]];
  assert.ok(Math.abs(Math.abs(v[0]) - Math.SQRT1_2) < 1e-12 && Math.abs(v[0] - v[1]) < 1e-12);
  // A diagonal matrix is its own answer.
  assert.deepEqual(symmetricEigen([5, 0, 0, 0, -2, 0, 0, 0, 7], 3).eigenvalues, [5, -2, 7]);
});

test('pcaColours: positions that vary along one direction have one component, ordered by that direction', () => {
  const n = 16;
  const c = 5;
  const direction = [1, -2, 0.5, 3, 0];
  const values = new Float32Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) values[i * c + k] = 0.3 + i * direction[k];
  const { rgb, explained } = pcaColours(values, n, c);
  assert.ok(explained[0] > 0.999999, `explained ${explained}`);
  assert.ok(explained[1] < 1e-6 && explained[2] < 1e-6);
  const red = Array.from({ length: n }, (_, i) => rgb[i * 3]);
  const increasing = red.every((v, i) => i === 0 || v >= red[i - 1]);
  const decreasing = red.every((v, i) => i === 0 || v <= red[i - 1]);
  assert.ok(increasing || decreasing, `red follows the position: ${red}`);
  assert.deepEqual([Math.min(...red), Math.max(...red)], [0, 255]);
  // Components that carry nothing stay mid-grey.
  assert.ok(Array.from({ length: n }, (_, i) => rgb[i * 3 + 1]).every((v) => v === 128));
});

test('describeFeatureMap ranks channels by mean activation and by MI with the grey levels', () => {
  // A 4×4 image whose grey level is a left-to-right ramp; a 4×4 map (so no resampling) with three
  // channels: 0 follows the ramp, 1 is constant but large, 2 runs top to bottom (independent of it).
  const S = 4;
  const image = new Float32Array(S * S * 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) image.fill(x / (S - 1) - 0.5, (y * S + x) * 3, (y * S + x) * 3 + 3);
  const h = 4;
  const c = 3;
  const values = new Float32Array(h * h * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < h; x++) {
      const i = y * h + x;
      values[i * c] = x * 0.1;
      values[i * c + 1] = 2;
      values[i * c + 2] = y * 0.1;
    }
  const d = describeFeatureMap({ values, height: h, width: h, channels: c }, image, S, { top: 2, bins: 4 });
  assert.deepEqual(d.strongest.map((s) => s.channel), [1, 0], 'by mean activation');
  assert.equal(d.strongest[0].variance, 0);
  assert.equal(d.mi[0].channel, 0, 'the ramp channel carries the most about the grey ramp');
  // Grey: 4 equal columns in 4 bins → H = log 4; the ramp channel determines the column: I = H.
  assert.ok(Math.abs(d.greyEntropy - Math.log(4)) < 1e-12);
  assert.ok(Math.abs(d.mi[0].mi - Math.log(4)) < 1e-9, `I(ramp) = ${d.mi[0].mi}`);
  const constant = d.mi.find((m) => m.channel === 1)!;
  const vertical = d.mi.find((m) => m.channel === 2)!;
  assert.equal(constant.mi, 0, 'a constant channel says nothing');
  assert.ok(vertical.mi < 1e-9, `rows are independent of the ramp: ${vertical.mi}`);
  assert.equal(d.pca.rgb.length, h * h * 3);
  assert.throws(() => describeFeatureMap({ values: new Float32Array(5), height: 2, width: 2, channels: 2 }, image, S), /expected 2×2×2/);
});

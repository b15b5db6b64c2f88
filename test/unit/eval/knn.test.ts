import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../main/ml/backend';
import { knnEvaluate, nearestNeighbours, normaliseRows, weightedVote } from '../../../main/ml/eval/knn';

before(async () => {
  await initBackend();
});

const unit = (degrees: number) => [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
const A = 0;
const B = 1;
const C = 2;

// Query along x. Bank: one A at 0° (sim 1), two B at ±36.87° (sim 0.8 each), one C at 60° (sim 0.5),
// one A at 180° (sim −1).
const angleB = (Math.acos(0.8) * 180) / Math.PI;
const bank = { codes: Float32Array.from([...unit(0), ...unit(angleB), ...unit(-angleB), ...unit(60), ...unit(180)]), labels: [A, B, B, C, A], dim: 2 };
const query = { codes: Float32Array.from(unit(0)), labels: [A], dim: 2 };

test('the similarity-weighted vote is worked out by hand', async () => {
  // k = 3 sees A (1.0), B (0.8), B (0.8): a plain majority would say B.
  // With τ = 0.07: A weighs e^(1/0.07) ≈ 1.6e6, B weighs 2·e^(0.8/0.07) ≈ 1.8e5 → A.
  // With τ = 1:    A weighs e^1 ≈ 2.72,      B weighs 2·e^0.8 ≈ 4.45 → B.
  const sharp = await knnEvaluate(bank, query, { ks: [1, 3, 4], precisionAt: 3 });
  assert.equal(sharp.accuracy[1], 100);
  assert.equal(sharp.accuracy[3], 100);
  assert.equal(sharp.accuracy[4], 100);
  assert.ok(Math.abs(sharp.precision - 100 / 3) < 1e-9, `precision@3 = ${sharp.precision}`); // A, B, B
  const flat = await knnEvaluate(bank, query, { ks: [1, 3], precisionAt: 3, temperature: 1 });
  assert.equal(flat.accuracy[1], 100);
  assert.equal(flat.accuracy[3], 0);
  assert.equal(weightedVote([A, B, B], [1, 0.8, 0.8], 3, 1), B);
  assert.equal(weightedVote([A, B, B], [1, 0.8, 0.8], 3, 0.07), A);
  // A tie in summed weight goes to the class met first in rank order.
  assert.equal(weightedVote([C, B, B, C], [0.9, 0.9, 0.9, 0.9], 4, 0.07), C);
});

test('codes are compared by cosine: scaling a code changes nothing, k larger than the bank is clamped', async () => {
  const scaled = { ...bank, codes: bank.codes.map((v, i) => (Math.floor(i / 2) === 1 ? v * 50 : v * 0.01)) };
  const result = await knnEvaluate(scaled, query, { ks: [1, 3, 200], precisionAt: 10 });
  assert.equal(result.accuracy[1], 100);
  assert.equal(result.accuracy[3], 100);
  assert.equal(result.accuracy[200], 100); // all 5 vote: A e^(1/.07)+e^(−1/.07) beats B 2e^(.8/.07)
  assert.equal(result.precision, 40); // 2 of the 5 bank codes are A
});

test('neighbours are exact, best first, ties by lower index, across query and bank blocks', async () => {
  let state = 7;
  const rand = () => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const dim = 5;
  const bankCodes = normaliseRows(Float32Array.from({ length: 23 * dim }, rand), dim);
  bankCodes.copyWithin(9 * dim, 4 * dim, 5 * dim); // rows 4 and 9 identical: a tie
  const queries = normaliseRows(Float32Array.from({ length: 7 * dim }, rand), dim);
  queries.set(bankCodes.subarray(4 * dim, 5 * dim), 0); // query 0 equals rows 4 and 9
  const depth = 6;
  const { indices, similarities } = await nearestNeighbours(bankCodes, queries, dim, depth, { queryBlock: 3, bankBlock: 4 });
  for (let q = 0; q < 7; q++) {
    const reference = Array.from({ length: 23 }, (_, j) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += queries[q * dim + d] * bankCodes[j * dim + d];
      return { j, s };
    }).sort((a, b) => b.s - a.s || a.j - b.j);
    for (let r = 0; r < depth; r++) {
      assert.ok(Math.abs(similarities[q * depth + r] - reference[r].s) < 1e-5, `query ${q} rank ${r}`);
      if (r + 1 < depth && Math.abs(reference[r].s - reference[r + 1].s) > 1e-5) assert.equal(indices[q * depth + r], reference[r].j);
    }
  }
  assert.deepEqual([indices[0], indices[1]], [4, 9]);
});

test('normalising leaves a zero code at zero and refuses non-finite codes', () => {
  assert.deepEqual([...normaliseRows(Float32Array.from([3, 4, 0, 0]), 2)], [0.6, 0.8, 0, 0].map(Math.fround));
  assert.throws(() => normaliseRows(Float32Array.from([Number.NaN, 1]), 2), /not finite/);
  assert.throws(() => normaliseRows(Float32Array.from([1, 2, 3]), 2), /not rows of 2/);
});

test('mismatched inputs get clear errors', async () => {
  await assert.rejects(knnEvaluate({ ...bank, labels: [A] }, query), /5 codes but 1 labels/);
  await assert.rejects(knnEvaluate(bank, { codes: new Float32Array(3), labels: [A], dim: 3 }), /2 dimensions, queries 3/);
  await assert.rejects(knnEvaluate(bank, query, { ks: [0] }), /positive integers/);
});

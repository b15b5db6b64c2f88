import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../main/ml/backend';
import { knnEvaluate } from '../../../main/ml/eval/knn';
import { Rng } from '../../../main/ml/dim/random';
import { mcnemar, perQueryKnn } from '../../bench/support/paired';

test('perQueryKnn agrees with knnEvaluate query by query summed, and McNemar counts what changed', async () => {
  await initBackend();
  const rng = new Rng(3);
  const dim = 8;
  // Three classes around three centres, so the vote is right more often than chance but not always.
  const draw = (count: number) => {
    const codes = new Float32Array(count * dim);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 3;
      for (let d = 0; d < dim; d++) codes[i * dim + d] = (d % 3 === labels[i] ? 1 : 0) + 1.2 * (rng.next() - 0.5) * 2;
    }
    return { codes, labels };
  };
  const bank = draw(90);
  const queries = draw(60);
  const reference = await knnEvaluate({ ...bank, dim }, { ...queries, dim }, { ks: [20], precisionAt: 10 });
  const { right, precision } = await perQueryKnn(bank, queries, dim);
  const accuracy = (100 * right.reduce((s, v) => s + v, 0)) / right.length;
  assert.ok(Math.abs(accuracy - reference.accuracy[20]!) < 1e-9, `${accuracy} vs ${reference.accuracy[20]}`);
  assert.ok(Math.abs((100 * precision.reduce((s, v) => s + v, 0)) / precision.length - reference.precision) < 1e-4);
  assert.ok(accuracy > 40 && accuracy < 100, `a test that can tell: ${accuracy} %`);

  assert.deepEqual(mcnemar(Uint8Array.from([1, 1, 0, 0, 1]), Uint8Array.from([1, 0, 1, 1, 1])), { gained: 2, lost: 1, z: 1 / Math.sqrt(3) });
  assert.deepEqual(mcnemar(Uint8Array.from([1, 0]), Uint8Array.from([1, 0])), { gained: 0, lost: 0, z: 0 });
  assert.throws(() => mcnemar(new Uint8Array(2), new Uint8Array(3)), /differ in length/);
});

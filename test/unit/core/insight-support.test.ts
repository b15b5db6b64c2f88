/**
 * Small pieces behind the Compare and Train views: the overlap of neighbour lists, the curve
 * recorder's bounded, evenly spaced memory, curves read back (curves.json or a card's history),
 * and default model names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listOverlap } from '../../../main/core/library/compare';
import { CurveRecorder, readCurves, saveCurves } from '../../../main/core/training/curves';
import { trainedModelName } from '../../../main/core/training/training-manager';
import { trainingDefaults, withOverrides } from '../../../main/ml/dim/train-defaults';
import { TrainingRequest } from '../../../main/api/contract';

const hit = (id: number) => ({ id, path: `/p/${id}.jpg`, score: 1 - id / 100 });

test('listOverlap counts shared photos and the Jaccard index for every pair of lists that exist', () => {
  const columns = [
    { modelId: 'a', hits: [1, 2, 3, 4].map(hit) },
    { modelId: 'b', hits: [3, 4, 5, 6].map(hit) },
    { modelId: 'c', hits: [7, 8].map(hit) },
  ];
  assert.deepEqual(listOverlap(columns), [
    { a: 'a', b: 'b', shared: 2, jaccard: 2 / 6 },
    { a: 'a', b: 'c', shared: 0, jaccard: 0 },
    { a: 'b', b: 'c', shared: 0, jaccard: 0 },
  ]);
  // A model without codes yet has an empty list: no "0 in common" beside it.
  assert.deepEqual(listOverlap([{ modelId: 'x', hits: [] }, { modelId: 'y', hits: [] }]), []);
  assert.deepEqual(listOverlap([...columns.slice(0, 2), { modelId: 'computing', hits: [] }]), [{ a: 'a', b: 'b', shared: 2, jaccard: 2 / 6 }]);
});

test('CurveRecorder keeps a bounded, evenly spaced subset and always the latest step', () => {
  const recorder = new CurveRecorder(100);
  for (let s = 1; s <= 10_000; s++) recorder.push({ epoch: 1, step: s, globalStep: s, terms: { loss: 1 / s }, imagesPerSecond: 10 });
  const steps = recorder.steps().map((p) => p.globalStep);
  assert.ok(steps.length <= 201, `${steps.length} points`);
  assert.ok(steps.length >= 100);
  const gaps = new Set(steps.slice(1, -1).map((s, i) => s - steps[i]));
  assert.equal(gaps.size, 1, 'evenly spaced');
  assert.equal(steps[steps.length - 1], 10_000);
  const small = new CurveRecorder(100);
  for (let s = 1; s <= 7; s++) small.push({ epoch: 1, step: s, globalStep: s, terms: {}, imagesPerSecond: 1 });
  assert.deepEqual(small.steps().map((p) => p.globalStep), [1, 2, 3, 4, 5, 6, 7], 'short runs keep every step');
});

test('readCurves: curves.json when saved, else the card’s per-epoch history, else null', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-curves-'));
  try {
    assert.equal(await readCurves(dir, {}), null);
    assert.deepEqual(await readCurves(dir, { history: [{ loss: 2 }, { loss: 1 }] }), { steps: [], epochs: [{ loss: 2 }, { loss: 1 }] });
    const curves = { steps: [{ epoch: 1, step: 1, globalStep: 1, terms: { loss: 3 }, imagesPerSecond: 5 }], epochs: [{ loss: 3 }] };
    await saveCurves(dir, curves);
    assert.deepEqual(await readCurves(dir, { history: [] }), curves);
    await writeFile(join(dir, 'curves.json'), '{"not":"curves"}');
    await assert.rejects(readCurves(dir), /not a dimsearch curves file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('default model names say what was trained (or which model was adapted) and are valid names', () => {
  const request = { objective: 'local' as const, estimator: 'infonce' as const, epochs: 3, size: 64 as const };
  const recipe = withOverrides(trainingDefaults, { objective: 'local', estimator: 'infonce', epochs: 3, inputSize: 64 });
  const name = trainedModelName(recipe, null, new Date('2026-11-22T01:02:03Z'));
  assert.equal(name, 'dim-local-infonce-64px-20261122-010203');
  assert.ok(TrainingRequest.safeParse({ ...request, name }).success);
  const adapted = trainedModelName(recipe, { name: 'dim-photo-both' }, new Date('2026-11-22T01:02:03Z'));
  assert.equal(adapted, 'dim-photo-both-adapted-20261122-010203');
  assert.ok(TrainingRequest.safeParse({ name: adapted }).success);
});

/**
 * "Adapt to this library", end to end on the back end (the calls a page makes, validated as the
 * shells do): a run continues the search model on the library's photos with that model's own
 * recipe, holds a seeded slice out, and compares the new and the current model on it (edited
 * copies, information bounds, spread of the codes). The search model stays until the user
 * chooses; useModel switches to the new one and back. A model whose codes collapsed is flagged
 * and never called better. Tiny: 72 generated photos, one epoch, short critic training.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { calls, parseInput, type Backend, type CallName, type CallOutput, type EventName, type ModelInfo } from '../../../main/api/contract';
import { createBackend } from '../../../main/core/backend';
import { compareOnHeldOut, verdictOf } from '../../../main/core/training/held-out-comparison';
import { splitHeldOut } from '../../../main/core/training/held-out';
import { DimEncoder } from '../../../main/ml/dim/encoder';
import { codesCollapsed } from '../../../main/ml/model-card';
import { loadDimEncoder, readModelInfo, saveEncoder } from '../../../main/ml/models';
import { writePhotos } from '../../fixtures/photos';

let root: string;
let libraryDir: string;
let backend: Backend;
let shippedId: string;
let adaptedId: string;
const seen: { event: EventName; payload: any }[] = [];
const settings = { informationSteps: 20, informationSamples: 64, copyLimit: 32 };

async function call<N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> {
  const handler = backend.handlers[name] as (input: unknown) => Promise<CallOutput<N>>;
  const output = await handler(parseInput(name, input));
  const checked = calls[name].output.safeParse(output);
  assert.ok(checked.success, `${name} answered outside the contract: ${JSON.stringify(output).slice(0, 300)}`);
  return output;
}

function finishedOf(jobId: string): Promise<any> {
  const done = seen.find((e) => e.event === 'jobFinished' && e.payload.jobId === jobId);
  if (done) return Promise.resolve(done.payload);
  return new Promise((resolve) => {
    const stop = backend.subscribe((event, payload: any) => {
      if (event === 'jobFinished' && payload.jobId === jobId) {
        stop();
        resolve(payload);
      }
    });
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-adapt-'));
  libraryDir = join(root, 'library');
  await writePhotos(join(root, 'photos'), 72);
  // dim-both, named: this is about continuing a model with its own recipe (pad-and-crop, 32 px), and
  // the CIFAR model adapts fastest; test/e2e/adapt.test.ts adapts the default photo model.
  backend = await createBackend({ libraryDir, desktop: false, comparisonSettings: settings, model: 'dim-both' });
  backend.subscribe((event, payload) => seen.push({ event, payload }));
  const { jobId } = await call('addFolder', { path: join(root, 'photos') });
  assert.equal((await finishedOf(jobId)).status, 'done');
  shippedId = (await call('libraryInfo', {})).model.id;
});

after(async () => {
  await backend?.close();
  await rm(root, { recursive: true, force: true });
});

test('adapting continues the search model with its own recipe and compares it on held-out photos; the search model stays', async () => {
  const { jobId, name } = await call('startTraining', { from: shippedId, epochs: 1, batchSize: 16 });
  assert.match(name, /-adapted-\d{8}-\d{6}$/);
  const finished = await finishedOf(jobId);
  assert.equal(finished.status, 'done', finished.error);
  adaptedId = finished.modelId;
  // Progress of the comparison was shown while it ran.
  assert.ok(seen.some((e) => e.event === 'jobProgress' && e.payload.jobId === jobId && e.payload.phase === 'comparing'));

  // Never switched by itself.
  assert.equal((await call('libraryInfo', {})).model.id, shippedId);

  const model = (await call('listModels', {})).find((m) => m.id === adaptedId);
  assert.ok(model, 'the adapted model is listed');
  const shippedCard = (await readModelInfo('dim-both')).card;
  assert.equal(model.inputSize, 32, "the shipped model's own size");
  assert.equal(model.card.augmentation, 'pad-crop', "dim-both's own recipe: pad-and-crop, never the one-view JSD recipe");
  assert.equal(model.card.estimator, shippedCard.estimator);
  assert.deepEqual(model.card.initialisedFrom, { name: 'dim-both', id: shippedId });
  assert.equal(model.card.trainedOn, 'CIFAR-10, then this library');
  assert.match(String(model.card.heldOut), /^32 of 72 photos .*seed 7/);
  assert.ok(model.card.copies && model.card.codeSpread, 'its card records what the comparison measured');

  const { comparison, reason } = await call('trainingComparison', { model: adaptedId });
  assert.equal(reason, null);
  assert.ok(comparison);
  assert.equal(comparison.heldOut.photos, 32);
  assert.deepEqual([comparison.current.modelId, comparison.candidate.modelId], [shippedId, adaptedId]);
  for (const figures of [comparison.current, comparison.candidate]) {
    assert.ok(figures.copies && figures.copies.n === 32, 'an edited copy of each held-out photo');
    assert.ok(figures.copies.top1 >= 0 && figures.copies.top1 <= 1 && figures.copies.top10 >= figures.copies.top1);
    assert.ok(figures.information && Number.isFinite(figures.information.miGlobal) && Number.isFinite(figures.information.miLocal));
    assert.ok(figures.spread.medianCosine > -1 && figures.spread.medianCosine <= 1);
  }
  assert.ok(['better', 'worse', 'mixed', 'collapsed'].includes(comparison.verdict));
  if (comparison.candidate.spread.collapsed) assert.equal(comparison.verdict, 'collapsed');
  assert.ok(comparison.summary.length > 20);
  // The held-out slice never took part in the training: it trained on the other 40.
  assert.equal((model.card.data as { images: number }).images, 40);
  assert.equal(splitHeldOut((await call('listPhotos', { offset: 0, limit: 100 })).photos.map((p) => p.path)).heldOut.length, 32);
});

test('the model picker’s call switches the search model to the adapted one and back', async () => {
  const there = await call('useModel', { model: adaptedId });
  assert.equal((await finishedOf(there.jobId)).status, 'done');
  assert.equal((await call('libraryInfo', {})).model.id, adaptedId);
  const hits = await call('searchByPhoto', { id: (await call('listPhotos', { offset: 0, limit: 1 })).photos[0].id, k: 3 });
  assert.equal(hits.length, 3);
  const back = await call('useModel', { model: shippedId });
  assert.equal((await finishedOf(back.jobId)).status, 'done');
  assert.equal((await call('libraryInfo', {})).model.id, shippedId);
});

test('too few photos to hold some out: the run says so instead of comparing', async () => {
  const small = join(root, 'small');
  await writePhotos(small, 12, 500);
  const { jobId } = await call('startTraining', { from: shippedId, folder: small, epochs: 1, batchSize: 4, name: 'small-adapted' });
  const finished = await finishedOf(jobId);
  assert.equal(finished.status, 'done', finished.error);
  const answer = await call('trainingComparison', { model: finished.modelId });
  assert.equal(answer.comparison, null);
  assert.match(answer.reason!, /12 photos are too few/);
  // And a size other than the continued model's is refused with a reason.
  await assert.rejects(call('startTraining', { from: shippedId, size: 64, epochs: 1 }), /takes 32 px photos/);
});

test('a model whose codes collapsed is flagged and never called better', async () => {
  // Constructed: dim-both with its code head zeroed, so every photo gets the same code.
  const { encoder } = await loadDimEncoder('dim-both');
  const weights: tf.NamedTensorMap = Object.fromEntries(encoder.variables);
  weights['encoder/z_mean/kernel'] = tf.zerosLike(weights['encoder/z_mean/kernel']);
  weights['encoder/z_mean/bias'] = tf.onesLike(weights['encoder/z_mean/bias']);
  const collapsedEncoder = new DimEncoder(encoder.options, { weights });
  const dir = join(root, 'collapsed');
  await saveEncoder(dir, collapsedEncoder, { trained: true, description: 'constructed collapsed codes' }, 'collapsed');
  encoder.dispose();
  collapsedEncoder.dispose();

  const photos = (await call('listPhotos', { offset: 0, limit: 100 })).photos.map((p) => p.path);
  const heldOut = splitHeldOut(photos).heldOut;
  const current = (await call('libraryInfo', {})).model as ModelInfo;
  const candidate = await readModelInfo(dir);
  const comparison = await compareOnHeldOut(current, candidate, heldOut, { seed: 7, share: 0.44, description: 'test' }, {
    settings,
    signal: new AbortController().signal,
    report: () => undefined,
  });
  assert.equal(comparison.candidate.spread.collapsed, true);
  assert.ok(comparison.candidate.spread.medianCosine > 0.999);
  assert.equal(comparison.verdict, 'collapsed');
  assert.match(comparison.summary, /collapsed/);
  // Even were its other figures better, collapse decides.
  const flattered = { ...comparison.candidate, copies: { ...comparison.candidate.copies!, top1: 1, top10: 1 } };
  assert.equal(verdictOf(comparison.current, flattered).verdict, 'collapsed');
  // A card that records such a measurement is flagged in the model list.
  assert.equal(codesCollapsed({ codeSpread: { medianCosine: comparison.candidate.spread.medianCosine, photos: 32, measuredOn: 'test' } }), true);
  assert.equal(codesCollapsed({ codeSpread: { medianCosine: 0.4, photos: 32, measuredOn: 'test' } }), false);
  assert.ok(existsSync(join(dir, 'model.json')));
  assert.ok(JSON.parse(await readFile(join(dir, 'card.json'), 'utf8')).name === 'collapsed');
});

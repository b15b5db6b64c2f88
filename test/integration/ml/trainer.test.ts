/**
 * The trainer on a small generated photo folder, with a tiny encoder so the whole file runs in
 * well under a minute: learning happens, resume continues the very same run, cancel leaves a
 * usable checkpoint, bad files are skipped with a reason, the worker entry works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train, type TrainOptions } from '../../../main/ml/dim/trainer';
import { runTrainingInWorker } from '../../../main/core/training/train-in-worker';
import { folderPhotoSource } from '../../../main/core/training/photo-sources';
import * as tf from '@tensorflow/tfjs-core';
import { loadDimEncoder, loadEncoder, readCritics } from '../../../main/ml/models';
import { describeSearchCode } from '../../../main/ml/dim/search-code';
import { makeDataset } from './dataset';

const folder = await makeDataset(32, { bad: true });
/** The trainer is handed its photos (ml never reads folders): core's folder source. */
const photos = folderPhotoSource(folder);
const tiny = { inputSize: 16, blockWidths: [8, 16], headWidths: [16], zDim: 16, criticHidden: [32, 32], batchSize: 8 } satisfies Partial<TrainOptions>;

/** The largest difference between two saved models' weights (same architecture). */
async function largestWeightGap(dirA: string, dirB: string): Promise<number> {
  const read = async (dir: string) => new Float32Array((await readFile(join(dir, 'weights.bin'))).buffer.slice(0));
  const [a, b] = [await read(dirA), await read(dirB)];
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

async function outDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'dimsearch-model-')), 'model');
}

test('a short run lowers the loss and raises the MI estimates; bad files are skipped with a reason', async () => {
  const out = await outDir();
  const result = await train({ ...tiny, photos, out, epochs: 8, estimator: 'jsd', learningRate: 3e-3 });
  assert.equal(result.status, 'done');
  assert.equal(result.images, 32);
  assert.equal(result.history.length, 8);
  const first = result.history[0];
  const last = result.history[result.history.length - 1];
  assert.ok(last.loss < first.loss, `loss ${first.loss} → ${last.loss}`);
  assert.ok(last.miGlobal > first.miGlobal, `global MI ${first.miGlobal} → ${last.miGlobal}`);
  assert.ok(last.miLocal > first.miLocal, `local MI ${first.miLocal} → ${last.miLocal}`);
  assert.deepEqual(result.skipped.map((s) => s.path.split('/').pop()), ['broken.jpg']);
  assert.match(result.skipped[0].reason, /not an image|unsupported|corrupt/i);
  // The model directory is complete and loads as an encoder whose card tells the run.
  const card = JSON.parse(await readFile(join(out, 'card.json'), 'utf8'));
  assert.equal(card.estimator, 'jsd');
  assert.equal(card.objective, 'both');
  assert.equal(card.epochs, 8);
  const encoder = await loadEncoder(out);
  assert.equal(encoder.modelId, result.modelId);
  assert.equal(encoder.dim, 16);
  encoder.dispose();
  assert.equal(existsSync(`${out}.checkpoint`), false, 'a finished run removes its checkpoint');
});

test('resume continues the same run: an interrupted run ends where an uninterrupted one does', async () => {
  const common = { ...tiny, photos, epochs: 2, estimator: 'dv' as const, seed: 5, keepCheckpoint: true };
  const straightOut = await outDir();
  const straight = await train({ ...common, out: straightOut });
  const resumedOut = await outDir();
  const first = await train({ ...common, out: resumedOut, maxSteps: 3 });
  assert.equal(first.status, 'stopped');
  assert.equal(first.epochs, 0);
  assert.ok(first.checkpoint && existsSync(first.checkpoint));
  const second = await train({ ...common, out: resumedOut, resume: true });
  assert.equal(second.status, 'done');
  assert.equal(second.epochs, 2);
  assert.equal(second.steps, straight.steps);
  for (let e = 0; e < 2; e++)
    for (const key of Object.keys(straight.history[e]))
      assert.ok(Math.abs(straight.history[e][key] - second.history[e][key]) < 1e-4, `epoch ${e + 1} ${key}: ${straight.history[e][key]} vs ${second.history[e][key]}`);
  const worst = await largestWeightGap(straightOut, resumedOut);
  assert.ok(worst < 1e-4, `weights differ by up to ${worst}`);
});

test('an end-of-run decay changes where the run ends, survives a resume, and is on the card', async () => {
  const common = { ...tiny, photos, epochs: 2, estimator: 'dv' as const, seed: 5, keepCheckpoint: true };
  const decay = { fromEpoch: 1, finalFraction: 0.05 };
  const constant = await train({ ...common, out: await outDir() });
  const decayedOut = await outDir();
  const decayed = await train({ ...common, out: decayedOut, learningRateDecay: decay });
  // The first epoch is at the base rate in both; the second is slower in the decayed run.
  for (const key of Object.keys(constant.history[0])) assert.ok(Math.abs(constant.history[0][key] - decayed.history[0][key]) < 1e-4, `epoch 1 ${key}`);
  const resumedOut = await outDir();
  await train({ ...common, out: resumedOut, learningRateDecay: decay, maxSteps: 5 });
  // The resume names no decay: the run's own (in its checkpoint) continues.
  const resumed = await train({ ...common, out: resumedOut, resume: true });
  assert.equal(resumed.status, 'done');
  const worst = await largestWeightGap(decayedOut, resumedOut);
  assert.ok(worst < 1e-4, `a resumed decayed run ends where a straight one does (weights differ by up to ${worst})`);
  assert.ok((await largestWeightGap(decayedOut, constant.model!)) > 1e-4, 'the decay changed the second epoch');
  const card = JSON.parse(await readFile(join(decayedOut, 'card.json'), 'utf8'));
  assert.deepEqual(card.learningRateDecay, decay);
  assert.match(card.learningRateSchedule, /until epoch 1, then a cosine decay to 0\.00005/);
});

test('cancel leaves a usable checkpoint that a resume finishes (augmented two-view recipe)', async () => {
  const out = await outDir();
  const controller = new AbortController();
  let steps = 0;
  const cancelled = await train({
    ...tiny,
    photos,
    out,
    epochs: 2,
    augment: true,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'training' && ++steps === 2) controller.abort();
    },
  });
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.model, null);
  assert.ok(cancelled.checkpoint && existsSync(join(cancelled.checkpoint, 'state.json')));
  const state = JSON.parse(await readFile(join(cancelled.checkpoint, 'state.json'), 'utf8'));
  assert.equal(state.stepsDone, 2);
  const resumed = await train({ photos, out, resume: true });
  assert.equal(resumed.status, 'done');
  assert.equal(resumed.steps, 8);
  const card = JSON.parse(await readFile(join(out, 'card.json'), 'utf8'));
  assert.equal(card.augment, true);
  assert.equal(card.estimator, 'infonce');
});

test('the worker entry trains off the caller thread, reporting progress', async () => {
  const out = await outDir();
  const phases = new Set<string>();
  const result = await runTrainingInWorker({ ...tiny, photos: { kind: 'folder', folder }, out, epochs: 1, estimator: 'infonce', onProgress: (p) => phases.add(p.phase) });
  assert.equal(result.status, 'done');
  assert.ok(phases.has('training') && phases.has('saving'), [...phases].join(','));
  assert.ok(existsSync(join(out, 'model.json')));
});

test('initialModel starts the encoder from a trained model (its architecture, its weights) and continues the critics saved beside it', async () => {
  const base = await outDir();
  await train({ ...tiny, photos, out: base, epochs: 1, augmentation: 'photo' });
  const out = await outDir();
  // The options' architecture is overridden by the model's; a vanishing learning rate keeps its weights.
  const result = await train({ photos, out, inputSize: 32, zDim: 64, criticHidden: [32, 32], batchSize: 8, epochs: 1, maxSteps: 1, saveModelOnStop: true, learningRate: 1e-12, augmentation: 'photo', initialModel: base });
  assert.equal(result.status, 'stopped');
  const [before, after] = await Promise.all([loadDimEncoder(base), loadDimEncoder(out)]);
  try {
    assert.deepEqual(after.encoder.options, before.encoder.options, 'the architecture is the starting model’s');
    let compared = 0;
    for (const [name, variable] of before.encoder.variables) {
      if (!variable.trainable) continue; // BatchNorm's moving statistics follow the new photos
      const a = variable.dataSync();
      const b = after.encoder.variables.get(name)!.dataSync();
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${name}[${i}] kept (${a[i]} vs ${b[i]})`);
      compared++;
    }
    assert.ok(compared > 4);
    const card = JSON.parse(await readFile(join(out, 'card.json'), 'utf8'));
    assert.deepEqual(card.initialisedFrom, { name: before.info.name, id: before.info.id });
    assert.equal(card.augmentation, 'photo');
    // The trained critics were saved with the model, and the continued run started from them, not fresh ones.
    const [criticsBefore, criticsAfter] = await Promise.all([readCritics(base), readCritics(out)]);
    try {
      assert.ok(criticsBefore && criticsAfter, 'both models carry their critics');
      assert.ok(Object.keys(criticsBefore).some((name) => name.startsWith('critic_dot/')), Object.keys(criticsBefore).join(','));
      assert.deepEqual(Object.keys(criticsAfter).sort(), Object.keys(criticsBefore).sort());
      for (const [name, tensor] of Object.entries(criticsBefore)) {
        const a = tensor.dataSync();
        const b = criticsAfter[name]!.dataSync();
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${name}[${i}] continued (${a[i]} vs ${b[i]})`);
      }
    } finally {
      for (const map of [criticsBefore, criticsAfter]) if (map) tf.dispose(Object.values(map));
    }
  } finally {
    before.encoder.dispose();
    after.encoder.dispose();
  }
});

test('initialWeightShare saves that share of the starting model’s weights blended with the trained ones, and a resume blends the same', async () => {
  const base = await outDir();
  await train({ ...tiny, photos, out: base, epochs: 1, augmentation: 'photo' });
  const out = await outDir();
  const run = { photos, out, criticHidden: [32, 32], batchSize: 8, epochs: 1, learningRate: 1e-2, augmentation: 'photo', initialModel: base, initialWeightShare: 0.5 } satisfies TrainOptions;
  const stopped = await train({ ...run, maxSteps: 2, saveModelOnStop: true });
  assert.equal(stopped.status, 'stopped');
  // The checkpoint holds this run's own weights; the model written beside it is their blend with the start.
  const state = JSON.parse(await readFile(join(stopped.checkpoint!, 'state.json'), 'utf8'));
  const bytes = await readFile(join(stopped.checkpoint!, 'weights.bin'));
  const trained = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, state.weightsManifest);
  const [start, saved] = await Promise.all([loadDimEncoder(base), loadDimEncoder(out)]);
  try {
    let moved = 0;
    for (const [name, variable] of start.encoder.variables) {
      const s = variable.dataSync();
      const t = trained[name].dataSync();
      const m = saved.encoder.variables.get(name)!.dataSync();
      for (let i = 0; i < s.length; i++) assert.ok(Math.abs(m[i] - (0.5 * s[i] + 0.5 * t[i])) < 1e-6, `${name}[${i}]: ${m[i]} is halfway between ${s[i]} and ${t[i]}`);
      if (s.some((v, i) => Math.abs(v - t[i]) > 1e-4)) moved++;
    }
    assert.ok(moved > 4, `training moved the weights (${moved} tensors)`);
    const card = JSON.parse(await readFile(join(out, 'card.json'), 'utf8'));
    assert.equal(card.initialWeightShare, 0.5);
    assert.match(card.weightsBlended, /50 % .*'s weights, 50 % this run's/);
  } finally {
    start.encoder.dispose();
    saved.encoder.dispose();
    tf.dispose(Object.values(trained));
  }
  const resumed = await train({ photos, out, resume: true });
  assert.equal(resumed.status, 'done');
  assert.equal(JSON.parse(await readFile(join(out, 'card.json'), 'utf8')).initialWeightShare, 0.5, 'the resumed run blends with the same start');
  await assert.rejects(train({ ...tiny, photos, out: await outDir(), epochs: 1, initialWeightShare: 0.5 }), /needs a starting model/);
  await assert.rejects(train({ ...run, out: await outDir(), initialWeightShare: 1.5 }), /within 0–1/);
});

test('a model searches with its recipe’s code and side, and a continued model with its starting model’s unless told otherwise', async () => {
  const photoModel = await outDir();
  await train({ ...tiny, photos, out: photoModel, epochs: 1, maxSteps: 1, saveModelOnStop: true, augmentation: 'photo' });
  const padCropModel = await outDir();
  await train({ ...tiny, photos, out: padCropModel, epochs: 1, maxSteps: 1, saveModelOnStop: true, augmentation: 'pad-crop' });
  const codeOf = async (dir: string) => {
    const card = JSON.parse(await readFile(join(dir, 'card.json'), 'utf8'));
    const encoder = await loadEncoder(dir);
    encoder.dispose();
    return { searchCode: card.searchCode, code: card.code, dim: encoder.dim, inputSize: encoder.inputSize };
  };
  assert.deepEqual(await codeOf(photoModel), { searchCode: 'global+2local', code: describeSearchCode('global+2local', 16, 16), dim: 16 + 16, inputSize: 16 });
  assert.deepEqual(await codeOf(padCropModel), { searchCode: 'global', code: describeSearchCode('global', 16, 16), dim: 16, inputSize: 16 });

  // Adapting the pad-crop model with photo augmentation keeps its code: its library's index stays comparable.
  const continued = await outDir();
  await train({ photos, out: continued, criticHidden: [32, 32], batchSize: 8, epochs: 1, maxSteps: 1, saveModelOnStop: true, augmentation: 'photo', initialModel: padCropModel });
  assert.deepEqual([(await codeOf(continued)).searchCode, (await codeOf(continued)).inputSize], ['global', 16]);
  const told = await outDir();
  await train({ photos, out: told, criticHidden: [32, 32], batchSize: 8, epochs: 1, maxSteps: 1, saveModelOnStop: true, augmentation: 'photo', initialModel: padCropModel, searchCode: 'global+local', searchInputSize: 32 });
  assert.deepEqual([(await codeOf(told)).searchCode, (await codeOf(told)).inputSize], ['global+local', 32]);
});

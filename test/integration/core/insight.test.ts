/**
 * Training, model switching, comparison and feature maps through the back end, as the shells call
 * them: a tiny training in the worker streams trainStep events and saves a loadable model with its
 * curves; one run at a time, cancel leaves nothing behind; compareSearch indexes a model's codes
 * once and answers each model's neighbours with their overlap; featureMaps answers consistent
 * shapes and MI values; useModel switches the library's model and the choice survives a reopen.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calls, events as eventSchemas, parseInput, type CallName, type CallOutput, type EventName } from '../../../main/api/contract';
import { createBackend } from '../../../main/core/backend';
import { decodeForModel } from '../../../main/core/imaging/decode';
import { loadEncoder } from '../../../main/ml/models';
import { greyLevels, histogramMutualInformation, resizeBilinear } from '../../../main/ml/mi/histogram-mi';
import { writePhotos } from '../../fixtures/photos';

let root: string;
let photos: string;
let libraryDir: string;
let backend: Awaited<ReturnType<typeof createBackend>>;
const seen: { event: EventName; payload: any }[] = [];
const violations: string[] = [];
let trainedId = '';

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

function firstStepOf(jobId: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = backend.subscribe((event, payload: any) => {
      if (event === 'trainStep' && payload.jobId === jobId) {
        stop();
        resolve();
      }
    });
  });
}

async function open(): Promise<void> {
  backend = await createBackend({ libraryDir, desktop: false });
  backend.subscribe((event, payload) => {
    const checked = eventSchemas[event].safeParse(payload);
    if (!checked.success) violations.push(`${event} payload outside the contract: ${JSON.stringify(payload)}`);
    seen.push({ event, payload });
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-insight-'));
  photos = join(root, 'photos');
  libraryDir = join(root, 'library');
  await writePhotos(photos, 12);
  await open();
  const { jobId } = await call('addFolder', { path: photos });
  assert.equal((await finishedOf(jobId)).status, 'done');
});

after(async () => {
  await backend?.close();
  await rm(root, { recursive: true, force: true });
});

test('startTraining trains in a worker, streams trainStep events, and saves a loadable model with its curves', async () => {
  const { jobId, name } = await call('startTraining', { objective: 'both', estimator: 'jsd', epochs: 1, batchSize: 4, limit: 8, size: 32, name: 'tiny' });
  assert.equal(name, 'tiny');
  const finished = await finishedOf(jobId);
  assert.equal(finished.status, 'done', finished.error);
  assert.equal(finished.kind, 'train');
  assert.match(finished.modelId, /^tiny-[0-9a-f]{12}$/);
  trainedId = finished.modelId;

  const steps = seen.filter((e) => e.event === 'trainStep' && e.payload.jobId === jobId).map((e) => e.payload);
  assert.ok(steps.length >= 1, 'at least the last step is announced');
  const last = steps[steps.length - 1];
  assert.deepEqual([last.epoch, last.step, last.globalStep, last.epochs, last.stepsPerEpoch], [1, 2, 2, 1, 2]);
  for (const step of steps) {
    for (const term of ['loss', 'global', 'local', 'kl', 'miGlobal', 'miLocal']) assert.ok(Number.isFinite(step.terms[term]), `${term} in ${JSON.stringify(step.terms)}`);
    assert.ok(step.imagesPerSecond > 0);
  }
  assert.ok(seen.some((e) => e.event === 'jobProgress' && e.payload.jobId === jobId && e.payload.kind === 'train' && e.payload.phase === 'training'));

  const model = (await call('listModels', {})).find((m) => m.id === trainedId);
  assert.ok(model, 'the trained model is listed');
  assert.equal(model.dir, join(libraryDir, 'models', 'tiny'));
  assert.equal(model.card.objective, 'both');
  const encoder = await loadEncoder(model.dir);
  try {
    const codes = await encoder.encode(new Float32Array(32 * 32 * 3).fill(0.1), 1);
    assert.equal(codes.length, encoder.dim);
    assert.ok(codes.every(Number.isFinite));
  } finally {
    encoder.dispose();
  }

  const curves = await call('trainingCurves', { model: trainedId });
  assert.ok(curves);
  assert.deepEqual(curves.steps.map((p) => p.globalStep), [1, 2], 'every step is saved');
  assert.equal(curves.epochs.length, 1);
  assert.ok(Number.isFinite(curves.epochs[0].loss));
  assert.ok(existsSync(join(model.dir, 'curves.json')));
});

test('one training at a time; cancel stops it and leaves no model or checkpoint; bad requests are refused', async () => {
  const { jobId } = await call('startTraining', { objective: 'global', estimator: 'dv', epochs: 200, batchSize: 4, size: 32, name: 'long' });
  await assert.rejects(call('startTraining', { objective: 'local', estimator: 'jsd', epochs: 1 }), /already running/);
  await firstStepOf(jobId);
  const active = await call('activeTraining', {});
  assert.equal(active?.jobId, jobId);
  assert.equal(active?.name, 'long');
  assert.ok(active!.steps.length >= 1, 'the steps so far, for a page opened mid-run');
  assert.equal(await call('cancelJob', { jobId }), true);
  assert.equal((await finishedOf(jobId)).status, 'cancelled');
  assert.equal(await call('activeTraining', {}), null);
  assert.equal(existsSync(join(libraryDir, 'models', 'long')), false);
  assert.equal(existsSync(join(libraryDir, 'models', 'long.checkpoint')), false);

  await assert.rejects(call('startTraining', { objective: 'both', estimator: 'jsd', epochs: 1, name: 'tiny' }), /already exists/);
  await assert.rejects(call('startTraining', { objective: 'both', estimator: 'jsd', epochs: 1, folder: join(root, 'nope') }), /folder not found/);
  // Without the desktop shell there is no GPU compute window to train in.
  assert.equal((await call('libraryInfo', {})).gpuWindow, false);
  await assert.rejects(call('startTraining', { objective: 'both', estimator: 'jsd', epochs: 1, compute: 'gpu-window' }), /needs the desktop app/);
  assert.throws(() => parseInput('startTraining', { objective: 'both', estimator: 'jsd', epochs: 1, name: '../escape' }), /model name/);
});

test('compareSearch indexes a model once (when asked), then answers each model’s neighbours and their overlap', async () => {
  const current = (await call('libraryInfo', {})).model.id;
  const { photos: list } = await call('listPhotos', { offset: 0, limit: 20 });
  const query = list[4].id;
  // Unasked, a model without codes only says so: encoding the library again is heavy, the page asks first.
  const unasked = await call('compareSearch', { id: query, k: 5, models: [current, trainedId] });
  assert.equal(unasked.columns[1].indexingJobId, null);
  assert.equal(unasked.columns[1].coded, 0);
  assert.match(unasked.columns[1].note!, /has no .* code yet/);
  const first = await call('compareSearch', { id: query, k: 5, models: [current, trainedId], computeMissing: true });
  assert.deepEqual(first.columns.map((c) => c.modelId), [current, trainedId]);
  const [own, other] = first.columns;
  assert.equal(own.hits.length, 5);
  assert.equal(own.indexingJobId, null);
  assert.ok(other.indexingJobId, 'the new model gets an indexing job');
  assert.equal(other.coded, 0);
  assert.ok(other.note);
  assert.equal((await finishedOf(other.indexingJobId!)).status, 'done');

  const second = await call('compareSearch', { id: query, k: 5, models: [current, trainedId] });
  for (const column of second.columns) {
    assert.equal(column.hits.length, 5);
    assert.equal(column.coded, 12);
    assert.equal(column.indexingJobId, null, 'codes are kept: no second indexing');
    assert.ok(!column.hits.some((h) => h.id === query), 'the query itself is left out');
    const scores = column.hits.map((h) => h.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  }
  const a = new Set(second.columns[0].hits.map((h) => h.id));
  const shared = second.columns[1].hits.filter((h) => a.has(h.id)).length;
  assert.deepEqual(second.overlap, [{ a: current, b: trainedId, shared, jaccard: shared / (10 - shared) }]);
  // The model's own index answers the same as the library's search would with that model.
  assert.equal(second.columns[0].hits[0].id, (await call('searchByPhoto', { id: query, k: 2 }))[1].id);
  await assert.rejects(call('compareSearch', { id: query, k: 5, models: ['no-such-model'] }), /unknown model/);
  await assert.rejects(call('compareSearch', { id: 99999, k: 5, models: [current] }), /no photo/);
});

test('featureMaps answers the local map’s channels, PCA colours and MI values, consistently', async () => {
  const { photos: list } = await call('listPhotos', { offset: 0, limit: 20 });
  const photo = list[2];
  const maps = await call('featureMaps', { id: photo.id, model: trainedId, top: 8 });
  assert.equal(maps.modelId, trainedId);
  assert.deepEqual([maps.inputSize, maps.height, maps.width, maps.channels], [32, 4, 4, 256]);
  const n = maps.height * maps.width;
  assert.equal(maps.strongest.length, 8);
  for (let i = 0; i < maps.strongest.length; i++) {
    const channel = maps.strongest[i];
    assert.equal(channel.values.length, n);
    const mean = channel.values.reduce((s, v) => s + v, 0) / n;
    assert.ok(Math.abs(mean - channel.mean) < 1e-5, 'mean of the values');
    if (i > 0) assert.ok(channel.mean <= maps.strongest[i - 1].mean, 'strongest first');
    assert.equal(maps.mi.find((m) => m.channel === channel.channel)?.mi, channel.mi);
  }
  assert.equal(maps.mi.length, maps.channels);
  assert.deepEqual(maps.mi.map((m) => m.channel).sort((a, b) => a - b), [...Array(256).keys()]);
  for (let i = 0; i < maps.mi.length; i++) {
    assert.ok(maps.mi[i].mi >= 0 && maps.mi[i].mi <= maps.greyEntropy + 1e-9, 'I(grey; channel) ≤ H(grey)');
    if (i > 0) assert.ok(maps.mi[i].mi <= maps.mi[i - 1].mi, 'highest first');
  }
  assert.ok(maps.greyEntropy > 0 && maps.greyEntropy <= Math.log(maps.bins) + 1e-9);
  // The MI of a channel, recomputed here from its values and the photo as the model sees it.
  const { pixels } = await decodeForModel(photo.path, 32);
  const grey = greyLevels(pixels, 32 * 32);
  const top = maps.strongest[0];
  const again = histogramMutualInformation(grey, resizeBilinear(top.values, 4, 4, 32, 32), { bins: maps.bins });
  assert.ok(Math.abs(again - top.mi) < 1e-4, `${again} vs ${top.mi}`);

  assert.equal(maps.pca.rgb.length, n * 3);
  assert.ok(maps.pca.rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
  assert.equal(maps.pca.explained.length, 3);
  assert.ok(maps.pca.explained[0] >= maps.pca.explained[1] && maps.pca.explained[1] >= maps.pca.explained[2]);
  assert.ok(maps.pca.explained.reduce((s, v) => s + v, 0) <= 1 + 1e-9);
  // Each used component spans the full byte range.
  for (let c = 0; c < 3; c++) {
    const values = Array.from({ length: n }, (_, i) => maps.pca.rgb[i * 3 + c]);
    if (maps.pca.explained[c] > 0) assert.deepEqual([Math.min(...values), Math.max(...values)], [0, 255]);
  }
  const own = await call('featureMaps', { id: photo.id });
  assert.equal(own.modelId, (await call('libraryInfo', {})).model.id, 'default: the library’s model');
  await assert.rejects(call('featureMaps', { id: 99999 }), /no photo/);
});

test('useModel switches the library to a model; searches use it and the choice survives a reopen', async () => {
  const { jobId } = await call('useModel', { model: trainedId });
  assert.equal((await finishedOf(jobId)).status, 'done');
  assert.equal((await call('libraryInfo', {})).model.id, trainedId);
  const { photos: list } = await call('listPhotos', { offset: 0, limit: 1 });
  const hits = await call('searchByPhoto', { id: list[0].id, k: 3 });
  assert.equal(hits[0].id, list[0].id);
  assert.ok(seen.some((e) => e.event === 'libraryChanged'));

  await backend.close();
  await open();
  assert.equal((await call('libraryInfo', {})).model.id, trainedId, 'the library reopens with the chosen model');
  assert.deepEqual(violations, []);
});

test('measureInformation bounds a model’s I(X; Z) on held-out library photos; listModels then shows them', async () => {
  const more = join(root, 'more-photos');
  await writePhotos(more, 34, 500);
  const added = await call('addFolder', { path: more });
  assert.equal((await finishedOf(added.jobId)).status, 'done');
  const native = (await call('listModels', {})).find((m) => m.name === 'dim-both');
  assert.ok(native, 'the shipped dim-both is listed');

  const { jobId } = await call('measureInformation', { model: native.id, samples: 64 });
  const finished = await finishedOf(jobId);
  assert.equal(finished.status, 'done', finished.error);
  assert.equal(finished.kind, 'measure');
  assert.ok(seen.some((e) => e.event === 'jobProgress' && e.payload.jobId === jobId && e.payload.kind === 'measure'), 'the measurement shows progress');

  const measured = (await call('listModels', {})).find((m) => m.id === native.id)!;
  const information = measured.card.information as { miGlobal: number; miLocal: number; cap: number; samples: number; heldOut: string; estimator: string };
  assert.equal(information.estimator, 'infonce');
  assert.equal(information.samples, 46, 'every library photo is held out from a model trained elsewhere');
  assert.match(information.heldOut, /46 photos of this library/);
  for (const key of ['miGlobal', 'miLocal'] as const) {
    assert.ok(Number.isFinite(information[key]), `${key} is a number`);
    assert.ok(information[key] <= information.cap + 1e-6, `${key} ${information[key]} cannot exceed InfoNCE's cap ${information.cap}`);
  }
  // On a few dozen synthetic photos the bound is near zero; early stopping keeps a critic that
  // memorised its training pairs from reporting a large negative value. (On real photos the bound is
  // clearly positive: test/integration/shipped.)
  for (const key of ['miGlobal', 'miLocal'] as const) assert.ok(information[key] > -1, `${key} ${information[key]} is not far below zero`);
  await assert.rejects(call('measureInformation', { model: 'no-such-model' }), /unknown model/);

  // A model trained in this library is measured only on photos outside the folders it trained on,
  // and its own card records the result.
  const own = await finishedOf((await call('measureInformation', { model: trainedId, samples: 64 })).jobId);
  assert.equal(own.status, 'done', own.error);
  const tiny = (await call('listModels', {})).find((m) => m.id === trainedId)!;
  const tinyInformation = tiny.card.information as { samples: number; heldOut: string };
  assert.equal(tinyInformation.samples, 34, 'the 12 photos it trained on are left out');
  assert.ok(tinyInformation.heldOut.includes(`outside ${photos}`), tinyInformation.heldOut);
  const card = JSON.parse(await readFile(join(tiny.dir!, 'card.json'), 'utf8'));
  assert.equal(card.information.samples, 34, 'written to the library model’s card.json');
});

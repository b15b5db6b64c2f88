/**
 * The back end as the shells see it: every call of the contract on a real library (validated
 * with parseInput, as the shells do), its events, and the files behind photo ids.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callNames, calls, events as eventSchemas, parseInput, type Backend, type CallName, type CallOutput, type EventName } from '../../../main/api/contract';
import { createBackend, type DesktopShell } from '../../../main/core/backend';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { defaultModelName } from '../../../main/ml/default-model';
import { nearDuplicate, writeBadFiles, writePhotos } from '../../fixtures/photos';

let root: string;
let photos: string;
let goodPaths: string[];
let backend: Backend;
const events: { event: EventName; payload: unknown }[] = [];
const violations: string[] = [];

/** Call a handler the way a shell does: validate the raw input first; the output must fit the contract. */
async function call<N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> {
  const handler = backend.handlers[name] as (input: unknown) => Promise<CallOutput<N>>;
  const output = await handler(parseInput(name, input));
  const checked = calls[name].output.safeParse(output);
  assert.ok(checked.success, `${name} answered outside the contract: ${JSON.stringify(output).slice(0, 300)}`);
  return output;
}

function waitFor(event: EventName, predicate: (payload: any) => boolean = () => true): Promise<any> {
  return new Promise((resolve) => {
    const stop = backend.subscribe((name, payload) => {
      if (name === event && predicate(payload)) {
        stop();
        resolve(payload);
      }
    });
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-backend-'));
  photos = join(root, 'photos');
  goodPaths = await writePhotos(photos, 10);
  await writeBadFiles(join(photos, 'bad'));
  backend = await createBackend({ libraryDir: join(root, 'library'), desktop: false });
  backend.subscribe((event, payload) => {
    const checked = eventSchemas[event].safeParse(payload);
    if (!checked.success) violations.push(`${event} payload outside the contract: ${JSON.stringify(payload)}`);
    events.push({ event, payload });
  });
});

after(async () => {
  await backend?.close();
  await rm(root, { recursive: true, force: true });
});

test('every call of the contract has a handler', () => {
  assert.deepEqual(Object.keys(backend.handlers).sort(), [...callNames].sort());
});

test('libraryInfo describes an empty library and its model; web mode has no desktop calls', async () => {
  const info = await call('libraryInfo', {});
  assert.equal(info.libraryDir, join(root, 'library'));
  assert.deepEqual([info.folders, info.photoCount, info.skippedCount, info.desktop], [[], 0, 0, false]);
  // The default model: the shipped photo encoder once published, else dim-both (ml/default-model.ts).
  assert.equal(info.model.name, defaultModelName());
  assert.match(info.model.id, new RegExp(`^${defaultModelName()}-[0-9a-f]{12}$`));
  assert.ok(info.model.dim > 0 && info.model.inputSize > 0);
  assert.equal(await call('pickFolder', {}), null);
  assert.equal(await call('showInFolder', { id: 1 }), false);
  assert.deepEqual(await call('listPhotos', { offset: 0, limit: 10 }), { total: 0, photos: [] });
  const models = await call('listModels', {});
  assert.ok(models.some((m) => m.id === info.model.id));
});

test('addFolder starts a job that reports progress, finishes with counts, and announces the new photos', async () => {
  events.length = 0;
  const finished = waitFor('jobFinished');
  const { jobId } = await call('addFolder', { path: photos });
  const end = await finished;
  assert.equal(end.jobId, jobId);
  assert.equal(end.status, 'done');
  assert.equal(end.indexed, 10);
  assert.equal(end.skipped.length, 5);
  const progress = events.filter((e) => e.event === 'jobProgress').map((e) => e.payload as any);
  assert.ok(progress.length >= 2);
  assert.ok(progress.every((p) => p.jobId === jobId && p.kind === 'index' && p.done <= Math.max(p.total, p.done)));
  assert.ok(progress.some((p) => p.phase === 'indexing' && p.done === p.total && p.total === 15));
  const changed = events.filter((e) => e.event === 'libraryChanged').map((e) => e.payload as any);
  assert.equal(changed.at(-1).photoCount, 10);
  assert.equal(await call('cancelJob', { jobId }), false, 'a finished job cannot be cancelled');
  assert.equal(await call('cancelJob', { jobId: 'no-such-job' }), false);

  const info = await call('libraryInfo', {});
  assert.deepEqual([info.folders, info.photoCount, info.skippedCount], [[photos], 10, 5]);
  const skipped = await call('listSkipped', {});
  assert.equal(skipped.length, 5);
  assert.ok(skipped.every((s) => s.path.startsWith(join(photos, 'bad')) && s.reason.length > 0));
});

test('listPhotos pages in path order', async () => {
  const first = await call('listPhotos', { offset: 0, limit: 4 });
  const rest = await call('listPhotos', { offset: 4, limit: 100 });
  assert.equal(first.total, 10);
  assert.deepEqual([...first.photos, ...rest.photos].map((p) => p.path), [...goodPaths].sort());
  assert.ok(first.photos.every((p) => p.width === 320 && p.height === 240));
});

test('searchByPhoto and searchByImage answer best first; bad input is a clear error', async () => {
  const { photos: page } = await call('listPhotos', { offset: 0, limit: 1 });
  const hits = await call('searchByPhoto', { id: page[0]!.id, k: 5 });
  assert.equal(hits.length, 5);
  assert.equal(hits[0]!.id, page[0]!.id);
  assert.ok(Math.abs(hits[0]!.score - 1) < 1e-4);

  const dropped = await nearDuplicate(await readFile(page[0]!.path), 0.5, 60);
  const byImage = await call('searchByImage', { name: 'dropped.jpg', base64: dropped.toString('base64'), k: 3 });
  assert.equal(byImage[0]!.id, page[0]!.id);

  await assert.rejects(call('searchByImage', { name: 'x.jpg', base64: Buffer.from('text').toString('base64'), k: 3 }), /not an image/);
  await assert.rejects(call('searchByPhoto', { id: 123456, k: 3 }), /no photo with id 123456/);
  assert.throws(() => parseInput('searchByPhoto', { id: -1, k: 3 }), /invalid input for searchByPhoto/);
  await assert.rejects(call('addFolder', { path: join(root, 'does-not-exist') }), /folder not found/);
});

test('files behind photo ids: thumbnails inside the library, originals inside its folders', async () => {
  const { photos: page } = await call('listPhotos', { offset: 0, limit: 1 });
  const thumb = await backend.files.thumbnail(page[0]!.id);
  assert.ok(thumb?.startsWith(join(root, 'library', 'thumbnails')) && thumb.endsWith('.jpg'));
  assert.equal(await backend.files.photo(page[0]!.id), page[0]!.path);
  assert.equal(await backend.files.thumbnail(999_999), null);
  assert.equal(await backend.files.photo(999_999), null);
  assert.deepEqual(backend.files.roots(), [join(root, 'library'), photos]);
});

test('reindex picks up a new file; cancelJob stops a running job', async () => {
  await writePhotos(join(photos, 'later'), 1, 300);
  const finished = waitFor('jobFinished');
  const { jobId } = await call('reindex', {});
  const end = await finished;
  assert.deepEqual([end.jobId, end.status, end.indexed], [jobId, 'done', 1]);

  await writePhotos(join(photos, 'many'), 12, 400);
  const cancelled = waitFor('jobFinished');
  const job = await call('reindex', {});
  assert.equal(await call('cancelJob', { jobId: job.jobId }), true);
  const stopped = await cancelled;
  assert.equal(stopped.status, 'cancelled');
  const info = await call('libraryInfo', {});
  assert.equal(info.photoCount, 11 + (stopped.indexed ?? 0));
});

test('desktop calls use the injected shell', async () => {
  const revealed: string[] = [];
  const desktop: DesktopShell = {
    pickFolder: async () => photos,
    showItemInFolder: (path) => {
      revealed.push(path);
    },
  };
  const encoder = (backend as Backend & { library: { encoder: ImageEncoder } }).library.encoder;
  const shell = await createBackend({ libraryDir: join(root, 'library-desktop'), desktop, encoder });
  try {
    assert.equal(await shell.handlers.pickFolder({}), photos);
    assert.equal((await shell.handlers.libraryInfo({})).desktop, true);
    const done = new Promise<void>((resolve) => shell.subscribe((event) => event === 'jobFinished' && resolve()));
    await shell.handlers.addFolder({ path: photos });
    await done;
    const { photos: page } = await shell.handlers.listPhotos({ offset: 0, limit: 1 });
    assert.equal(await shell.handlers.showInFolder({ id: page[0]!.id }), true);
    assert.deepEqual(revealed, [page[0]!.path]);
    assert.equal(await shell.handlers.showInFolder({ id: 999_999 }), false);
  } finally {
    await shell.close();
  }
  await assert.rejects(shell.handlers.addFolder({ path: photos }), /closed|closing/);
});

test('every event emitted fitted the contract\'s schema', () => {
  assert.ok(events.length > 0);
  assert.deepEqual(violations, []);
});

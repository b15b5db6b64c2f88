/**
 * The library watcher end to end on a temporary folder: real files, real chokidar events, the real
 * indexer and the shipped encoder. Add → searchable; change → re-encoded; move → same code without
 * a decode; delete → gone from store, index and search, and its index slot reused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexRunResult } from '../../../main/core/jobs/indexer';
import { Library } from '../../../main/core/library/library';
import { LibraryWatcher } from '../../../main/core/library/watch';
import { makePhoto, writePhotos } from '../../fixtures/photos';

const TIMEOUT_MS = 20_000;

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const DEBOUNCE_MS = 100;
const WRITE_SETTLE_MS = 200;

/**
 * Let late events land: a run started by one event (a new folder) may already have indexed a file
 * whose own event comes later and starts a (no-op) run of its own.
 */
async function settle(watcher: LibraryWatcher): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, WRITE_SETTLE_MS + DEBOUNCE_MS + 300));
  await watcher.whenIdle();
}

describe('LibraryWatcher', { timeout: 90_000 }, () => {
  let root: string;
  let photos: string;
  let library: Library;
  let watcher: LibraryWatcher;
  const runs: IndexRunResult[] = [];
  const errors: Error[] = [];

  const codeOf = (path: string): Float32Array | null => {
    const photo = library.store.photoByPath(path);
    if (!photo) return null;
    const label = library.store.labelOf(library.modelId, photo.id);
    return label === undefined ? null : library.index.vectorOf(label);
  };

  before(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'dimsearch-watch-')));
    photos = join(root, 'photos');
    await writePhotos(photos, 4, 1, ['jpeg']);
    library = await Library.open(join(root, 'library'));
    const first = await library.indexFolder(photos);
    assert.equal(first.indexed, 4);
    watcher = await LibraryWatcher.start(library, {
      debounceMs: DEBOUNCE_MS,
      writeSettleMs: WRITE_SETTLE_MS,
      onRun: (_folder, result) => runs.push(result),
      onError: (error) => errors.push(error),
    });
  });

  after(async () => {
    await watcher?.close();
    await library?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('indexes a photo added to the folder and finds it by search', async () => {
    const added = join(photos, 'new', 'added.jpg');
    mkdirSync(join(photos, 'new'));
    await writeFile(added, await makePhoto(101, { width: 400, height: 300 }));
    await waitFor('the added photo to have a code', () => codeOf(added) !== null);
    const hits = await library.searchByPath(added, 3);
    assert.equal(hits[0]!.path, added);
    assert.ok(hits[0]!.score > 0.999);
    assert.equal(library.photoCount(), 5);
    assert.deepEqual(errors, []);
  });

  it('re-encodes a photo whose bytes changed', async () => {
    const path = join(photos, 'photo-0002.jpg');
    const before = codeOf(path)!;
    const oldHash = library.store.photoByPath(path)!.hash;
    await writeFile(path, await makePhoto(202, { width: 360, height: 240 }));
    await waitFor('the changed photo to be re-indexed', () => {
      const row = library.store.photoByPath(path);
      return row !== undefined && row.hash !== oldHash && codeOf(path) !== null;
    });
    const after = codeOf(path)!;
    assert.ok(after.some((v, i) => Math.abs(v - before[i]!) > 1e-4), 'the new bytes got a new code');
    assert.equal(library.photoCount(), 5);
    const hits = await library.searchByPath(path, 1);
    assert.equal(hits[0]!.path, path);
  });

  it('keeps the code of a moved photo without decoding it again', async () => {
    const from = join(photos, 'photo-0003.jpg');
    const to = join(photos, 'new', 'moved.jpg');
    const code = codeOf(from)!;
    const hash = library.store.photoByPath(from)!.hash;
    await settle(watcher);
    const runsBefore = runs.length;
    await rename(from, to);
    await waitFor('the move to be indexed', () => codeOf(to) !== null && library.store.photoByPath(from) === undefined);
    const moved = codeOf(to)!;
    assert.equal(library.store.photoByPath(to)!.hash, hash);
    for (let i = 0; i < code.length; i++) assert.ok(Math.abs(moved[i]! - code[i]!) < 1e-6, `component ${i} kept`);
    const reused = runs.slice(runsBefore).reduce((sum, r) => sum + r.reused, 0);
    const decoded = runs.slice(runsBefore).reduce((sum, r) => sum + r.indexed - r.reused, 0);
    assert.equal(reused, 1, 'the moved photo took its old code');
    assert.equal(decoded, 0, 'nothing was decoded for a move');
    assert.equal(library.photoCount(), 5);
  });

  it('removes a deleted photo from store, index and search, and reuses its slot', async () => {
    const path = join(photos, 'photo-0001.jpg');
    const photo = library.store.photoByPath(path)!;
    const label = library.store.labelOf(library.modelId, photo.id)!;
    await unlink(path);
    await waitFor('the deleted photo to be dropped', () => library.store.photoByPath(path) === undefined);
    assert.equal(library.index.vectorOf(label), null, 'its code is gone from the index');
    assert.equal(library.photoCount(), 4);
    const anyPhoto = join(photos, 'photo-0004.jpg');
    const hits = await library.searchByPath(anyPhoto, 10);
    assert.ok(!hits.some((h) => h.path === path), 'search never returns the deleted photo');

    const slots = library.index.slots;
    const replacement = join(photos, 'replacement.jpg');
    await writeFile(replacement, await makePhoto(303, { width: 300, height: 300 }));
    await waitFor('the replacement to be indexed', () => codeOf(replacement) !== null);
    assert.equal(library.index.slots, slots, 'the new code took a freed slot instead of growing the index');
    assert.deepEqual(errors, []);
  });

  it('watches a folder added later; a photo moved into it from another library folder keeps its code', async () => {
    const second = join(root, 'second');
    mkdirSync(second);
    await library.addFolder(second);
    await watcher.watchFolders(library.folders().map((f) => f.path));
    const from = join(photos, 'photo-0004.jpg');
    const to = join(second, 'from-first.jpg');
    const code = codeOf(from)!;
    await settle(watcher);
    const runsBefore = runs.length;
    await rename(from, to);
    await waitFor('the move across folders to be indexed', () => codeOf(to) !== null && library.store.photoByPath(from) === undefined);
    const moved = codeOf(to)!;
    for (let i = 0; i < code.length; i++) assert.ok(Math.abs(moved[i]! - code[i]!) < 1e-6, `component ${i} kept`);
    const decoded = runs.slice(runsBefore).reduce((sum, r) => sum + r.indexed - r.reused, 0);
    assert.equal(decoded, 0, 'the gaining folder ran first, so the code was reused');
    assert.deepEqual(errors, []);
  });

  it('ignores files that are not photos and is idle when nothing changed', async () => {
    await settle(watcher);
    const runsBefore = runs.length;
    await writeFile(join(photos, 'notes.txt'), 'not a photo');
    await writeFile(join(photos, '.hidden.jpg'), await makePhoto(404));
    // Longer than debounce + write settling: a run would have started by now.
    await settle(watcher);
    assert.equal(runs.length, runsBefore);
    assert.deepEqual(watcher.pendingFolders, []);
  });
});

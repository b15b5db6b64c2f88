/**
 * The watcher wired into the back end (createBackend({ watch: true })), as the app and web mode run
 * it: a folder known at open and one added through the contract are both watched; a photo dropped
 * into one becomes a library photo (jobFinished + libraryChanged events, found by searchByPhoto);
 * a deleted one leaves the library and the search results. close() stops the watcher.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInput, type Backend, type CallName, type CallOutput, type EventName, type EventPayload } from '../../../main/api/contract';
import { createBackend } from '../../../main/core/backend';
import type { Library } from '../../../main/core/library/library';
import { makePhoto, writePhotos } from '../../fixtures/photos';

const TIMEOUT_MS = 30_000;

describe('back end with the watcher on', { timeout: 90_000 }, () => {
  let root: string;
  let first: string;
  let second: string;
  let secondPaths: string[];
  let backend: Backend & { library: Library };
  const events: { event: EventName; payload: unknown }[] = [];

  const call = <N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> =>
    (backend.handlers[name] as (input: unknown) => Promise<CallOutput<N>>)(parseInput(name, input));

  /** The first event of a kind (after `from`) that satisfies a predicate. */
  async function nextEvent<E extends EventName>(event: E, from: number, predicate: (payload: EventPayload<E>) => boolean = () => true): Promise<EventPayload<E>> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const hit = events.slice(from).find((e) => e.event === event && predicate(e.payload as EventPayload<E>));
      if (hit) return hit.payload as EventPayload<E>;
      if (Date.now() > deadline) throw new Error(`no ${event} event in ${TIMEOUT_MS} ms; saw ${events.slice(from).map((e) => e.event).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const idOf = async (path: string): Promise<number | undefined> => {
    const page = await call('listPhotos', { offset: 0, limit: 5000 });
    return page.photos.find((p) => p.path === path)?.id;
  };

  before(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'dimsearch-backend-watch-')));
    first = join(root, 'first');
    second = join(root, 'second');
    await writePhotos(first, 3, 1, ['jpeg']);
    secondPaths = await writePhotos(second, 3, 11, ['jpeg']);
    // A library that already has a folder, indexed by an earlier session without the watcher.
    const earlier = await createBackend({ libraryDir: join(root, 'library'), desktop: false });
    await earlier.library.indexFolder(first);
    await earlier.close();

    backend = await createBackend({
      libraryDir: join(root, 'library'),
      desktop: false,
      watch: true,
      watchOptions: { debounceMs: 100, writeSettleMs: 200 },
    });
    backend.subscribe((event, payload) => events.push({ event, payload }));
  });

  after(async () => {
    await backend?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('indexes a folder added through the contract, then watches it', async () => {
    const from = events.length;
    const { jobId } = await call('addFolder', { path: second });
    const finished = await nextEvent('jobFinished', from, (f) => f.jobId === jobId);
    assert.equal(finished.status, 'done');
    assert.equal((await call('libraryInfo', {})).photoCount, 6);
  });

  it('a photo dropped into a folder known at open becomes searchable, with events', async () => {
    const added = join(first, 'dropped.jpg');
    const from = events.length;
    await writeFile(added, await makePhoto(501, { width: 320, height: 240 }));
    const changed = await nextEvent('libraryChanged', from, (c) => c.photoCount === 7);
    assert.equal(changed.photoCount, 7);
    const finished = await nextEvent('jobFinished', from);
    assert.deepEqual([finished.kind, finished.status, finished.indexed], ['index', 'done', 1]);
    assert.ok(events.slice(from).some((e) => e.event === 'jobProgress'), 'the watcher run reported progress like any job');

    const id = await idOf(added);
    assert.ok(id !== undefined, 'listed among the photos');
    const hits = await call('searchByPhoto', { id, k: 5 });
    assert.equal(hits[0]!.path, added);
    assert.ok(hits[0]!.score > 0.999);
  });

  it('a photo deleted from a folder added later leaves the library and the results', async () => {
    const deleted = secondPaths[1]!;
    assert.ok((await idOf(deleted)) !== undefined);
    const from = events.length;
    await unlink(deleted);
    await nextEvent('libraryChanged', from, (c) => c.photoCount === 6);
    assert.equal(await idOf(deleted), undefined);
    const anyId = (await idOf(secondPaths[0]!))!;
    const hits = await call('searchByPhoto', { id: anyId, k: 10 });
    assert.equal(hits.length, 6);
    assert.ok(!hits.some((h) => h.path === deleted), 'search never returns the deleted photo');
  });

  it('stops watching at close', async () => {
    await backend.close();
    const from = events.length;
    await writeFile(join(first, 'after-close.jpg'), await makePhoto(777));
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.deepEqual(events.slice(from), []);
  });
});

/**
 * IPC calls as the Electron main process answers them (ipc-dispatch.ts), against a real back end:
 * only our own top-level window is heard, inputs are validated by the contract's schemas, and
 * errors come back as readable messages.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dispatchIpcCall } from '../../../main/app/ipc-dispatch';
import { callNames } from '../../../main/api/contract';
import { indexedLibrary, type LibraryFixture } from '../server/library-fixture';

let fixture: LibraryFixture;
const ours = { url: 'dimsearch://app/index.html', isTopFrame: true };

before(async () => {
  fixture = await indexedLibrary(3);
});
after(() => fixture?.close());

test('our window gets answers', async () => {
  const answer = await dispatchIpcCall(fixture.backend, 'listPhotos', ours, { offset: 0, limit: 10 });
  assert.equal(answer.ok, true);
  assert.equal((answer as { value: { total: number } }).value.total, fixture.photoCount);
});

test('other senders are refused before the back end is asked', async () => {
  const strangers = [
    null,
    { url: 'https://evil.example/', isTopFrame: true },
    { url: 'file:///tmp/page.html', isTopFrame: true },
    { url: 'dimsearch://thumb/1', isTopFrame: true },
    { url: 'dimsearch://app/index.html', isTopFrame: false },
    { url: undefined, isTopFrame: true },
  ];
  // addFolder would add this folder to the library if it reached the back end.
  const unvisited = join(fixture.base, 'unvisited');
  await mkdir(unvisited);
  for (const sender of strangers) {
    const answer = await dispatchIpcCall(fixture.backend, 'addFolder', sender, { path: unvisited });
    assert.deepEqual(answer, { ok: false, error: 'refused: the request did not come from the dimsearch window' }, JSON.stringify(sender));
  }
  const { folders } = await fixture.backend.handlers.libraryInfo({});
  assert.ok(!folders.some((folder) => folder.endsWith('unvisited')), `folders: ${folders}`);
});

test('invalid input is refused with the schema message', async () => {
  const answer = await dispatchIpcCall(fixture.backend, 'searchByPhoto', ours, { id: -3, k: 0 });
  assert.equal(answer.ok, false);
  assert.match((answer as { error: string }).error, /invalid input for searchByPhoto/);
  const notObject = await dispatchIpcCall(fixture.backend, 'listPhotos', ours, 'DROP TABLE');
  assert.equal(notObject.ok, false);
});

test('back-end errors come back as their message', async () => {
  const answer = await dispatchIpcCall(fixture.backend, 'addFolder', ours, { path: '/no/such/folder/anywhere' });
  assert.equal(answer.ok, false);
  assert.match((answer as { error: string }).error, /no\/such\/folder/);
});

test('every call of the contract refuses strangers and checks its input', async () => {
  const stranger = { url: 'https://evil.example/', isTopFrame: true };
  for (const name of callNames) {
    const refused = await dispatchIpcCall(fixture.backend, name, stranger, {});
    assert.deepEqual(refused, { ok: false, error: 'refused: the request did not come from the dimsearch window' }, name);
    // Input no schema of the contract accepts: a string where an object is due.
    const invalid = await dispatchIpcCall(fixture.backend, name, ours, 'not an object');
    assert.equal(invalid.ok, false, name);
    assert.match((invalid as { error: string }).error, new RegExp(`^invalid input for ${name}`), name);
  }
});

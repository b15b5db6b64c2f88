import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION, Store, migrate, type Db, type PhotoUpsert } from '../../../main/core/index/store';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const MODEL = 'dim-both-000000000000';
const OTHER = 'random-111111111111';

function photo(folderId: number, name: string, hash: string, label: number | null, size = 100): PhotoUpsert {
  return { folderId, path: `/photos/${name}`, size, mtimeMs: 1000.5, hash, width: 10, height: 20, label };
}

function storeWithModels(file: string): Store {
  const store = Store.open(file);
  for (const modelId of [MODEL, OTHER]) {
    store.ensureModel({ modelId, dim: 8, inputSize: 32, indexFile: `${modelId}.hnsw`, indexParams: {} });
  }
  return store;
}

test('a new store is in WAL mode at the current schema version, and reopening keeps its data', async (t) => {
  const file = join(await tempDir(t), 'library.sqlite');
  const store = storeWithModels(file);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.schemaVersion, SCHEMA_VERSION);
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  const folder = store.addFolder('/photos');
  store.commitPhotos(MODEL, [photo(folder.id, 'a.jpg', 'aa'.repeat(20), 0)]);
  store.setMeta('greeting', 'hello');
  assert.ok(existsSync(`${file}-wal`), 'writes go to the write-ahead log');
  store.close();

  const again = Store.open(file);
  assert.equal(again.schemaVersion, SCHEMA_VERSION);
  assert.equal(again.photoCount(), 1);
  assert.equal(again.getMeta('greeting'), 'hello');
  assert.equal(again.model(MODEL)?.inputSize, 32);
  again.close();
});

test('migrate runs only the pending steps, each atomically, and refuses a newer schema', async (t) => {
  const dir = await tempDir(t);
  const db: Db = new Database(join(dir, 'm.sqlite'));
  t.after(() => db.close());
  const ran: number[] = [];
  const steps = [
    (d: Db) => {
      ran.push(0);
      d.exec('CREATE TABLE t (x INTEGER)');
    },
    (d: Db) => {
      ran.push(1);
      d.exec('ALTER TABLE t ADD COLUMN y TEXT');
    },
  ];
  assert.equal(migrate(db, steps.slice(0, 1)), 1);
  assert.deepEqual(ran, [0]);
  assert.equal(migrate(db, steps), 2);
  assert.deepEqual(ran, [0, 1], 'step 0 is not run again');
  db.exec("INSERT INTO t (x, y) VALUES (1, 'kept')");

  const failing = [...steps, (d: Db) => {
    d.exec('CREATE TABLE half_done (z INTEGER)');
    throw new Error('step 2 broke');
  }];
  assert.throws(() => migrate(db, failing), /step 2 broke/);
  assert.equal(db.pragma('user_version', { simple: true }), 2, 'the failed step left the version alone');
  assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").all(), [], 'and was rolled back');

  db.pragma('user_version = 7');
  assert.throws(() => migrate(db, steps), /newer dimsearch \(schema 7, this version knows up to 2\)/);
  assert.deepEqual(db.prepare('SELECT y FROM t').all(), [{ y: 'kept' }]);
});

test('a library from a newer dimsearch is refused on open, not misread', async (t) => {
  const file = join(await tempDir(t), 'library.sqlite');
  const db = new Database(file);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => Store.open(file), /newer dimsearch/);
});

test('codes are kept per model; a content change replaces the label and drops other models\' codes', async (t) => {
  const store = storeWithModels(join(await tempDir(t), 'library.sqlite'));
  t.after(() => store.close());
  const folder = store.addFolder('/photos');
  const h1 = '11'.repeat(20);
  const h2 = '22'.repeat(20);
  assert.deepEqual(store.commitPhotos(MODEL, [photo(folder.id, 'a.jpg', h1, 0), photo(folder.id, 'b.jpg', h2, 1)]), []);
  assert.deepEqual(store.commitPhotos(OTHER, [photo(folder.id, 'a.jpg', h1, 40)]), []);
  const a = store.photoByPath('/photos/a.jpg')!;
  assert.equal(store.labelOf(MODEL, a.id), 0);
  assert.equal(store.labelOf(OTHER, a.id), 40);
  assert.equal(store.photoByLabel(OTHER, 40)?.path, '/photos/a.jpg');
  assert.equal(store.photoByLabel(OTHER, 0), undefined, 'labels of one model never resolve in another');

  // Same bytes, new mtime: the label stays, nothing is replaced.
  assert.deepEqual(store.commitPhotos(MODEL, [{ ...photo(folder.id, 'a.jpg', h1, 0), mtimeMs: 2000 }]), []);
  // New bytes with a new code: the old label comes back for deletion; the other model's code is gone.
  const h3 = '33'.repeat(20);
  assert.deepEqual(store.commitPhotos(MODEL, [photo(folder.id, 'a.jpg', h3, 7, 120)]), [0]);
  assert.equal(store.labelOf(MODEL, a.id), 7);
  assert.equal(store.labelOf(OTHER, a.id), undefined);
  assert.equal(store.photoById(a.id)?.size, 120, 'the photo keeps its id');
  assert.deepEqual(store.labels(MODEL).sort((x, y) => x - y), [1, 7]);
  assert.equal(store.codedPhotoByHash(MODEL, h2)?.label, 1);
  assert.equal(store.codedPhotoByHash(OTHER, h2), undefined);

  const { labels, hashes } = store.removePhotos(MODEL, [a.id]);
  assert.deepEqual(labels, [7]);
  assert.deepEqual(hashes, [h3]);
  assert.equal(store.hashInUse(h3), false);
  assert.equal(store.photoCount(), 1);
  store.dropCodes(MODEL, [1]);
  assert.equal(store.codeCount(MODEL), 0);
  assert.equal(store.photoCount(), 1, 'dropping a code keeps the photo (it is encoded again)');
});

test('folders never overlap: an inner folder maps to its container, an outer one absorbs inner ones', async (t) => {
  const store = storeWithModels(join(await tempDir(t), 'library.sqlite'));
  t.after(() => store.close());
  const trips = store.addFolder('/home/me/trips');
  const inner = store.addFolder('/home/me/trips/2024');
  assert.equal(inner.id, trips.id);
  const other = store.addFolder('/home/me/tripsX');
  assert.notEqual(other.id, trips.id, 'a sibling with a common prefix is not inside');
  store.commitPhotos(MODEL, [photo(trips.id, 'x.jpg', 'ab'.repeat(20), 0)]);
  store.addSkipped(trips.id, [{ path: '/home/me/trips/bad.jpg', reason: 'not an image' }]);
  const home = store.addFolder('/home/me');
  assert.deepEqual(store.folders().map((f) => f.path), ['/home/me']);
  assert.equal(store.photosOfFolder(home.id, MODEL).length, 1);
  assert.deepEqual(store.listSkipped().map((s) => s.reason), ['not an image']);
  store.replaceSkipped(home.id, []);
  assert.equal(store.skippedCount(), 0);
});

test('colour layouts are kept by content hash, read back exactly, and pruned with the photos that had them', async (t) => {
  const store = storeWithModels(join(await tempDir(t), 'library.sqlite'));
  t.after(() => store.close());
  const folder = store.addFolder('/photos');
  const [kept, gone] = ['ab'.repeat(20), 'cd'.repeat(20)];
  store.commitPhotos(MODEL, [photo(folder.id, 'a.jpg', kept, 0), photo(folder.id, 'b.jpg', gone, 1)]);
  const layout = Float32Array.from({ length: 192 }, (_, i) => Math.sin(i) / 7);
  store.putColourLayouts([
    [kept, layout],
    [gone, layout.map((v) => -v)],
  ]);
  const read = store.colourLayouts([kept, gone, 'ef'.repeat(20)]);
  assert.deepEqual(read.get(kept), layout);
  assert.equal(read.get(gone)![0], -layout[0]!);
  assert.ok(!read.has('ef'.repeat(20)), 'a hash never measured has no layout');
  store.removePhotos(MODEL, [store.photoByPath('/photos/b.jpg')!.id]);
  assert.equal(store.pruneColourLayouts(), 1);
  assert.deepEqual([...store.colourLayouts([kept, gone]).keys()], [kept]);
});

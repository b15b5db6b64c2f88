/**
 * A library records its schema (SQLite user_version), its models (id, code size, input size) and
 * the parameters each model's index was built with. Libraries made by hand to look older, foreign
 * or newer are migrated, rebuilt with a notice, or refused with a clear message — never misread.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEMA_VERSION } from '../../../main/core/index/store';
import { DEFAULT_INDEX_PARAMS } from '../../../main/core/index/vector-index';
import { Library, LibraryError } from '../../../main/core/library/library';
import { checkLibraryConsistency } from '../../../main/core/library/verify';
import { createRandomEncoder } from '../../../main/ml/models';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { writePhotos } from '../../fixtures/photos';

let root: string;
let photos: string;
let encoder: ImageEncoder;
const PHOTO_COUNT = 5;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-versions-'));
  photos = join(root, 'photos');
  await writePhotos(photos, PHOTO_COUNT, 50);
  encoder = await createRandomEncoder({ seed: 11, zDim: 16 });
});

after(async () => {
  encoder?.dispose();
  await rm(root, { recursive: true, force: true });
});

/** A library folder holding only a hand-made library.sqlite. */
async function handMade(name: string, make: (db: Database.Database) => void): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  const db = new Database(join(dir, 'library.sqlite'));
  make(db);
  db.close();
  return dir;
}

test('a new library records its schema, model and index parameters', async () => {
  const dir = join(root, 'fresh');
  const library = await Library.open(dir, { encoder });
  await library.indexFolder(photos);
  assert.equal(library.store.schemaVersion, SCHEMA_VERSION);
  const model = library.store.model(encoder.modelId)!;
  assert.equal(model.dim, encoder.dim);
  assert.equal(model.inputSize, encoder.inputSize);
  assert.deepEqual(model.indexParams, { ...DEFAULT_INDEX_PARAMS, space: 'cosine' });
  await library.close();
  assert.deepEqual(checkLibraryConsistency(dir).problems, []);
});

test('a schema-0 library (created, never written) is migrated to the current schema and works', async () => {
  const dir = await handMade('v0', (db) => db.pragma('user_version = 0'));
  const library = await Library.open(dir, { encoder });
  assert.equal(library.store.schemaVersion, SCHEMA_VERSION);
  assert.equal((await library.indexFolder(photos)).indexed, PHOTO_COUNT);
  await library.close();
});

test('a foreign database and a newer schema are refused with a clear message and left untouched', async () => {
  const foreign = await handMade('foreign', (db) => {
    db.exec('CREATE TABLE photos (name TEXT, data BLOB)');
    db.exec("INSERT INTO photos VALUES ('x', x'00')");
  });
  const newer = await handMade('newer', (db) => {
    db.exec('CREATE TABLE future (x INTEGER)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  });
  for (const [dir, message] of [
    [foreign, /cannot open library .*: not a dimsearch library database \(it has no schema version but holds tables: photos\)/],
    [newer, new RegExp(`written by a newer dimsearch \\(schema ${SCHEMA_VERSION + 1}, this version knows up to ${SCHEMA_VERSION}\\); update dimsearch`)],
  ] as const) {
    const before = await readFile(join(dir, 'library.sqlite'));
    await assert.rejects(Library.open(dir, { encoder }), (error: Error) => error instanceof LibraryError && message.test(error.message));
    assert.deepEqual(await readFile(join(dir, 'library.sqlite')), before, `${dir} is unchanged`);
  }
});

test('an index built with other parameters is rebuilt with a notice, never read as if it were current', async () => {
  const dir = join(root, 'old-params');
  const old = await Library.open(dir, { encoder, indexParams: { m: 8, efConstruction: 40, efSearch: 32 } });
  assert.equal((await old.indexFolder(photos)).indexed, PHOTO_COUNT);
  await old.close();

  const notices: string[] = [];
  const reopened = await Library.open(dir, { encoder, onNotice: (m) => notices.push(m) });
  assert.deepEqual(notices, [
    `the index for ${encoder.modelId} was built with m 8, efConstruction 40; rebuilding it with m 16, efConstruction 200 ` +
      '(its photos will be encoded again on the next run)',
  ]);
  assert.equal(reopened.store.codeCount(encoder.modelId), 0, 'the old codes are forgotten');
  assert.deepEqual(reopened.store.model(encoder.modelId)!.indexParams, { ...DEFAULT_INDEX_PARAMS, space: 'cosine' });
  const rerun = await reopened.indexFolder(photos);
  assert.equal(rerun.indexed, PHOTO_COUNT, 'every photo is encoded again into the new index');
  const first = reopened.listPhotos(0, 1).photos[0]!;
  assert.equal(reopened.searchByPhoto(first.id, PHOTO_COUNT).length, PHOTO_COUNT);
  await reopened.close();
  assert.deepEqual(checkLibraryConsistency(dir).problems, []);

  // Only efSearch differs (a query-time setting): nothing is rebuilt.
  const quiet: string[] = [];
  const again = await Library.open(dir, { encoder, indexParams: { ...DEFAULT_INDEX_PARAMS, efSearch: 300 }, onNotice: (m) => quiet.push(m) });
  assert.deepEqual(quiet, []);
  assert.equal(again.store.codeCount(encoder.modelId), PHOTO_COUNT);
  await again.close();

  // A recorded distance other than cosine (hand-edited, as an older format might have had it).
  const db = new Database(join(dir, 'library.sqlite'));
  db.prepare('UPDATE models SET index_params = ? WHERE model_id = ?').run(JSON.stringify({ ...DEFAULT_INDEX_PARAMS, space: 'l2' }), encoder.modelId);
  db.close();
  const l2: string[] = [];
  const fromL2 = await Library.open(dir, { encoder, onNotice: (m) => l2.push(m) });
  assert.match(l2.join('\n'), /built with space l2; rebuilding it with space cosine/);
  assert.equal(fromL2.store.codeCount(encoder.modelId), 0);
  await fromL2.close();
});

/**
 * checkLibraryConsistency finds what would make a library misread, and tells leftovers a crash may
 * leave (repaired on open) apart from real problems. Each damage is made by hand on a real library.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorIndex } from '../../../main/core/index/vector-index';
import { Library } from '../../../main/core/library/library';
import { checkLibraryConsistency } from '../../../main/core/library/verify';
import { createRandomEncoder } from '../../../main/ml/models';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { writePhotos } from '../../fixtures/photos';

let root: string;
let pristine: string;
let encoder: ImageEncoder;
let indexFile: string;
let modelId: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-verify-'));
  await writePhotos(join(root, 'photos'), 4, 30);
  encoder = await createRandomEncoder({ seed: 5, zDim: 8 });
  pristine = join(root, 'pristine');
  const library = await Library.open(pristine, { encoder });
  await library.indexFolder(join(root, 'photos'));
  indexFile = library.indexFile.slice(pristine.length + 1);
  modelId = library.modelId;
  await library.close();
});

after(async () => {
  encoder?.dispose();
  await rm(root, { recursive: true, force: true });
});

/** A copy of the indexed library to damage. */
async function copy(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(pristine, dir, { recursive: true });
  return dir;
}

function storeOf(dir: string): Database.Database {
  return new Database(join(dir, 'library.sqlite'));
}

test('an intact library passes, with its counts', () => {
  const report = checkLibraryConsistency(pristine);
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.repairable, []);
  assert.equal(report.ok, true);
  assert.equal(report.photos, 4);
  assert.equal(report.thumbnails, 4);
  assert.deepEqual(report.models, [{ modelId, codes: 4, liveLabels: 4 }]);
});

test('a code the saved index does not hold is a problem', async () => {
  const dir = await copy('label-missing');
  const file = join(dir, indexFile);
  const index = VectorIndex.load(file, encoder.dim);
  const db = storeOf(dir);
  const label = db.prepare('SELECT label FROM codes LIMIT 1').pluck().get() as number;
  db.close();
  index.remove(label);
  index.save(file);
  const report = checkLibraryConsistency(dir);
  assert.equal(report.ok, false);
  assert.match(report.problems.join('\n'), new RegExp(`the store names 1 codes the saved index does not hold: label ${label}`));
});

test('a missing index file, a missing thumbnail and a newer schema are problems', async () => {
  const noIndex = await copy('no-index');
  await rm(join(noIndex, indexFile));
  assert.match(checkLibraryConsistency(noIndex).problems.join('\n'), /names 4 codes but the index file .* is missing/);

  const noThumb = await copy('no-thumb');
  const db = storeOf(noThumb);
  const hash = db.prepare('SELECT hash FROM photos LIMIT 1').pluck().get() as string;
  db.close();
  await rm(join(noThumb, 'thumbnails', hash.slice(0, 2), `${hash}.jpg`));
  assert.match(checkLibraryConsistency(noThumb).problems.join('\n'), new RegExp(`1 photos have no thumbnail \\(e\\.g\\. content ${hash}\\)`));

  const newer = await copy('newer');
  const store = storeOf(newer);
  store.pragma('user_version = 99');
  store.close();
  assert.match(checkLibraryConsistency(newer).problems.join('\n'), /schema version 99/);
});

test('leftovers of a crash are repairable, not problems, and opening the library repairs the index', async () => {
  const dir = await copy('leftovers');
  const file = join(dir, indexFile);
  const index = VectorIndex.load(file, encoder.dim);
  index.add(new Float32Array(encoder.dim).fill(0.5), 1); // saved, never committed
  index.save(file);
  await writeFile(join(dir, 'indexes', `.${indexFile.split('/').pop()}.123.1.tmp`), 'half a save');
  await mkdir(join(dir, 'thumbnails', 'ff'), { recursive: true });
  await writeFile(join(dir, 'thumbnails', 'ff', `${'f'.repeat(40)}.jpg`), 'a thumbnail of no photo');
  const report = checkLibraryConsistency(dir);
  assert.deepEqual(report.problems, []);
  assert.match(report.repairable.join('\n'), /1 index labels no photo names/);
  assert.match(report.repairable.join('\n'), /1 temporary index files/);
  assert.match(report.repairable.join('\n'), /1 thumbnail files of no photo/);

  const library = await Library.open(dir, { encoder });
  await library.close();
  const after = checkLibraryConsistency(dir);
  assert.deepEqual(after.problems, []);
  assert.ok(!after.repairable.some((r) => /index labels|temporary/.test(r)), after.repairable.join('; '));
});

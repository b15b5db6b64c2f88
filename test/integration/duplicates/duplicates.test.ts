/**
 * Duplicates on a real library (the shipped encoder, generated photos): groups of byte-identical
 * files and edited copies, the clean-up to the real platform trash (a temporary XDG trash, so the
 * user's own trash is never touched) and its undo, with files really moved and back and the index
 * following; a file changed after grouping is left alone; a trash that refuses moves nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDuplicates, DuplicatesError } from '../../../main/core/duplicates/find-duplicates';
import { lastCleanup, moveDuplicatesToTrash, TrashRefusedError, undoLastCleanup, type MoveRequest } from '../../../main/core/duplicates/cleanup';
import type { DuplicateGroup } from '../../../main/core/duplicates/grouping';
import { ThresholdError } from '../../../main/core/duplicates/threshold';
import { packageTrash, trashFrom } from '../../../main/core/duplicates/trash';
import { Library } from '../../../main/core/library/library';
import { loadEncoder } from '../../../main/ml/models';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { makePhoto, nearDuplicate } from '../../fixtures/photos';

const THRESHOLD = 0.95;
let root: string;
let photos: string;
let encoder: ImageEncoder;
let library: Library;
const distinct: string[] = [];
let identical: string;
let edited: string[];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-duplicates-'));
  // The `trash` package puts files of this volume in $XDG_DATA_HOME/Trash (or the volume's own .Trash-uid).
  process.env.XDG_DATA_HOME = join(root, 'xdg-data');
  photos = join(root, 'photos');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(photos);
  for (let i = 0; i < 8; i++) {
    const path = join(photos, `distinct-${i}.jpg`);
    await writeFile(path, await makePhoto(100 + i * 17, { width: 400, height: 300 }));
    distinct.push(path);
  }
  identical = join(photos, 'distinct-0 (copy).jpg');
  await copyFile(distinct[0]!, identical);
  edited = [join(photos, 'small-1.jpg'), join(photos, 'small-1b.jpg')];
  await writeFile(edited[0]!, await nearDuplicate(await readFile(distinct[1]!), 0.6, 70));
  await writeFile(edited[1]!, await nearDuplicate(await readFile(distinct[1]!), 0.5, 60));
  encoder = await loadEncoder('dim-both');
  library = await Library.open(join(root, 'library'), { encoder });
  await library.indexFolder(photos);
});

after(async () => {
  await library?.close();
  encoder?.dispose();
  await rm(root, { recursive: true, force: true });
});

function groupOf(groups: DuplicateGroup[], path: string): DuplicateGroup | undefined {
  return groups.find((g) => g.photos.some((p) => p.path === path));
}

function suggested(groups: DuplicateGroup[]): MoveRequest[] {
  return groups.map((g) => {
    const keep = g.photos.find((p) => p.path === g.keep)!;
    return {
      keep: { path: keep.path, bytes: keep.bytes, mtime: keep.mtime },
      move: g.photos.filter((p) => p.path !== g.keep).map((p) => ({ path: p.path, bytes: p.bytes, mtime: p.mtime })),
    };
  });
}

async function trashedFiles(): Promise<string[]> {
  const dir = join(root, 'xdg-data', 'Trash', 'files');
  return existsSync(dir) ? readdir(dir) : [];
}

test('groups: identical bytes and edited copies with their originals, distinct photos alone, the original kept', async () => {
  const result = await findDuplicates(library, THRESHOLD);
  const { groups } = result;
  assert.equal(result.threshold, THRESHOLD);
  const same = groupOf(groups, identical);
  assert.ok(same, 'the byte-identical copy is grouped');
  assert.ok(same.photos.some((p) => p.path === distinct[0]));
  const twin = same.photos.find((p) => p.path !== same.keep)!;
  assert.equal(twin.identical, true);
  assert.equal(twin.score, 1);
  const copies = groupOf(groups, edited[0]!);
  assert.ok(copies, `the edited copies are grouped (groups: ${JSON.stringify(groups.map((g) => g.photos.map((p) => [p.path, p.score])))})`);
  assert.deepEqual(copies.photos.map((p) => p.path).sort(), [distinct[1]!, ...edited].sort());
  assert.equal(copies.keep, distinct[1], 'the full-size original is kept');
  assert.equal(copies.photos[0]!.path, copies.keep, 'the kept photo comes first');
  assert.equal(copies.keepReason, 'most pixels', 'the edited copies are smaller than the original');
  assert.match(same.keepReason, /^(oldest|first by name)$/, 'identical files differ only in age and name');
  for (const p of copies.photos.slice(1)) {
    assert.ok(p.score >= THRESHOLD && p.score <= 1, `score ${p.score}`);
    assert.equal(p.identical, false);
  }
  assert.ok(copies.photos[1]!.score >= copies.photos[2]!.score, 'the others by score, best first');
  for (const path of distinct.slice(2)) assert.equal(groupOf(groups, path), undefined, `${path} is alone`);
  assert.ok(groups[0]!.photos.length >= groups.at(-1)!.photos.length, 'largest groups first');
});

test('bad input: a threshold outside (0, 1], a library without codes', async () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) await assert.rejects(findDuplicates(library, bad), ThresholdError);
  const empty = await Library.open(join(root, 'empty-library'), { encoder });
  try {
    await assert.rejects(findDuplicates(empty), DuplicatesError);
  } finally {
    await empty.close();
  }
});

test('a file changed after grouping is not moved; the rest go to the trash and leave the index; undo brings them back', async () => {
  const { groups } = await findDuplicates(library, THRESHOLD);
  const requests = suggested(groups);
  const bytesBefore = new Map<string, Buffer>();
  for (const r of requests) for (const f of r.move) bytesBefore.set(f.path, await readFile(f.path));
  // Changed after grouping: this one must stay.
  await appendFile(edited[1]!, Buffer.from('changed'));
  const photosBefore = library.photoCount();

  const result = await moveDuplicatesToTrash(library, packageTrash(), requests);
  assert.deepEqual(result.leftAlone.map((l) => l.path), [edited[1]]);
  assert.match(result.leftAlone[0]!.reason, /changed since grouping/);
  assert.deepEqual(result.moved.sort(), [edited[0]!, identical].sort());
  for (const path of result.moved) assert.equal(existsSync(path), false, `${path} left its folder`);
  assert.equal(existsSync(edited[1]!), true);
  assert.equal(existsSync(distinct[0]!) && existsSync(distinct[1]!), true, 'the kept photos stay');
  assert.equal((await trashedFiles()).length, 2, 'both are in the trash');
  assert.equal(library.photoCount(), photosBefore - 2);
  for (const path of result.moved) assert.equal(library.store.photoByPath(path), undefined, 'moved photos leave the library');
  const hits = library.searchByPhoto(library.store.photoByPath(distinct[1]!)!.id, 20);
  assert.ok(!hits.some((h) => h.path === edited[0]), 'a moved photo is no longer found');
  assert.deepEqual(lastCleanup(library)?.files, 2);

  const undo = await undoLastCleanup(library);
  assert.deepEqual(undo.notRestored, []);
  assert.deepEqual(undo.restored.sort(), result.moved.sort());
  for (const path of result.moved) assert.deepEqual(await readFile(path), bytesBefore.get(path), `${path} is back, byte for byte`);
  assert.equal((await trashedFiles()).length, 0, 'the trash gave them back');
  assert.equal(lastCleanup(library), null);
  for (const path of result.moved) assert.ok(library.store.photoByPath(path), `${path} is in the library again`);
  const again = library.searchByPhoto(library.store.photoByPath(distinct[1]!)!.id, 20);
  assert.ok(again.some((h) => h.path === edited[0]), 'and found again');
});

test('a trash that refuses a file moves nothing and says which and why', async () => {
  const { groups } = await findDuplicates(library, THRESHOLD);
  const requests = suggested(groups);
  const all = requests.flatMap((r) => r.move.map((m) => m.path));
  assert.ok(all.length >= 2);
  const system = packageTrash();
  const refusing = trashFrom('the test trash', async (path) => {
    if (path === all[1]) throw new Error('the trash is full');
    await system.move(path);
  });
  await assert.rejects(moveDuplicatesToTrash(library, refusing, requests), (error: Error) => {
    assert.ok(error instanceof TrashRefusedError);
    assert.match(error.message, new RegExp(`refused .*${all[1]!.split('/').pop()!.replace(/[()]/g, '.')}: the trash is full; nothing was moved`));
    return true;
  });
  for (const path of all) assert.equal(existsSync(path), true, `${path} is still in place`);
  assert.equal((await trashedFiles()).length, 0);
  for (const path of all) assert.ok(library.store.photoByPath(path), 'and still in the library');
  assert.ok((await stat(all[0]!)).isFile());
});

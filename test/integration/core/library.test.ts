/**
 * A library end to end with the shipped encoder (native-models/dim-both): index a generated folder
 * of good photos and every kind of bad file, search, re-index after changes, cancel, recover from a
 * crash, and keep the codes of two models apart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanFolder } from '../../../main/core/imaging/scan';
import { contentHash, legacyContentHash } from '../../../main/core/library/content-hash';
import { Library, LibraryError } from '../../../main/core/library/library';
import { createRandomEncoder, loadEncoder } from '../../../main/ml/models';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { makePhoto, nearDuplicate, writeBadFiles, writePhotos } from '../../fixtures/photos';

const REASONS: Record<string, RegExp> = {
  empty: /^empty file \(0 bytes\)$/,
  'not-image': /^not an image$/,
  corrupt: /^(truncated or corrupt JPEG|corrupt JPEG: .+)$/,
  'too-large': /^too large: 30000×30000 exceeds the limit of 100 megapixels$/,
};

let root: string;
let photos: string; // the folder indexed
let encoder: ImageEncoder;
let goodPaths: string[];
let badExpected: Record<string, keyof typeof REASONS>;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-library-'));
  photos = join(root, 'photos');
  goodPaths = await writePhotos(photos, 12, 1, ['jpeg', 'png', 'webp', 'tiff', 'gif', 'avif']);
  await mkdir(join(photos, 'copies'));
  for (const i of [0, 1]) {
    const dup = join(photos, 'copies', `small-${i + 1}.jpg`);
    await writeFile(dup, await nearDuplicate(await readFile(goodPaths[i]!)));
    goodPaths.push(dup);
  }
  badExpected = await writeBadFiles(join(photos, 'bad'));
  await writeFile(join(photos, '.hidden.jpg'), await makePhoto(77));
  await writeFile(join(photos, 'notes.txt'), 'not a photo, not a photo name');
  encoder = await loadEncoder('dim-both');
});

after(async () => {
  encoder?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('a library over a generated folder', () => {
  let library: Library;
  const libraryDir = () => join(root, 'library');

  before(async () => {
    library = await Library.open(libraryDir(), { encoder });
  });
  after(async () => {
    await library?.close();
  });

  test('indexes every good photo, skips each bad file with its reason, makes thumbnails', async () => {
    const phases = new Set<string>();
    const result = await library.indexFolder(photos, { report: (phase) => phases.add(phase), batchSize: 8 });
    assert.equal(result.indexed, goodPaths.length);
    assert.equal(result.cancelled, false);
    assert.deepEqual(
      result.skipped.map((s) => s.path),
      Object.keys(badExpected).map((name) => join(photos, 'bad', name)).sort(),
    );
    for (const s of result.skipped) {
      const kind = badExpected[s.path.split('/').pop()!]!;
      assert.match(s.reason, REASONS[kind]!, `${s.path}: ${s.reason}`);
    }
    assert.ok(phases.has('scanning') && phases.has('indexing'));

    const { total, photos: listed } = library.listPhotos(0, 100);
    assert.equal(total, goodPaths.length);
    assert.deepEqual(listed.map((p) => p.path), [...goodPaths].sort());
    assert.ok(listed.every((p) => p.width === 320 || p.width === 192), 'sizes are recorded');
    for (const p of listed) {
      const thumb = await library.thumbnailPath(p.id);
      assert.ok(thumb && thumb.startsWith(join(libraryDir(), 'thumbnails')) && existsSync(thumb));
    }
    assert.equal(library.listSkipped().length, Object.keys(badExpected).length);
    assert.equal(library.photoFilePath(listed[0]!.id), listed[0]!.path);
  });

  test('a library photo finds itself first (score ≈ 1); near-duplicates find each other', async () => {
    for (const path of goodPaths.slice(0, 12)) {
      const photo = library.store.photoByPath(path)!;
      const hits = library.searchByPhoto(photo.id, 5);
      assert.equal(hits.length, 5);
      assert.equal(hits[0]!.id, photo.id);
      assert.ok(Math.abs(hits[0]!.score - 1) < 1e-4);
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score);
    }
    for (const i of [0, 1]) {
      const original = library.store.photoByPath(goodPaths[i]!)!;
      const copy = library.store.photoByPath(join(photos, 'copies', `small-${i + 1}.jpg`))!;
      assert.equal(library.searchByPhoto(original.id, 3)[1]!.id, copy.id, 'the copy is the original\'s nearest other photo');
      assert.equal(library.searchByPhoto(copy.id, 3)[1]!.id, original.id);
      // By path, the library photo is used as is: itself first.
      const byPath = await library.searchByPath(goodPaths[i]!, 3);
      assert.equal(byPath[0]!.path, goodPaths[i]);
    }
  });

  test('an image outside the library finds its near-duplicate first, by path and by bytes', async () => {
    const outside = join(root, 'outside.jpg');
    await writeFile(outside, await nearDuplicate(await readFile(goodPaths[4]!), 0.5, 60));
    const byPath = await library.searchByPath(outside, 4);
    assert.equal(byPath[0]!.path, goodPaths[4]);
    assert.ok(byPath[0]!.score > 0.9 && byPath[0]!.score <= 1 + 1e-6);
    const byBytes = await library.searchByBytes(await readFile(outside), 4);
    assert.deepEqual(byBytes.map((h) => h.id), byPath.map((h) => h.id));
    await assert.rejects(library.searchByBytes(Buffer.from('plain text'), 3), (e: Error) => e instanceof LibraryError && /not an image/.test(e.message));
    await assert.rejects(library.searchByPath(join(root, 'nope.jpg'), 3), /image not found/);
    assert.throws(() => library.searchByPhoto(999_999, 3), /no photo with id 999999/);
  });

  test('re-indexing processes only new and changed files and drops deleted ones', async () => {
    const again = await library.indexFolder(photos);
    assert.deepEqual([again.indexed, again.unchanged, again.removed], [0, goodPaths.length, 0]);

    const slotsBefore = library.index.slots;
    const deleted = [goodPaths[5]!, goodPaths[6]!];
    const deletedIds = deleted.map((p) => library.store.photoByPath(p)!.id);
    const deletedHash = library.store.photoByPath(goodPaths[5]!)!.hash;
    for (const p of deleted) await unlink(p);
    const added = await writePhotos(join(photos, 'new'), 2, 500);
    const changed = goodPaths[7]!;
    const changedId = library.store.photoByPath(changed)!.id;
    await writeFile(changed, await makePhoto(600, { format: 'jpeg' })); // new bytes, same name
    const touched = goodPaths[8]!;
    await utimes(touched, new Date(), new Date(Date.now() + 5000));
    const copy = join(photos, 'new', 'copy-of-10.png');
    await copyFile(goodPaths[9]!, copy); // same bytes as a library photo: its code is reused

    const result = await library.indexFolder(photos);
    assert.equal(result.indexed, 4, 'two new, one changed, one copy');
    assert.equal(result.reused, 1);
    assert.equal(result.touched, 1);
    assert.equal(result.removed, 2);
    assert.equal(result.unchanged, goodPaths.length - 2 - 1 - 1);
    assert.equal(result.total, goodPaths.length - 2 + 3);

    const paths = library.listPhotos(0, 100).photos.map((p) => p.path);
    for (const p of deleted) assert.ok(!paths.includes(p));
    for (const p of [...added, copy, changed, touched]) assert.ok(paths.includes(p), p);
    assert.equal(library.store.photoByPath(changed)!.id, changedId, 'a changed photo keeps its id');
    assert.equal(library.thumbnails.has(deletedHash), false, 'a deleted photo\'s thumbnail is removed');
    for (const id of deletedIds) assert.equal(library.photo(id), undefined);

    // The copy's code is the same as its source's.
    const copyHits = library.searchByPhoto(library.store.photoByPath(copy)!.id, 2);
    assert.equal(copyHits[1]!.path, goodPaths[9]);
    assert.ok(copyHits[1]!.score > 0.9999);
    // Nothing deleted is ever returned, even asking for everything.
    const everything = library.searchByPhoto(library.store.photoByPath(added[0]!)!.id, 100);
    assert.equal(everything.length, result.total);
    for (const hit of everything) assert.ok(!deleted.includes(hit.path));

    // Freed slots (2 deleted + 1 replaced code) are reused before the index grows.
    assert.equal(library.index.slots, slotsBefore + 4);
    await writePhotos(join(photos, 'more'), 3, 700);
    const more = await library.indexFolder(photos);
    assert.equal(more.indexed, 3);
    assert.equal(library.index.slots, slotsBefore + 4, 'three new codes took the three freed slots');
  });
});

describe('a library indexed when content hashes were SHA-1', () => {
  test('a moved photo keeps its code and a touched one is not decoded again; both take the new hash', async () => {
    const folder = join(root, 'legacy', 'photos');
    const paths = await writePhotos(folder, 3, 900, ['jpeg']);
    const library = await Library.open(join(root, 'legacy', 'library'), { encoder });
    try {
      await library.indexFolder(folder);
      // What an older version wrote: SHA-1 for every photo.
      const setHash = library.store.db.prepare('UPDATE photos SET hash = ? WHERE id = ?');
      for (const p of paths) setHash.run(legacyContentHash(await readFile(p)), library.store.photoByPath(p)!.id);
      const codeOf = (path: string) => library.index.vectorOf(library.store.labelOf(library.modelId, library.store.photoByPath(path)!.id)!);
      const movedCode = codeOf(paths[0]!);

      const movedTo = join(folder, 'moved.jpg');
      await rename(paths[0]!, movedTo);
      await utimes(paths[1]!, new Date(), new Date(Date.now() + 5000));
      const result = await library.indexFolder(folder);
      assert.deepEqual(
        { indexed: result.indexed, reused: result.reused, touched: result.touched, removed: result.removed },
        { indexed: 1, reused: 1, touched: 1, removed: 1 },
      );
      // Its old code (re-normalised on insert: equal to float rounding), not a new encode.
      const moved = codeOf(movedTo)!;
      assert.ok(moved.every((v, i) => Math.abs(v - movedCode![i]!) < 1e-6), 'the moved photo took its old code');
      for (const p of [movedTo, paths[1]!]) {
        assert.equal(library.store.photoByPath(p)!.hash, await contentHash(await readFile(p)));
        assert.ok(library.thumbnails.has(library.store.photoByPath(p)!.hash), 'its thumbnail is under the new hash');
      }
      assert.equal(library.store.photoByPath(paths[2]!)!.hash, legacyContentHash(await readFile(paths[2]!)), 'an unchanged photo keeps its SHA-1');
    } finally {
      await library.close();
    }
  });
});

describe('consistency after cancel and crashes', () => {
  test('a cancelled run keeps what it finished, leaves index and store agreeing, and the next run completes', async () => {
    const dir = join(root, 'library-cancel');
    const library = await Library.open(dir, { encoder });
    const controller = new AbortController();
    const partial = await library.indexFolder(photos, {
      signal: controller.signal,
      batchSize: 4,
      concurrency: 2,
      checkpointMs: 0,
      report: (phase, done) => {
        if (phase === 'indexing' && done >= 6) controller.abort();
      },
    });
    assert.equal(partial.cancelled, true);
    assert.ok(partial.indexed > 0 && partial.indexed < 14, `indexed ${partial.indexed}`);
    assert.equal(library.listPhotos(0, 1).total, partial.indexed, 'the store holds exactly what was finished');
    await library.close();

    const reopened = await Library.open(dir, { encoder });
    const labels = reopened.store.labels(reopened.modelId);
    assert.equal(labels.length, partial.indexed);
    for (const label of labels) assert.ok(reopened.index.vectorOf(label), `label ${label} is in the saved index`);
    const rest = await reopened.indexFolder(photos);
    assert.equal(rest.cancelled, false);
    const scan = await scanFolder(photos);
    const good = scan.files.filter((f) => !f.path.includes('/bad/')).map((f) => f.path);
    assert.deepEqual(reopened.listPhotos(0, 100).photos.map((p) => p.path), good, 'exactly the good photos, once each');
    assert.equal(rest.indexed + partial.indexed, good.length);
    await reopened.close();
  });

  test('codes saved to the index but not committed (a crash in between) are reconciled on open', async () => {
    const dir = join(root, 'library-crash');
    const library = await Library.open(dir, { encoder });
    await library.indexFolder(photos);
    const count = library.photoCount();
    // Simulate the crash: the index file gets new labels, the store never hears of them.
    const orphanCode = library.index.vectorOf(library.store.labels(library.modelId)[0]!)!;
    const orphans = library.index.add(new Float32Array([...orphanCode, ...orphanCode]), 2);
    library.index.save(library.indexFile);
    library.store.close();

    const reopened = await Library.open(dir, { encoder });
    for (const label of orphans) assert.equal(reopened.index.vectorOf(label), null, 'orphan labels are marked deleted');
    const hits = reopened.searchByCode(orphanCode, count + 5);
    assert.equal(hits.length, count, 'search sees each library photo once and nothing else');
    const rerun = await reopened.indexFolder(photos);
    assert.equal(rerun.indexed, 0);
    assert.equal(reopened.index.slots, count + 2, 'the two orphan slots are free');
    await reopened.close();
  });

  test('a lost index file is rebuilt: its codes are forgotten and the next run encodes them again', async () => {
    const dir = join(root, 'library-crash');
    const first = await Library.open(dir, { encoder });
    const count = first.photoCount();
    const file = first.indexFile;
    await first.close();
    await rm(file);
    const notices: string[] = [];
    const reopened = await Library.open(dir, { encoder, onNotice: (m) => notices.push(m) });
    assert.match(notices.join('\n'), /index file .* is missing/);
    assert.equal(reopened.store.codeCount(reopened.modelId), 0);
    const rerun = await reopened.indexFolder(photos);
    assert.equal(rerun.indexed, count);
    assert.equal(reopened.searchByPhoto(reopened.listPhotos(0, 1).photos[0]!.id, 3).length, 3);
    await reopened.close();
  });
});

describe('models and library paths', () => {
  test('another model gets its own index; codes of the two never mix', async () => {
    const dir = join(root, 'library-models');
    const main = await Library.open(dir, { encoder });
    await main.indexFolder(photos);
    const mainFile = main.indexFile;
    const mainBytes = await readFile(mainFile);
    const count = main.photoCount();
    // The folder holds a byte-identical copy (from the re-index test above): one code may serve both.
    const contents = new Set(main.listPhotos(0, count).photos.map((p) => main.store.photoByPath(p.path)!.hash)).size;
    await main.close();

    const random = await createRandomEncoder({ seed: 3, zDim: 64 });
    try {
      const other = await Library.open(dir, { encoder: random });
      assert.notEqual(other.indexFile, mainFile);
      assert.equal(other.store.codeCount(other.modelId), 0);
      const result = await other.indexFolder(photos);
      assert.equal(result.indexed, count, 'every photo gets a code for the new model');
      // No code comes from the other model: each distinct content is encoded anew. Only a file whose
      // bytes an earlier file of this same run already has a committed code for may reuse it.
      assert.ok(result.indexed - result.reused >= contents, `${result.reused} reused of ${count} photos with ${contents} distinct contents`);
      assert.ok(result.reused <= count - contents);
      assert.equal(other.index.dim, 64);
      await other.close();
    } finally {
      random.dispose();
    }
    assert.deepEqual(await readFile(mainFile), mainBytes, 'the first model\'s index is untouched');
    const back = await Library.open(dir, { encoder });
    assert.equal((await back.indexFolder(photos)).indexed, 0);
    await back.close();
  });

  test('missing or invalid library paths are clear errors; a new one is created when its parent exists', async () => {
    await assert.rejects(Library.open(join(root, 'no', 'such', 'parent', 'lib'), { encoder }), /parent folder .* does not exist/);
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await assert.rejects(Library.open(file, { encoder }), /library path is not a folder/);
    await assert.rejects(Library.open(photos, { encoder }), /not a dimsearch library/);
    await assert.rejects(Library.open(join(root, 'fresh'), { encoder, mustExist: true }), /no dimsearch library at/);
    const fresh = await Library.open(join(root, 'fresh'), { encoder });
    assert.ok(existsSync(join(root, 'fresh', 'library.sqlite')));
    await assert.rejects(fresh.addFolder(join(root, 'missing-folder')), /folder not found/);
    await assert.rejects(fresh.addFolder(join(root, 'fresh')), /library's own folder/);
    assert.deepEqual(await fresh.searchByPath(goodPaths[0]!, 3), [], 'an empty library answers nothing');
    await fresh.close();
  });
});

/**
 * The grid's orders and folder filter in the store, the date a photo was taken read from its EXIF,
 * and taking a folder out of the store (its photos and codes go; other folders stay).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Store } from '../../../main/core/index/store';
import { dateTaken, parseExifDate } from '../../../main/core/imaging/date-taken';

test('photos sort by name, by date taken (else file time) and by folder, and narrow to a folder', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-order-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = Store.open(join(dir, 'library.sqlite'));
  t.after(() => store.close());
  const a = store.addFolder('/p/a');
  const b = store.addFolder('/p/b');
  const photo = (folderId: number, path: string, mtimeMs: number, takenAt: number | null, label: number) =>
    ({ folderId, path, size: 1, mtimeMs, hash: path, width: 1, height: 1, label, takenAt });
  store.ensureModel({ modelId: 'm', dim: 2, inputSize: 32, indexFile: 'm.hnsw', indexParams: {} });
  store.commitPhotos('m', [
    photo(a.id, '/p/a/zebra.jpg', 1000, Date.UTC(2020, 0, 1), 0),
    photo(a.id, '/p/a/sub/Apple.jpg', 5000, null, 1),
    photo(b.id, '/p/b/mango.jpg', 3000, Date.UTC(2024, 0, 1), 2),
  ]);
  const names = (order: 'name' | 'date' | 'folder', folder?: string) =>
    store.listPhotos(0, 10, { order, ...(folder ? { dir: folder } : {}) }).map((p) => p.path.split('/').pop());
  assert.deepEqual(names('name'), ['Apple.jpg', 'mango.jpg', 'zebra.jpg']);
  assert.deepEqual(names('date'), ['mango.jpg', 'zebra.jpg', 'Apple.jpg'], 'newest first; a photo without EXIF uses its file time');
  assert.deepEqual(names('folder'), ['Apple.jpg', 'zebra.jpg', 'mango.jpg']);
  assert.deepEqual(names('name', '/p/a'), ['Apple.jpg', 'zebra.jpg']);
  assert.equal(store.countPhotos('/p/a'), 2);
  assert.equal(store.countPhotos('/p/a/sub'), 1);
  assert.deepEqual(store.photoDirectories(), [
    { path: '/p/a', photoCount: 1 },
    { path: '/p/a/sub', photoCount: 1 },
    { path: '/p/b', photoCount: 1 },
  ]);
  assert.equal(store.photoDetails(store.photoByPath('/p/b/mango.jpg')!.id)!.takenAt, Date.UTC(2024, 0, 1));

  const removed = store.removeFolder(a.id);
  assert.equal(removed.photos, 2);
  assert.deepEqual(removed.labels.get('m')?.sort(), [0, 1]);
  assert.deepEqual(store.folders().map((f) => f.path), ['/p/b']);
  assert.equal(store.photoCount(), 1);
  assert.deepEqual(store.labels('m'), [2]);
});

test('the date taken comes from EXIF DateTimeOriginal in JPEG, PNG and WebP; nothing else is guessed', async () => {
  const withDate = () =>
    sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } }).withExif({ IFD0: { Make: 'test' }, IFD2: { DateTimeOriginal: '2021:07:04 10:30:00' } } as never);
  const expected = new Date(2021, 6, 4, 10, 30, 0).getTime();
  assert.equal(dateTaken(await withDate().jpeg().toBuffer()), expected);
  assert.equal(dateTaken(await withDate().png().toBuffer()), expected);
  assert.equal(dateTaken(await withDate().webp().toBuffer()), expected);
  assert.equal(dateTaken(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } }).jpeg().toBuffer()), null);
  assert.equal(dateTaken(Buffer.from('not an image at all')), null);
  assert.equal(parseExifDate('0000:00:00 00:00:00'), null);
  assert.equal(parseExifDate('    '), null);
});

/**
 * Every photo a person keeps, end to end through the back end the page uses: HEIC (one image,
 * with a thumbnail, several images), each camera RAW, names that are not UTF-8 (a file, a folder),
 * a symbolic link to a photo, each indexed → found by a search → its thumbnail served → a full-size
 * copy a browser shows served (through the same confinement the web server and the desktop
 * protocol apply, which keeps the original of a link leading out of the folders unserved). A RAW beside the JPEG of the same shot: both indexed, each the other's nearest.
 * A copy under a name that is not UTF-8 goes through the duplicates clean-up: grouped with its
 * original, moved to the real platform trash (a temporary XDG trash, never the user's) and back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createBackend } from '../../../main/core/backend';
import { displayPath, onDiskPath, pathFromBytes } from '../../../main/core/file-names';
import { lastCleanup, moveDuplicatesToTrash, undoLastCleanup } from '../../../main/core/duplicates/cleanup';
import { findDuplicates } from '../../../main/core/duplicates/find-duplicates';
import { packageTrash } from '../../../main/core/duplicates/trash';
import { heicPool } from '../../../main/core/imaging/formats/heic-pool';
import { mediaResolverOf, resolveMedia } from '../../../main/server/media';
import { loadEncoder } from '../../../main/ml/models';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { makeHeic } from '../../fixtures/heic';
import { makePhoto } from '../../fixtures/photos';
import { makeRaw, RAW_FORMATS } from '../../fixtures/raw';

let root: string;
let encoder: ImageEncoder;
let backend: Awaited<ReturnType<typeof createBackend>>;
/** Each case: its stored path and the size a full-size copy must have. */
const cases = new Map<string, { path: string; width: number; height: number }>();
let twinJpeg: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-formats-'));
  // The `trash` package puts files of this volume in $XDG_DATA_HOME/Trash: a scratch one here.
  process.env.XDG_DATA_HOME = join(root, 'xdg-data');
  const photos = join(root, 'photos');
  await mkdir(join(photos, 'raw'), { recursive: true });
  const add = async (name: string, path: string | Buffer, bytes: Buffer, width: number, height: number) => {
    await writeFile(path, bytes);
    cases.set(name, { path: typeof path === 'string' ? path : pathFromBytes(path), width, height });
  };
  await add('heic', join(photos, 'phone.heic'), await makeHeic(await makePhoto(10, { width: 320, height: 240 })), 320, 240);
  await add('heic with thumbnail', join(photos, 'thumbed.HEIC'), await makeHeic(await makePhoto(11, { width: 800, height: 600 }), { thumbnail: 320 }), 800, 600);
  await add('heic with several images', join(photos, 'burst.heif'), await makeHeic([await makePhoto(12, { width: 300, height: 400 }), await makePhoto(13)]), 300, 400);
  for (const [i, format] of RAW_FORMATS.entries()) {
    // Landscape previews in portrait RAWs (orientation 6): the copies must come out upright.
    const preview = await makePhoto(20 + i, { width: 400, height: 300 });
    await add(`raw ${format}`, join(photos, 'raw', `IMG_${i}.${format}`), await makeRaw(format, { preview, orientation: 6 }), 300, 400);
  }
  // A RAW and the JPEG of the same shot, side by side.
  const shot = await makePhoto(40, { width: 400, height: 300 });
  await add('raw beside its jpeg', join(photos, 'raw', 'SHOT.NEF'), await makeRaw('nef', { preview: shot }), 400, 300);
  twinJpeg = join(photos, 'raw', 'SHOT.JPG');
  await writeFile(twinJpeg, await sharp(shot).jpeg({ quality: 80 }).toBuffer());
  // Names that are not UTF-8: Latin-1 'é' (0xE9) in a file name and in a folder's.
  const latin1File = Buffer.concat([Buffer.from(`${photos}/caf`), Buffer.from([0xe9]), Buffer.from('.jpg')]);
  await add('latin-1 file name', latin1File, await makePhoto(50), 320, 240);
  const latin1Folder = Buffer.concat([Buffer.from(`${photos}/r`), Buffer.from([0xe9]), Buffer.from('sum')]);
  await mkdir(latin1Folder);
  await add('latin-1 folder name (HEIC)', Buffer.concat([latin1Folder, Buffer.from('/inside.heic')]), await makeHeic(await makePhoto(51)), 320, 240);
  // A symbolic link to a photo kept elsewhere.
  const elsewhere = join(root, 'elsewhere');
  await mkdir(elsewhere);
  await writeFile(join(elsewhere, 'target.jpg'), await makePhoto(60));
  await symlink(join(elsewhere, 'target.jpg'), join(photos, 'link.jpg'));
  cases.set('symbolic link', { path: join(photos, 'link.jpg'), width: 320, height: 240 });

  encoder = await loadEncoder('dim-both');
  backend = await createBackend({ libraryDir: join(root, 'library'), desktop: null, encoder });
  const result = await backend.library.indexFolder(photos);
  assert.deepEqual(result.skipped, []);
  assert.equal(result.indexed, cases.size + 1);
});

after(async () => {
  await backend?.close();
  encoder?.dispose();
  await heicPool().close();
  await rm(root, { recursive: true, force: true });
});

function photoAt(path: string) {
  const photo = backend.library.store.photoByPath(path);
  assert.ok(photo, `${displayPath(path)} is indexed`);
  return photo;
}

for (const name of [
  'heic',
  'heic with thumbnail',
  'heic with several images',
  ...RAW_FORMATS.map((f) => `raw ${f}`),
  'latin-1 file name',
  'latin-1 folder name (HEIC)',
  'symbolic link',
]) {
  test(`${name}: indexed, found by a search, thumbnail and full size served`, async () => {
    const { path, width, height } = cases.get(name)!;
    const photo = photoAt(path);
    assert.deepEqual([photo.width, photo.height], [width, height]);
    const hits = await backend.handlers.searchByPhoto({ id: photo.id, k: 3 });
    assert.equal(hits[0]!.id, photo.id);
    const roots = backend.files.roots();
    const thumb = await resolveMedia(mediaResolverOf(backend), 'thumb', String(photo.id), roots);
    assert.ok(thumb, 'thumbnail served');
    const thumbMeta = await sharp(await readFile(thumb.path)).metadata();
    assert.equal(thumbMeta.format, 'jpeg');
    assert.equal(thumbMeta.width! >= thumbMeta.height!, width >= height, 'thumbnail upright');
    const full = await resolveMedia(mediaResolverOf(backend), 'photo', String(photo.id), roots);
    if (name === 'symbolic link') {
      // Indexed and searched like any photo, but its original lies outside every library folder,
      // and the servers serve nothing from there (server/media.ts).
      assert.equal(full, null);
      return;
    }
    assert.ok(full, 'full size served');
    assert.match(full.mimeType, /^image\/(jpeg|png|webp|gif|avif)$/, 'a format browsers show');
    const fullMeta = await sharp(await readFile(full.path), { autoOrient: true }).metadata();
    assert.deepEqual([fullMeta.autoOrient.width, fullMeta.autoOrient.height], [width, height]);
  });
}

test('a RAW and the JPEG of the same shot are both indexed, each the other’s nearest', async () => {
  const raw = photoAt(cases.get('raw beside its jpeg')!.path);
  const jpeg = photoAt(twinJpeg);
  assert.equal((await backend.handlers.searchByPhoto({ id: raw.id, k: 2 }))[1]!.id, jpeg.id);
  assert.equal((await backend.handlers.searchByPhoto({ id: jpeg.id, k: 2 }))[1]!.id, raw.id);
});

test('names that are not UTF-8 are listed with U+FFFD where shown, and their stored paths open the real files', async () => {
  const { path } = cases.get('latin-1 file name')!;
  assert.equal(displayPath(path), join(root, 'photos', 'caf\uFFFD.jpg'));
  const listed = await backend.handlers.listPhotos({ offset: 0, limit: 100 });
  assert.ok(listed.photos.some((p) => p.path === path));
});

test('a copy under a name that is not UTF-8 is grouped with its original, moved to the trash and back by the duplicates clean-up', async () => {
  const { library } = backend;
  const original = cases.get('latin-1 file name')!.path;
  const copyBytes = Buffer.concat([Buffer.from(join(root, 'photos', 'caf')), Buffer.from([0xe9]), Buffer.from(' (copie).jpg')]);
  const copy = pathFromBytes(copyBytes);
  const photoBytes = await readFile(onDiskPath(original));
  await writeFile(copyBytes, photoBytes);
  assert.equal((await library.indexFolder(join(root, 'photos'))).indexed, 1);

  const group = (await findDuplicates(library, 0.95)).groups.find((g) => g.photos.some((p) => p.path === copy));
  assert.ok(group, 'the copy is grouped');
  assert.equal(group.keep, original, 'with its original, which is kept (older)');
  assert.ok(group.photos.find((p) => p.path === copy)!.identical);
  const asGrouped = (path: string) => {
    const p = group.photos.find((photo) => photo.path === path)!;
    return { path: p.path, bytes: p.bytes, mtime: p.mtime };
  };

  const moved = await moveDuplicatesToTrash(library, packageTrash(), [{ keep: asGrouped(original), move: [asGrouped(copy)] }]);
  assert.deepEqual(moved.leftAlone, []);
  assert.deepEqual(moved.moved, [copy]);
  assert.equal(existsSync(copyBytes), false, 'the copy left its folder');
  assert.equal(existsSync(onDiskPath(original)), true, 'the original stays');
  const trashed = await readdir(join(root, 'xdg-data', 'Trash', 'files'));
  assert.equal(trashed.length, 1);
  // The trash records the real name, byte for byte (percent-encoded), so the desktop's Restore finds it.
  const info = await readFile(join(root, 'xdg-data', 'Trash', 'info', `${trashed[0]}.trashinfo`), 'utf8');
  assert.match(info, /^Path=.*\/caf%E9%20\(copie\)\.jpg$/m);
  assert.equal(library.store.photoByPath(copy), undefined, 'and the index');
  assert.equal(lastCleanup(library)?.files, 1);

  const undo = await undoLastCleanup(library);
  assert.deepEqual(undo.notRestored, []);
  assert.deepEqual(undo.restored, [copy]);
  assert.deepEqual(await readFile(copyBytes), photoBytes, 'back under its own name, byte for byte');
  assert.deepEqual(await readdir(join(root, 'xdg-data', 'Trash', 'files')), []);
  const back = library.store.photoByPath(copy);
  assert.ok(back, 'in the index again');
  assert.ok((await backend.handlers.searchByPhoto({ id: photoAt(original).id, k: 2 })).some((hit) => hit.id === back.id), 'and found again');
});

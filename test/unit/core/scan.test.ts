import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isPhotoName, scanFolder, type ScanResult } from '../../../main/core/imaging/scan';
import { bytesOfPath, displayPath, pathFromBytes } from '../../../main/core/file-names';
import { exclusionTest } from '../../../main/core/library/exclusions';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-scan-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('photo extensions are recognised case-insensitively, others ignored', async (t) => {
  const dir = await tempDir(t);
  const photos = ['a.jpg', 'b.JPEG', 'c.Png', 'd.webp', 'e.TIFF', 'f.tif', 'g.gif', 'h.AVIF'];
  for (const name of [...photos, 'notes.txt', 'movie.mp4', 'noext', 'jpg']) await writeFile(join(dir, name), 'x');
  const { files, skipped } = await scanFolder(dir);
  assert.deepEqual(files.map((f) => f.path), photos.map((n) => join(dir, n)).sort());
  assert.deepEqual(skipped, []);
  assert.equal(isPhotoName('x.Jpg'), true);
  assert.equal(isPhotoName('x.heic'), true);
  assert.equal(isPhotoName('x.mov'), false);
  assert.equal(files[0]!.size, 1);
  assert.ok(files[0]!.mtimeMs > 0);
});

test('recurses into sub-folders and skips hidden files and folders', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'trip', 'day1'), { recursive: true });
  await mkdir(join(dir, '.thumbnails'), { recursive: true });
  await mkdir(join(dir, 'trip', '.git'), { recursive: true });
  await writeFile(join(dir, 'trip', 'day1', 'beach.jpg'), 'x');
  await writeFile(join(dir, 'trip', '.hidden.jpg'), 'x');
  await writeFile(join(dir, '.thumbnails', 'cached.jpg'), 'x');
  await writeFile(join(dir, 'trip', '.git', 'inside.png'), 'x');
  await writeFile(join(dir, 'top.png'), 'x');
  const { files } = await scanFolder(dir);
  assert.deepEqual(files.map((f) => f.path), [join(dir, 'top.png'), join(dir, 'trip', 'day1', 'beach.jpg')]);
});

test('a symlink loop ends the descent, is reported, and files are not listed twice', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'a', 'b'), { recursive: true });
  await writeFile(join(dir, 'a', 'b', 'one.jpg'), 'x');
  await symlink(join(dir, 'a'), join(dir, 'a', 'b', 'back-to-a')); // a/b/back-to-a -> a
  await symlink(dir, join(dir, 'a', 'root-again'));
  const { files, skipped } = await scanFolder(dir);
  assert.deepEqual(files.map((f) => f.path), [join(dir, 'a', 'b', 'one.jpg')]);
  const loops = skipped.filter((s) => s.reason.startsWith('symlink loop'));
  assert.equal(loops.length, 2, JSON.stringify(skipped));
});

test('symlinked files and folders outside the root are followed once', async (t) => {
  const dir = await tempDir(t);
  const outside = await tempDir(t);
  await mkdir(join(dir, 'root'));
  await writeFile(join(outside, 'far.png'), 'x');
  await symlink(outside, join(dir, 'root', 'linked'));
  await symlink(join(outside, 'far.png'), join(dir, 'root', 'alias.png'));
  const { files } = await scanFolder(join(dir, 'root'));
  assert.deepEqual(files.map((f) => f.path), [join(dir, 'root', 'alias.png'), join(dir, 'root', 'linked', 'far.png')]);
});

test('a broken symlink with a photo name is reported, not thrown', async (t) => {
  const dir = await tempDir(t);
  await symlink(join(dir, 'missing.jpg'), join(dir, 'dangling.jpg'));
  await writeFile(join(dir, 'ok.jpg'), 'x');
  const { files, skipped } = await scanFolder(dir);
  assert.equal(files.length, 1);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!.reason, /broken symlink/);
});

test('an unreadable folder is reported with a reason and the rest is scanned', async (t) => {
  const dir = await tempDir(t);
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'locked'));
  await writeFile(join(dir, 'locked', 'secret.jpg'), 'x');
  await writeFile(join(dir, 'open.jpg'), 'x');
  await chmod(join(dir, 'locked'), 0o000);
  let result: ScanResult;
  try {
    result = await scanAsUnprivileged(dir);
  } finally {
    await chmod(join(dir, 'locked'), 0o755);
  }
  assert.deepEqual(result.files.map((f) => f.path), [join(dir, 'open.jpg')]);
  assert.deepEqual(result.skipped, [{ path: join(dir, 'locked'), reason: 'folder not readable: permission denied' }]);
});

/** Root reads everything: when root, scan as an unprivileged user in a child process instead. */
async function scanAsUnprivileged(dir: string): Promise<ScanResult> {
  let result: ScanResult;
  if (process.getuid?.() === 0) {
    const scanModule = fileURLToPath(new URL('../../../main/core/imaging/scan.ts', import.meta.url));
    const script = `import { scanFolder } from ${JSON.stringify(scanModule)}; console.log(JSON.stringify(await scanFolder(${JSON.stringify(dir)})));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    });
    assert.equal(child.status, 0, child.stderr);
    result = JSON.parse(child.stdout.trim().split('\n').pop()!) as ScanResult;
  } else {
    result = await scanFolder(dir);
  }
  return result;
}

test('excluded folders are not entered; a missing root is a clear error', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'library', 'thumbnails'), { recursive: true });
  await writeFile(join(dir, 'library', 'thumbnails', 'x.webp'), 'x');
  await writeFile(join(dir, 'photo.jpg'), 'x');
  const { files } = await scanFolder(dir, { excludeDirs: [join(dir, 'library')] });
  assert.deepEqual(files.map((f) => f.path), [join(dir, 'photo.jpg')]);
  await assert.rejects(scanFolder(join(dir, 'nope')), /cannot scan .*nope: no longer exists/);
  await assert.rejects(scanFolder(join(dir, 'photo.jpg')), /not a folder/);
});

test('an aborted scan stops with an abort error', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a.jpg'), 'x');
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(scanFolder(dir, { signal: controller.signal }), { name: 'AbortError' });
});

test('names that are not valid UTF-8 are found by their bytes, in files and folders; a name really containing U+FFFD is scanned as it is', async (t) => {
  const dir = await tempDir(t);
  const bad = Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]);
  await writeFile(bad, 'x');
  const folder = Buffer.concat([Buffer.from(`${dir}/folder-`), Buffer.from([0xc3])]);
  await mkdir(folder);
  const inside = Buffer.concat([folder, Buffer.from('/caf'), Buffer.from([0xe9]), Buffer.from('.jpg')]);
  await writeFile(inside, 'xy');
  await writeFile(join(dir, 'real-\uFFFD.jpg'), 'x'); // valid UTF-8 (EF BF BD): a normal file
  const { files, skipped } = await scanFolder(dir);
  assert.deepEqual(skipped, []);
  const expected = [pathFromBytes(bad), pathFromBytes(inside), join(dir, 'real-\uFFFD.jpg')].sort();
  assert.deepEqual(files.map((f) => f.path), expected);
  // Each maps back to the exact bytes on disk, and shows with U+FFFD.
  assert.deepEqual(bytesOfPath(files.find((f) => f.size === 2)!.path), inside);
  assert.equal(displayPath(pathFromBytes(bad)), join(dir, 'bad-\uFFFD\uFFFD.jpg'));
});

test('exclusion globs leave matching folders and files out, at any depth', async (t) => {
  const dir = await tempDir(t);
  for (const sub of ['a/node_modules/pkg', 'a/@eaDir', 'b', 'node_modules']) await mkdir(join(dir, sub), { recursive: true });
  for (const file of ['a/node_modules/pkg/x.jpg', 'a/@eaDir/thumb.jpg', 'a/keep.jpg', 'b/skip-me.jpg', 'b/keep.png', 'node_modules/y.jpg']) {
    await writeFile(join(dir, file), 'x');
  }
  const { files } = await scanFolder(dir, { isExcluded: exclusionTest(['**/node_modules', '**/@eaDir', 'b/skip-*'])! });
  assert.deepEqual(files.map((f) => f.path), [join(dir, 'a/keep.jpg'), join(dir, 'b/keep.png')]);
});

test('HEIC and camera RAW files are photos', () => {
  for (const name of ['a.heic', 'a.HEIF', 'a.dng', 'a.CR2', 'a.cr3', 'a.nef', 'a.arw', 'a.orf', 'a.rw2', 'a.raf', 'a.pef']) assert.ok(isPhotoName(name), name);
});

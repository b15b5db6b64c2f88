import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confineToRoots, parseMediaId, resolveMedia, type MediaResolver } from '../../../main/server/media';

test('parseMediaId accepts plain decimal ids only', () => {
  assert.equal(parseMediaId('0'), 0);
  assert.equal(parseMediaId('42'), 42);
  for (const bad of ['', '-1', '+1', '01', '1e3', '0x10', '1.0', ' 1', '1 ', '..', '%2e', '9'.repeat(17), '9007199254740993', '1/2']) {
    assert.equal(parseMediaId(bad), null, `accepted ${JSON.stringify(bad)}`);
  }
});

test('confineToRoots serves only regular files inside a root, links resolved', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-media-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'library');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'sub', 'a.webp'), 'inside');
  await writeFile(join(outside, 'secret.txt'), 'outside');
  await writeFile(`${root}-sibling.txt`, 'prefix sibling');
  await symlink(join(outside, 'secret.txt'), join(root, 'link-out.webp'));
  await symlink(join(root, 'sub', 'a.webp'), join(root, 'link-in.webp'));

  assert.equal(await confineToRoots(join(root, 'sub', 'a.webp'), [root]), join(root, 'sub', 'a.webp'));
  assert.equal(await confineToRoots(join(root, 'link-in.webp'), [root]), join(root, 'sub', 'a.webp'));
  assert.equal(await confineToRoots(join(root, 'link-out.webp'), [root]), null, 'symlink pointing out');
  assert.equal(await confineToRoots(join(root, '..', 'outside', 'secret.txt'), [root]), null, 'dot-dot escape');
  assert.equal(await confineToRoots(`${root}-sibling.txt`, [root]), null, 'sibling sharing the prefix');
  assert.equal(await confineToRoots(join(root, 'sub'), [root]), null, 'a directory');
  assert.equal(await confineToRoots(root, [root]), null, 'the root itself');
  assert.equal(await confineToRoots('sub/a.webp', [root]), null, 'a relative path');
  assert.equal(await confineToRoots(join(root, 'missing.webp'), [root]), null, 'a missing file');
  assert.equal(await confineToRoots(`${join(root, 'sub', 'a.webp')}\0.png`, [root]), null, 'a NUL byte');
  assert.equal(await confineToRoots(join(outside, 'secret.txt'), [root, 'relative/root']), null);
});

test('resolveMedia never returns a file the resolver points outside the roots', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-media-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'library');
  await mkdir(root);
  await writeFile(join(root, '7.webp'), 'thumb');
  await writeFile(join(base, 'secret.txt'), 'secret');
  const requested: Array<[string, number]> = [];
  // A resolver as careless as possible: it maps ids to whatever path, including escapes.
  const resolver: MediaResolver = async (kind, id) => {
    requested.push([kind, id]);
    if (id === 7) return join(root, '7.webp');
    if (id === 8) return join(root, '..', 'secret.txt');
    if (id === 9) throw new Error('boom');
    return null;
  };
  const found = await resolveMedia(resolver, 'thumb', '7', [root]);
  assert.deepEqual(found, { path: join(root, '7.webp'), mimeType: 'image/webp' });
  assert.equal(await resolveMedia(resolver, 'thumb', '8', [root]), null);
  assert.equal(await resolveMedia(resolver, 'thumb', '9', [root]), null);
  assert.equal(await resolveMedia(resolver, 'thumb', '10', [root]), null);
  assert.equal(await resolveMedia(resolver, 'secret', '7', [root]), null, 'unknown kind');
  for (const raw of ['..', '../7', '7/..', '%2e%2e', '..%2F..%2Fsecret.txt', '/etc/passwd', '9'.repeat(5000)]) {
    assert.equal(await resolveMedia(resolver, 'photo', raw, [root]), null, raw.slice(0, 40));
  }
  // Malformed ids never even reach the back end.
  assert.deepEqual(requested.map(([, id]) => id), [7, 8, 9, 10]);
});

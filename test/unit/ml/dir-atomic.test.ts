import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverDirAtomic, writeDirAtomic } from '../../../main/ml/models';

// A crash between writeDirAtomic's two renames leaves `dir.old-TAG` and `dir.tmp-TAG`, both complete.
async function crashBetweenRenames(root: string): Promise<string> {
  const dir = join(root, 'checkpoint');
  await writeDirAtomic(dir, { 'state.json': '{"epoch":1}' });
  await mkdir(`${dir}.tmp-42-abcd`);
  await writeFile(join(`${dir}.tmp-42-abcd`, 'state.json'), '{"epoch":2}');
  await rename(dir, `${dir}.old-42-abcd`);
  return dir;
}

test('a replacement interrupted between its renames is completed with the new version', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-dir-atomic-'));
  const dir = await crashBetweenRenames(root);
  assert.equal(existsSync(dir), false);
  await recoverDirAtomic(dir);
  assert.equal(await readFile(join(dir, 'state.json'), 'utf8'), '{"epoch":2}');
  assert.deepEqual(readdirSync(root), ['checkpoint']);
});

test('the next atomic write recovers first, then replaces; a lone unfinished temp is ignored', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-dir-atomic-'));
  const dir = await crashBetweenRenames(root);
  await writeDirAtomic(dir, { 'state.json': '{"epoch":3}' });
  assert.equal(await readFile(join(dir, 'state.json'), 'utf8'), '{"epoch":3}');
  assert.deepEqual(readdirSync(root), ['checkpoint']);

  const fresh = join(root, 'never-written');
  await mkdir(`${fresh}.tmp-7-beef`);
  await recoverDirAtomic(fresh);
  assert.equal(existsSync(fresh), false, 'an unfinished first write must not become the directory');
});

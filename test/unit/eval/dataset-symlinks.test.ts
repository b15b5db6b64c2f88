/** The evaluation loader follows symbolic links: a split made of links to photos (and to class folders). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabelledSplit } from '../../../main/ml/eval/dataset';

test('class folders of symlinked photos, and a symlinked class folder, are loaded', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-links-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'originals', 'dogs'), { recursive: true });
  for (const name of ['a.jpg', 'b.jpg']) await writeFile(join(root, 'originals', name), 'x');
  await writeFile(join(root, 'originals', 'dogs', 'd.jpg'), 'x');
  await mkdir(join(root, 'split', 'cats'), { recursive: true });
  await symlink(join(root, 'originals', 'a.jpg'), join(root, 'split', 'cats', 'a.jpg'));
  await symlink(join(root, 'originals', 'b.jpg'), join(root, 'split', 'cats', 'b.jpg'));
  await symlink(join(root, 'nowhere.jpg'), join(root, 'split', 'cats', 'broken.jpg'));
  await symlink(join(root, 'originals', 'dogs'), join(root, 'split', 'dogs'));
  const split = await loadLabelledSplit(join(root, 'split'));
  assert.deepEqual(split.classNames, ['cats', 'dogs']);
  assert.deepEqual(split.paths, ['cats/a.jpg', 'cats/b.jpg', 'dogs/d.jpg'].map((p) => join(root, 'split', p)));
  assert.deepEqual([...split.labels], [0, 0, 1]);
});

/**
 * Folders to leave out (library/exclusions.ts): a library starts with the defaults (NAS thumbnail
 * folders, node_modules, …); a pattern added later takes its photos out of the index on the next
 * run, and taking it away brings them back — through the library, the page's calls and
 * `cli index --exclude`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../../../main/core/backend';
import { DEFAULT_EXCLUSIONS } from '../../../main/core/library/exclusions';
import { loadEncoder } from '../../../main/ml/models';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { writePhotos } from '../../fixtures/photos';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
let root: string;
let encoder: ImageEncoder;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-exclude-'));
  const photos = join(root, 'photos');
  await writePhotos(join(photos, 'keep'), 3, 1);
  await writePhotos(join(photos, 'Archive', '2009'), 2, 10);
  await writePhotos(join(photos, 'keep', '@eaDir'), 2, 20); // a NAS box's thumbnails
  await writePhotos(join(photos, 'app', 'node_modules', 'pkg'), 1, 30);
  encoder = await loadEncoder('dim-both');
});

after(async () => {
  encoder?.dispose();
  await rm(root, { recursive: true, force: true });
});

test('photos under a folder excluded later leave the index, and come back when it is no longer excluded', async () => {
  const backend = await createBackend({ libraryDir: join(root, 'library'), desktop: null, encoder });
  const { library } = backend;
  const paths = () => library.listPhotos(0, 100).photos.map((p) => p.path.slice(root.length + 1)).sort();
  try {
    assert.deepEqual(await backend.handlers.exclusions({}), [...DEFAULT_EXCLUSIONS]);
    await library.indexFolder(join(root, 'photos'));
    assert.equal(paths().length, 5, 'the defaults leave out @eaDir and node_modules');
    assert.ok(paths().every((p) => p.startsWith('photos/keep/photo-') || p.startsWith('photos/Archive/2009/')));

    assert.deepEqual(library.setExclusions([...library.exclusions(), '  Archive/2009 ', '']), [...DEFAULT_EXCLUSIONS, 'Archive/2009']);
    const excluded = await library.indexAll();
    assert.equal(excluded.removed, 2);
    assert.deepEqual(paths(), ['photos/keep/photo-0001.jpg', 'photos/keep/photo-0002.png', 'photos/keep/photo-0003.webp']);

    library.setExclusions([]); // nothing left out: the NAS thumbnails come in too
    const back = await library.indexAll();
    assert.equal(back.indexed, 5);
    assert.equal(paths().length, 8);
    assert.throws(() => library.setExclusions(['/absolute']), /relative to each folder/);
  } finally {
    await backend.close();
  }
});

test('cli index --exclude sets the library\'s patterns and reports them in its JSON', () => {
  const libraryDir = join(root, 'library-cli');
  const run = (...extra: string[]) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'index', join(root, 'photos'), '--library', libraryDir, '--json', ...extra], {
      cwd: repo,
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout.trim().split('\n').pop()!) as { total: number; removed: number; exclude: string[] };
  };
  const first = run('--exclude', '**/node_modules', '--exclude', '**/@eaDir', '--exclude', 'Archive');
  assert.deepEqual(first.exclude, ['**/node_modules', '**/@eaDir', 'Archive']);
  assert.equal(first.total, 3);
  const kept = run();
  assert.deepEqual(kept.exclude, first.exclude, 'kept by the library');
  const cleared = run('--exclude', '');
  assert.deepEqual(cleared.exclude, []);
  assert.equal(cleared.total, 8);
});

/**
 * The directory watcher holds one OS watch per folder (never per file), follows folders that
 * appear and releases those that go, and reports file additions and removals by path.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { DirectoryWatcher, type DirectoryChange } from '../../../main/core/library/directory-watch';

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('one watch per directory; new folders are followed, removed ones released; files reported by path', async () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'dimsearch-dirwatch-')));
  try {
    for (const dir of ['a', 'a/b', 'c', '.hidden']) mkdirSync(join(root, dir), { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(join(root, i % 2 ? 'a/b' : 'c', `photo-${i}.jpg`), 'x');
    const seen: { path: string; change: DirectoryChange; isDirectory: boolean }[] = [];
    const watcher = new DirectoryWatcher(root, {
      ignored: (path) => path.split('/').pop()!.startsWith('.'),
      onChange: (path, change, isDirectory) => seen.push({ path, change, isDirectory }),
    });
    try {
      await watcher.ready;
      assert.equal(watcher.watchedDirectories, 4, 'root, a, a/b and c — no watch per file, none for the hidden folder');

      mkdirSync(join(root, 'new'));
      await waitFor('the new folder to be watched', () => watcher.watchedDirectories === 5);
      await writeFile(join(root, 'new', 'fresh.jpg'), 'y');
      await waitFor('the new file to be reported', () => seen.some((e) => e.path === join(root, 'new', 'fresh.jpg') && e.change === 'added'));
      assert.ok(seen.some((e) => e.path === join(root, 'new') && e.change === 'added' && e.isDirectory));

      await rm(join(root, 'c', 'photo-0.jpg'));
      await waitFor('the deletion to be reported', () => seen.some((e) => e.path === join(root, 'c', 'photo-0.jpg') && e.change === 'removed'));

      await rm(join(root, 'a'), { recursive: true });
      await waitFor('the removed folders to be released', () => watcher.watchedDirectories === 3);
      assert.ok(seen.some((e) => e.path === join(root, 'a') && e.change === 'removed'));

      await writeFile(join(root, '.hidden', 'secret.jpg'), 'z');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(!seen.some((e) => e.path.includes('.hidden')), 'ignored paths are never reported');
    } finally {
      watcher.close();
    }
    assert.equal(watcher.watchedDirectories, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

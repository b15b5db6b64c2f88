/** `~` in a typed folder path means the home folder, as in a shell (the web page has no shell). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandHome } from '../../../main/core/library/expand-home';
import { prepareLibraryDir } from '../../../main/core/library/library';

test('~ and ~/… expand to the home folder; other paths are left alone', () => {
  assert.equal(expandHome('~', '/home/ann'), '/home/ann');
  assert.equal(expandHome('~/Pictures/2024', '/home/ann'), '/home/ann/Pictures/2024');
  assert.equal(expandHome('~bob/Pictures', '/home/ann'), '~bob/Pictures');
  assert.equal(expandHome('/data/~/x', '/home/ann'), '/data/~/x');
  assert.equal(expandHome('photos/~', '/home/ann'), 'photos/~');
  assert.equal(expandHome('~/'), homedir());
});

test('a library path given with ~ is made under the home folder', async (t) => {
  // HOME decides os.homedir() on POSIX: point it at a scratch folder.
  const home = await mkdtemp(join(tmpdir(), 'dimsearch-home-'));
  const previous = process.env.HOME;
  process.env.HOME = home;
  t.after(async () => {
    process.env.HOME = previous;
    await rm(home, { recursive: true, force: true });
  });
  await mkdir(join(home, 'libs'));
  assert.equal(prepareLibraryDir('~/libs/mine'), join(home, 'libs', 'mine'));
});

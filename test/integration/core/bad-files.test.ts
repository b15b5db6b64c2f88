/**
 * The bad-file corpus (test/fixtures/bad-files.ts) through the CLI and the back end: every bad file
 * is skipped with its reason — in the CLI's JSON `skipped` and in the UI's list (listSkipped) —
 * nothing crashes, and every good or odd-but-valid photo around them is indexed. A file deleted
 * after the scan but before it is read is reported too.
 *
 * We may run as root, which reads any file whatever its mode: the CLI is then run as `nobody`
 * (uid 65534), so the unreadable file and folder really are unreadable to it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../../../main/core/backend';
import { Library } from '../../../main/core/library/library';
import { checkLibraryConsistency } from '../../../main/core/library/verify';
import { loadEncoder } from '../../../main/ml/models';
import { unreadableNeedsOtherUser, writeBadCorpus, type BadCorpus } from '../../fixtures/bad-files';
import { writePhotos } from '../../fixtures/photos';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const NOBODY = 65534;
let root: string;
let corpusDir: string;
let corpus: BadCorpus;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-bad-'));
  await chmod(root, 0o755); // the unprivileged CLI must reach its folders
  corpusDir = join(root, 'corpus');
  corpus = await writeBadCorpus(corpusDir);
});

after(async () => {
  await corpus?.restorePermissions();
  await rm(root, { recursive: true, force: true });
});

function cliIndex(folder: string, libraryDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'index', folder, '--library', libraryDir, '--json'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(unreadableNeedsOtherUser ? { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: root } } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('every bad file is skipped with its reason in the CLI JSON and in listSkipped; every good photo is indexed', async () => {
  const libraryDir = join(root, 'library');
  await mkdir(libraryDir);
  if (unreadableNeedsOtherUser) await chown(libraryDir, NOBODY, NOBODY);

  const run = await cliIndex(corpusDir, libraryDir);
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { indexed: number; skipped: { path: string; reason: string }[] };
  assert.equal(result.indexed, corpus.good.length);

  const expectSkipped = (skipped: { path: string; reason: string }[], where: string) => {
    assert.deepEqual(skipped.map((s) => s.path).sort(), [...corpus.skipped.keys()].sort(), `${where}: exactly the bad files, once each`);
    for (const s of skipped) assert.match(s.reason, corpus.skipped.get(s.path)!, `${where}: ${s.path}`);
  };
  expectSkipped(result.skipped, 'CLI JSON');
  // The new formats' skips are there with their reasons (checked one by one above).
  for (const name of ['truncated.heic', 'bomb.heic', 'no-preview.dng']) assert.ok(result.skipped.some((s) => s.path.endsWith(`/bad/${name}`)), name);

  // What the UI shows: the same back end the desktop app and web mode use.
  const backend = await createBackend({ libraryDir, desktop: null });
  try {
    expectSkipped(await backend.handlers.listSkipped({}), 'listSkipped');
    const { total, photos } = await backend.handlers.listPhotos({ offset: 0, limit: 100 });
    assert.equal(total, corpus.good.length);
    assert.deepEqual(photos.map((p) => p.path).sort(), corpus.good);
    for (const photo of photos) {
      const hits = await backend.handlers.searchByPhoto({ id: photo.id, k: 1 });
      assert.equal(hits[0]!.id, photo.id, `${photo.path} is searchable`);
      assert.ok(await backend.files.thumbnail(photo.id), `${photo.path} has a thumbnail`);
    }
    assert.equal((await backend.handlers.libraryInfo({})).skippedCount, corpus.skipped.size);
  } finally {
    await backend.close();
  }
  assert.deepEqual(checkLibraryConsistency(libraryDir).problems, []);
});

test('a file deleted between the scan and its decode is reported, and the rest is indexed', async () => {
  const folder = join(root, 'vanishing');
  const paths = await writePhotos(folder, 6, 400);
  const victim = paths[3]!;
  const encoder = await loadEncoder('dim-both');
  const library = await Library.open(join(root, 'library-vanishing'), { encoder });
  try {
    let deleted = false;
    const result = await library.indexFolder(folder, {
      concurrency: 1,
      // 'indexing 0/n' is reported once the scan is done and before any file is read.
      report: (phase, done) => {
        if (phase === 'indexing' && done === 0 && !deleted) {
          deleted = true;
          unlinkSync(victim); // synchronous: gone before the first file is read

        }
      },
    });
    assert.ok(deleted);
    assert.deepEqual(result.skipped, [{ path: victim, reason: 'not readable: deleted while indexing' }]);
    assert.equal(result.indexed, 5);
    assert.deepEqual(library.listSkipped().map((s) => s.path), [victim]);
    const again = await library.indexFolder(folder);
    assert.deepEqual(again.skipped, [], 'the next run forgets it: it is gone, not broken');
    assert.deepEqual(library.listSkipped(), []);
    assert.deepEqual(library.listPhotos(0, 10).photos.map((p) => p.path), paths.filter((p) => p !== victim));
  } finally {
    await library.close();
    encoder.dispose();
  }
});

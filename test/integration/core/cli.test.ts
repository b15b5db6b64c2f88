/**
 * The CLI exactly as the project's checks call it: `npm run -s cli -- index|search ... --json`,
 * whose last stdout line is the JSON result.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nearDuplicate, writeBadFiles, writePhotos } from '../../fixtures/photos';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
let root: string;
let photos: string;
let library: string;
let goodPaths: string[];

/** A command that has not exited within this time has hung (e.g. after printing its result). */
const CLI_TIMEOUT_MS = 90_000;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'cli', '--', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not exit within ${CLI_TIMEOUT_MS / 1000}s; stdout so far: ${stdout.slice(-300)}`));
    }, CLI_TIMEOUT_MS);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function lastLineJson(stdout: string): unknown {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-cli-'));
  photos = join(root, 'photos');
  library = join(root, 'library');
  goodPaths = await writePhotos(photos, 8);
  await writeBadFiles(join(photos, 'bad'));
});

after(() => rm(root, { recursive: true, force: true }));

test('index --json: last stdout line is {indexed, skipped[{path, reason}], seconds}', async () => {
  const run = await cli('index', photos, '--library', library, '--json');
  assert.equal(run.code, 0, run.stderr);
  const result = lastLineJson(run.stdout) as { indexed: number; skipped: { path: string; reason: string }[]; seconds: number };
  assert.equal(result.indexed, 8);
  assert.equal(result.skipped.length, 5);
  for (const s of result.skipped) {
    assert.deepEqual(Object.keys(s).sort(), ['path', 'reason']);
    assert.ok(s.path.startsWith(join(photos, 'bad')) && s.reason.length > 0);
  }
  assert.equal(typeof result.seconds, 'number');
  assert.ok(result.seconds > 0);

  const again = lastLineJson((await cli('index', photos, '--library', library, '--json')).stdout) as { indexed: number };
  assert.equal(again.indexed, 0, 'nothing new to process');
});

test('search --json: best first, the query itself first with score ≈ 1; a photo from outside works too', async () => {
  const run = await cli('search', goodPaths[2]!, '--library', library, '-k', '5', '--json');
  assert.equal(run.code, 0, run.stderr);
  const hits = lastLineJson(run.stdout) as { path: string; score: number }[];
  assert.equal(hits.length, 5);
  for (const hit of hits) assert.deepEqual(Object.keys(hit).sort(), ['path', 'score']);
  assert.equal(hits[0]!.path, goodPaths[2]);
  assert.ok(Math.abs(hits[0]!.score - 1) < 1e-4);
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score);

  const outside = join(root, 'outside.jpg');
  await writeFile(outside, await nearDuplicate(await readFile(goodPaths[5]!)));
  const [json, table] = await Promise.all([
    cli('search', outside, '--library', library, '-k', '3', '--json'),
    cli('search', outside, '--library', library, '-k', '3'),
  ]);
  const outsideHits = lastLineJson(json.stdout) as { path: string; score: number }[];
  assert.equal(outsideHits.length, 3);
  assert.equal(outsideHits[0]!.path, goodPaths[5]);
  assert.match(table.stdout, /rank\s+score\s+path/);
  assert.match(table.stdout, new RegExp(`1\\s+0\\.\\d{4}\\s+${goodPaths[5]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('a bad library path or image is a clear message and a non-zero exit', async () => {
  await writeFile(join(root, 'a-file'), 'x');
  const [missingParent, isFile, notLibrary, noLibrary, noImage] = await Promise.all([
    cli('index', photos, '--library', join(root, 'no', 'parent', 'lib'), '--json'),
    cli('index', photos, '--library', join(root, 'a-file'), '--json'),
    cli('search', goodPaths[0]!, '--library', photos, '--json'),
    cli('search', goodPaths[0]!, '--library', join(root, 'empty-lib'), '--json'),
    cli('search', join(root, 'missing.jpg'), '--library', library, '--json'),
  ]);
  for (const [run, message] of [
    [missingParent, /parent folder .* does not exist/],
    [isFile, /library path is not a folder/],
    [notLibrary, /no dimsearch library at/],
    [noLibrary, /no dimsearch library at/],
    [noImage, /image not found/],
  ] as const) {
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'a message, not a stack trace');
  }
});

test('an index run killed with SIGKILL mid-way leaves a library that reopens consistent; the next run completes it', async () => {
  const folder = join(root, 'kill-photos');
  const killed = join(root, 'kill-library');
  const paths = await writePhotos(folder, 40, 900);
  // Save after every batch and print progress, so the kill lands after some work was committed.
  const child = spawn('npm', ['run', '-s', 'cli', '--', 'index', folder, '--library', killed], {
    cwd: repo,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DIMSEARCH_CHECKPOINT_MS: '0', DIMSEARCH_PROGRESS: '1' },
    detached: true, // its own process group: the kill reaches npm's child (the indexer) too
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let sawProgress = false;
  child.stderr.on('data', (chunk: Buffer) => {
    const match = /indexing (\d+)\/40/.exec(chunk.toString());
    if (!sawProgress && match && Number(match[1]) >= 34) {
      sawProgress = true;
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
  await closed;
  assert.ok(sawProgress, 'the run was killed mid-way');

  const { Library } = await import('../../../main/core/library/library');
  const { loadEncoder } = await import('../../../main/ml/models');
  const { defaultModelName } = await import('../../../main/ml/default-model');
  const encoder = await loadEncoder(defaultModelName()); // the model `index` used: none was named
  try {
    const library = await Library.open(killed, { encoder });
    const labels = library.store.labels(library.modelId);
    assert.equal(labels.length, library.photoCount(), 'every photo in the store has a code');
    for (const label of labels) assert.ok(library.index.vectorOf(label), `label ${label} is in the saved index`);
    const rest = await library.indexFolder(folder);
    assert.equal(rest.indexed + labels.length, 40);
    assert.deepEqual(library.listPhotos(0, 100).photos.map((p) => p.path), paths);
    await library.close();
  } finally {
    encoder.dispose();
  }
});

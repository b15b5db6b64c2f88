/**
 * The duplicates commands as a user runs them (`npm run -s cli -- …`, the shipped dim-both model)
 * on a generated folder with a known answer: a handful of clearly distinct photos, one with an
 * edited copy and one with a byte-identical copy.
 *   eval-copies: each sampled photo's edited copy finds its own original first (top1 = 1), the
 *   sample is --limit photos, and a seed gives the same figures twice.
 *   duplicates: after `index`, exactly the two copies are grouped with their originals.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePhoto, nearDuplicate } from '../../fixtures/photos';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const CLI_TIMEOUT_MS = 120_000;
const DISTINCT = 6;
let root: string;
let distinctFolder: string;
let copiesFolder: string;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'cli', '--', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not exit within ${CLI_TIMEOUT_MS / 1000}s; stderr so far: ${stderr.slice(-300)}`));
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

const lastLineJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-dups-cli-'));
  distinctFolder = join(root, 'distinct');
  copiesFolder = join(root, 'with-copies');
  await mkdir(distinctFolder);
  await mkdir(copiesFolder);
  for (let i = 0; i < DISTINCT; i++) {
    const bytes = await makePhoto(100 + i * 37, { width: 320, height: 240 });
    await writeFile(join(distinctFolder, `p${i}.jpg`), bytes);
    await writeFile(join(copiesFolder, `p${i}.jpg`), bytes);
  }
  await writeFile(join(copiesFolder, 'p0-smaller.jpg'), await nearDuplicate(await makePhoto(100, { width: 320, height: 240 })));
  await copyFile(join(copiesFolder, 'p1.jpg'), join(copiesFolder, 'p1-copy.jpg'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('eval-copies --json: on distinct photos every edited copy finds its original first; --limit and --seed are kept', async () => {
  const first = await cli('eval-copies', distinctFolder, '--model', 'dim-both', '--limit', '4', '--seed', '3', '--json');
  assert.equal(first.code, 0, first.stderr);
  const figures = lastLineJson(first.stdout);
  assert.equal(figures.model, 'dim-both');
  assert.equal(figures.n, 4, '--limit photos sampled');
  assert.equal(figures.top1, 1, 'each copy finds its own original first');
  assert.equal(figures.top10, 1);
  assert.ok(figures.copyScore.p5 <= figures.copyScore.p50 && figures.copyScore.p50 <= 1, JSON.stringify(figures.copyScore));
  const other = figures.otherScore;
  assert.ok(other.p50 <= other.p95 && other.p95 <= other.p99 && other.p99 < 1, JSON.stringify(other));
  assert.ok(figures.copyScore.p50 > other.p99, 'a copy is nearer its original than unrelated photos are to each other');

  const again = await cli('eval-copies', distinctFolder, '--model', 'dim-both', '--limit', '4', '--seed', '3', '--json');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(lastLineJson(again.stdout), figures, 'the same seed gives the same figures');
});

test('eval-copies: a folder of fewer than 2 photos and a missing --model are usage errors (exit 2)', async () => {
  const lone = join(root, 'lone');
  await mkdir(lone);
  await copyFile(join(distinctFolder, 'p0.jpg'), join(lone, 'p0.jpg'));
  const tooFew = await cli('eval-copies', lone, '--model', 'dim-both', '--json');
  assert.equal(tooFew.code, 2);
  assert.match(tooFew.stderr, /at least 2/);
  const noModel = await cli('eval-copies', distinctFolder, '--json');
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /--model is required/);
});

test('duplicates --json after index: the edited copy and the identical copy are grouped with their originals, nothing else', async () => {
  const library = join(root, 'library');
  const indexed = await cli('index', copiesFolder, '--library', library, '--model', 'dim-both', '--json');
  assert.equal(indexed.code, 0, indexed.stderr);
  const found = await cli('duplicates', '--library', library, '--json');
  assert.equal(found.code, 0, found.stderr);
  const result = lastLineJson(found.stdout);
  assert.ok(result.threshold > 0 && result.threshold <= 1);
  assert.ok(result.seconds >= 0);
  const groups = (result.groups as { keep: string; photos: { path: string; identical: boolean; score: number }[] }[]).map((g) => ({
    keep: g.keep,
    paths: g.photos.map((p) => p.path).sort(),
    identical: g.photos.filter((p) => p.identical).map((p) => p.path),
  }));
  groups.sort((a, b) => (a.paths[0]! < b.paths[0]! ? -1 : 1));
  assert.deepEqual(
    groups.map((g) => g.paths),
    [
      [join(copiesFolder, 'p0-smaller.jpg'), join(copiesFolder, 'p0.jpg')],
      [join(copiesFolder, 'p1-copy.jpg'), join(copiesFolder, 'p1.jpg')],
    ],
  );
  assert.equal(groups[0]!.keep, join(copiesFolder, 'p0.jpg'), 'the larger original is kept over its smaller copy');
  assert.equal(groups[1]!.identical.length, 1, 'the byte-identical copy is marked identical');

  const badThreshold = await cli('duplicates', '--library', library, '--threshold', '1.5', '--json');
  assert.equal(badThreshold.code, 2);
  assert.match(badThreshold.stderr, /threshold/);
});

/**
 * The benchmarks at CI sizes: each runs through the bench dispatcher exactly as documented, and its
 * last stdout line is JSON of the promised shape with sane values. Plus the recall of the app's own
 * HNSW settings on a fixed seed. (Speed itself is never asserted here: the figures are for the README.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_INDEX_PARAMS } from '../../../main/core/index/vector-index';
import { readModelInfo } from '../../../main/ml/models';
import { writePhotos } from '../../fixtures/photos';
import { runQueryBench } from '../../bench/query';
import { CIFAR_ROOT, CIFAR_TARBALL, makeLargePhotos } from '../../bench/support/large-photos';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');

function bench(args: string[]): Record<string, unknown> {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `bench ${args.join(' ')} failed:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

function assertPositive(result: Record<string, unknown>, key: string): number {
  const value = result[key];
  assert.equal(typeof value, 'number', `${key} is a number`);
  assert.ok(Number.isFinite(value as number) && (value as number) > 0, `${key} > 0 (got ${String(value)})`);
  return value as number;
}

describe('bench train', () => {
  it('prints the promised JSON for one DIM-32 step at a CI size', () => {
    const result = bench(['train', '--size', '32', '--batch', '8', '--steps', '1', '--json']);
    assert.match(String(result.backend), /^(wasm|cpu|tensorflow)/);
    assertPositive(result, 'trainImagesPerSecond');
    assertPositive(result, 'inferImagesPerSecond');
    assert.equal(result.size, 32);
  });
});

describe('bench query', () => {
  it('prints the promised JSON with high recall at a CI size', async () => {
    const result = bench(['query', '--n', '2000', '--queries', '100', '--json']);
    for (const key of ['n', 'recallAt10', 'p50Ms', 'p99Ms', 'bruteForceP50Ms', 'indexBytes']) assert.ok(key in result, `has ${key}`);
    assert.equal(result.n, 2000);
    assert.equal(result.dim, (await readModelInfo('dim-both')).dim, "the shipped model's code length");
    const recall = assertPositive(result, 'recallAt10');
    assert.ok(recall >= 0.95 && recall <= 1, `recall@10 ${recall}`);
    const p50 = assertPositive(result, 'p50Ms');
    assert.ok(assertPositive(result, 'p99Ms') >= p50);
    assertPositive(result, 'bruteForceP50Ms');
    // At least the codes themselves (n × dim float32) are in the file.
    assert.ok(assertPositive(result, 'indexBytes') >= 2000 * 256 * 4);
  });

  it('rejects a bad size with a clear error', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/main.ts', 'query', '--n', 'many'], { cwd: root, encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /--n must be a positive integer/);
  });
});

describe('HNSW settings of the app', () => {
  it('reach recall@10 ≥ 0.99 against exact search on a fixed seed', async () => {
    const result = await runQueryBench({ n: 5000, queries: 200, seed: 7, dim: 256, clusters: 50, params: DEFAULT_INDEX_PARAMS });
    assert.ok(result.recallAt10 >= 0.99, `recall@10 ${result.recallAt10}`);
  });

  it('measure recall honestly: a tiny search list loses neighbours', async () => {
    // Guards the measure itself: if recall were computed wrongly (e.g. against the index's own
    // answers) it would stay at 1 here too.
    const result = await runQueryBench({
      n: 5000,
      queries: 100,
      seed: 7,
      dim: 256,
      clusters: 5,
      intrinsicDim: 64,
      noise: 0.5,
      params: { m: 2, efConstruction: 10, efSearch: 1 },
    });
    assert.ok(result.recallAt10 < 0.9, `recall@10 ${result.recallAt10}`);
  });
});

describe('bench index', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dimsearch-bench-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes 8 photos and prints the promised JSON with a positive ratio', async () => {
    const photos = join(dir, 'photos');
    await writePhotos(photos, 8, 1, ['jpeg']);
    const result = bench(['index', photos, '--json']);
    for (const key of ['photos', 'indexPerSecond', 'decodeOnlyPerSecond', 'ratio']) assert.ok(key in result, `has ${key}`);
    assert.equal(result.photos, 8);
    const index = assertPositive(result, 'indexPerSecond');
    const decode = assertPositive(result, 'decodeOnlyPerSecond');
    const ratio = assertPositive(result, 'ratio');
    assert.ok(Math.abs(ratio - index / decode) < 0.01, 'ratio is index / decode-only');
    assert.ok(ratio < 5, `ratio ${ratio} is plausible (the full pipeline includes the decode)`);
    // The benchmark cleans up its temporary library.
    assert.deepEqual(readdirSync(photos).filter((n) => !n.endsWith('.jpg')), []);
  });

  it('refuses a missing folder unless asked to make photos', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/main.ts', 'index', join(dir, 'nope')], { cwd: root, encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /--make N/);
  });

  it('makes large photos from CIFAR-10 (seeded, reused)', { skip: !existsSync(CIFAR_ROOT) && !existsSync(CIFAR_TARBALL) && 'CIFAR-10 JPEGs not available' }, async () => {
    const folder = join(dir, 'large');
    const paths = await makeLargePhotos(folder, 2, { width: 640, height: 480 });
    assert.equal(paths.length, 2);
    const sizes = paths.map((p) => statSync(p).size);
    // Photo-like, not flat: tens of kilobytes at 0.3 MP.
    for (const size of sizes) assert.ok(size > 30_000, `file of ${size} bytes`);
    const mtimes = paths.map((p) => statSync(p).mtimeMs);
    await makeLargePhotos(folder, 2, { width: 640, height: 480 });
    assert.deepEqual(paths.map((p) => statSync(p).mtimeMs), mtimes, 'a finished folder is reused');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorIndex } from '../../../main/core/index/vector-index';
import { rng } from '../../fixtures/photos';

/** n clustered random vectors (count × dim, row-major): codes are not uniform noise in practice. */
function clusteredVectors(n: number, dim: number, seed: number, clusters = 20): Float32Array {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, gauss));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * clusters)]!;
    for (let d = 0; d < dim; d++) out[i * dim + d] = c[d]! + 0.6 * gauss();
  }
  return out;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function bruteForce(data: Float32Array, dim: number, labels: number[], query: Float32Array, k: number): number[] {
  return labels
    .map((label, i) => ({ label, score: cosine(data.subarray(i * dim, (i + 1) * dim), query) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((h) => h.label);
}

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-index-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('recall@10 against brute-force cosine search is at least 0.98; scores are cosine similarities', () => {
  const dim = 64;
  const n = 3000;
  const data = clusteredVectors(n, dim, 1);
  const index = VectorIndex.create(dim, undefined, 16); // small capacity: grows as needed
  const labels = index.add(data, n);
  assert.equal(index.slots, n);
  assert.ok(index.capacity >= n);
  const queries = clusteredVectors(100, dim, 2);
  let found = 0;
  for (let q = 0; q < 100; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    const exact = bruteForce(data, dim, labels, query, 10);
    const hits = index.search(query, 10);
    assert.equal(hits.length, 10);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, 'best first');
    const top = hits[0]!;
    assert.ok(Math.abs(top.score - cosine(data.subarray(top.label * dim, (top.label + 1) * dim), query)) < 1e-4);
    found += hits.filter((h) => exact.includes(h.label)).length;
  }
  const recall = found / 1000;
  assert.ok(recall >= 0.98, `recall@10 = ${recall}`);
});

test('a stored vector finds itself first with score ≈ 1', () => {
  const dim = 32;
  const data = clusteredVectors(500, dim, 3);
  const index = VectorIndex.create(dim);
  const labels = index.add(data, 500);
  for (const label of [0, 17, 499]) {
    const own = index.vectorOf(labels[label]!)!;
    const [first] = index.search(own, 5);
    assert.equal(first!.label, labels[label]);
    assert.ok(Math.abs(first!.score - 1) < 1e-5);
  }
});

test('save is atomic and a loaded index answers the same; a torn file is a clear error', async (t) => {
  const dir = await tempDir(t);
  const dim = 16;
  const data = clusteredVectors(400, dim, 4);
  const index = VectorIndex.create(dim);
  index.add(data, 400);
  index.remove(5);
  assert.equal(index.dirty, true);
  const file = join(dir, 'model.hnsw');
  index.save(file);
  assert.equal(index.dirty, false);
  assert.deepEqual(await readdir(dir), ['model.hnsw'], 'no temporary file is left behind');
  const loaded = VectorIndex.load(file, dim);
  const query = data.subarray(10 * dim, 11 * dim);
  assert.deepEqual(loaded.search(query, 10), index.search(query, 10));
  assert.equal(loaded.vectorOf(5), null, 'deletions survive a save');
  // New labels continue after the highest one in the file.
  assert.deepEqual(loaded.add(query, 1), [400]);

  await writeFile(join(dir, 'torn.hnsw'), Buffer.from('not an index at all'));
  assert.throws(() => VectorIndex.load(join(dir, 'torn.hnsw'), dim), /unreadable/);
  assert.throws(() => VectorIndex.load(join(dir, 'missing.hnsw'), dim), /not found/);
});

test('deleted labels leave results and their slots are reused by later adds', () => {
  const dim = 16;
  const data = clusteredVectors(200, dim, 5);
  const index = VectorIndex.create(dim, undefined, 200);
  const labels = index.add(data, 200);
  const gone = labels.slice(0, 50);
  for (const label of gone) assert.equal(index.remove(label), true);
  assert.equal(index.remove(gone[0]!), false, 'deleting twice is a no-op');
  assert.equal(index.remove(123456), false, 'unknown label is a no-op');
  for (let q = 0; q < 50; q++) {
    const hits = index.search(data.subarray(q * dim, (q + 1) * dim), 20);
    assert.ok(hits.every((h) => !gone.includes(h.label)), 'a deleted label is never returned');
  }
  const fresh = index.add(clusteredVectors(50, dim, 6), 50);
  assert.equal(index.slots, 200, 'the 50 new codes took the 50 freed slots');
  assert.equal(index.capacity, 200, 'no growth was needed');
  assert.ok(fresh.every((label) => label >= 200), 'labels are never handed out twice');
  assert.equal(new Set(index.labels()).size, 200);
});

test('inputs of the wrong size or with NaN are refused', () => {
  const index = VectorIndex.create(4);
  assert.throws(() => index.add(new Float32Array(7), 2), /expected 2×4/);
  assert.throws(() => index.add(new Float32Array([1, NaN, 0, 0]), 1), /NaN/);
  assert.throws(() => index.search([1, 2, 3], 1), /expected 4/);
  assert.deepEqual(index.search([1, 0, 0, 0], 3), [], 'an empty index answers nothing');
});

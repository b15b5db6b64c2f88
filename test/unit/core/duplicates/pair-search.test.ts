/**
 * The two ways grouping finds pairs — from the saved HNSW graph and by searching the index — give
 * the groups an exact comparison of every pair's likeness gives, on seeded codes with clusters of
 * near-copies and colour layouts that follow the codes (with noise of their own);
 * the graph reader reads hnswlib's file as hnswlib does, skips deleted codes, and declines a file
 * it does not understand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupDuplicates } from '../../../../main/core/duplicates/grouping';
import type { LayoutSource } from '../../../../main/core/duplicates/layouts';
import { LAYOUT_LENGTH, layoutSimilarity, likeness } from '../../../../main/ml/eval/likeness';
import { AlikeGroups } from '../../../../main/core/duplicates/alike-groups';
import { readHnswGraph } from '../../../../main/core/index/hnsw-graph';
import type { PhotoWithCode } from '../../../../main/core/index/store';
import { VectorIndex } from '../../../../main/core/index/vector-index';
import { rng } from '../../../fixtures/photos';

const DIM = 32;
const COUNT = 3000;
const THRESHOLD = 0.9;
let dir: string;
let codes: Float32Array;
let index: VectorIndex;
let indexFile: string;
let rows: PhotoWithCode[];
let layouts: Float32Array[];
/** The layouts by photo, as the library's source gives them (by content hash). */
const layoutSource: LayoutSource = async (photos) => photos.map((p) => layouts[Number(p.hash.slice(1))]!);

function unit(row: Float32Array): Float32Array {
  const norm = Math.hypot(...row);
  for (let d = 0; d < row.length; d++) row[d]! /= norm;
  return row;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dimsearch-pairs-'));
  const random = rng(7);
  codes = new Float32Array(COUNT * DIM);
  for (let i = 0; i < COUNT; i++) {
    // One code in ten starts a small burst of near-copies of an earlier code (1–4 of them, at
    // similarities from ~0.8 to ~0.99, so some pairs straddle the threshold); the rest are unrelated.
    const row = new Float32Array(DIM);
    if (i > 10 && random() < 0.1) {
      const of = Math.floor(random() * i);
      const spread = 0.05 + random() * 0.6;
      for (let d = 0; d < DIM; d++) row[d] = codes[of * DIM + d]! + (random() - 0.5) * spread;
    } else for (let d = 0; d < DIM; d++) row[d] = random() - 0.5;
    codes.set(unit(row), i * DIM);
  }
  // A layout: the code repeated to the layout's length, plus noise, so near-copies mostly match in layout too.
  layouts = Array.from({ length: COUNT }, (_, i) => unit(Float32Array.from({ length: LAYOUT_LENGTH }, (_, k) => codes[i * DIM + (k % DIM)]! + (random() - 0.5) * 0.3)));
  index = VectorIndex.create(DIM, undefined, COUNT);
  index.add(codes, COUNT);
  indexFile = join(dir, 'codes.hnsw');
  index.save(indexFile);
  rows = Array.from({ length: COUNT }, (_, i) => ({
    id: i + 1,
    folderId: 1,
    path: `/photos/${String(i).padStart(5, '0')}.jpg`,
    size: 1000,
    mtimeMs: 0,
    hash: `h${i}`,
    width: 100,
    height: 100,
    label: i,
  }));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Groups by comparing every pair (best first, joined without chains), as sorted lists of paths. */
function exactGroups(): string[][] {
  const alike: { i: number; j: number; score: number }[] = [];
  for (let i = 0; i < COUNT; i++)
    for (let j = i + 1; j < COUNT; j++) {
      let s = 0;
      for (let d = 0; d < DIM; d++) s += codes[i * DIM + d]! * codes[j * DIM + d]!;
      const score = likeness(s, layoutSimilarity(layouts[i]!, layouts[j]!));
      if (score >= THRESHOLD) alike.push({ i, j, score });
    }
  alike.sort((a, b) => b.score - a.score || a.i - b.i || a.j - b.j);
  const sets = new AlikeGroups(COUNT, { code: DIM, layout: LAYOUT_LENGTH }, (i) => codes.subarray(i * DIM, (i + 1) * DIM), (i) => layouts[i]!);
  for (const { i, j, score } of alike) sets.joinIfAlike(i, j, score, THRESHOLD);
  return normalise(sets.sets(2).map((members) => members.map((i) => rows[i]!.path)));
}

const normalise = (groups: string[][]) => groups.map((g) => [...g].sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

test('from the saved graph and by searching, the groups are those of an exact comparison', async () => {
  const exact = exactGroups();
  assert.ok(exact.length >= 50, `the codes make groups to find (${exact.length})`);
  const fromGraph = await groupDuplicates(rows, index, THRESHOLD, layoutSource, { savedIndexFile: indexFile });
  assert.deepEqual(normalise(fromGraph.groups.map((g) => g.photos.map((p) => p.path))), exact);
  const bySearch = await groupDuplicates(rows, index, THRESHOLD, layoutSource);
  assert.deepEqual(normalise(bySearch.groups.map((g) => g.photos.map((p) => p.path))), exact);
  for (const group of fromGraph.groups) for (const p of group.photos) assert.ok(p.score <= 1 && p.score > 0, `score ${p.score}`);
});

test('the graph reader gives hnswlib\'s own codes and labels, and declines another dimension or a foreign file', async () => {
  const graph = readHnswGraph(indexFile, DIM)!;
  assert.equal(graph.count, COUNT);
  for (const e of [0, 1234, COUNT - 1]) {
    const stored = index.vectorOf(graph.labels[e]!)!;
    assert.deepEqual(graph.codes.subarray(e * DIM, (e + 1) * DIM), stored);
    assert.ok(graph.linkCount[e]! > 0, 'every element has links');
  }
  assert.equal(readHnswGraph(indexFile, DIM * 2), null);
  const foreign = join(dir, 'foreign.hnsw');
  await writeFile(foreign, Buffer.alloc(4096, 7));
  assert.equal(readHnswGraph(foreign, DIM), null);
});

test('a deleted code is in no group, and an index with unsaved changes is searched instead of its stale file', async () => {
  const before = await groupDuplicates(rows, index, THRESHOLD, layoutSource, { savedIndexFile: indexFile });
  const member = before.groups[0]!.photos[0]!;
  const label = member.id - 1;
  const withDeletion = VectorIndex.load(indexFile, DIM);
  withDeletion.remove(label);
  const unsaved = await groupDuplicates(rows, withDeletion, THRESHOLD, layoutSource, { savedIndexFile: indexFile });
  const afterFile = join(dir, 'after-delete.hnsw');
  withDeletion.save(afterFile);
  assert.equal(readHnswGraph(afterFile, DIM)!.deleted[label], 1);
  const saved = await groupDuplicates(rows, withDeletion, THRESHOLD, layoutSource, { savedIndexFile: afterFile });
  for (const result of [unsaved, saved]) {
    assert.ok(!result.groups.some((g) => g.photos.some((p) => p.path === member.path)), `${member.path} left every group`);
  }
});

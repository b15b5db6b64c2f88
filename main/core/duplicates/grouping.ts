/**
 * Duplicate groups: every pair of photos whose likeness (main/ml/eval/likeness.ts: their codes'
 * cosine and their colour layouts) is at least the threshold, joined into groups (union-find), plus
 * every set of byte-identical files (same content hash), whatever the threshold. The candidate pairs
 * come from the HNSW index (./pair-search.ts: from its saved graph when the file holds everything,
 * else by searching it) down to the lowest cosine that a perfect layout match could lift to the
 * threshold; each is then scored with the layouts (./layouts.ts).
 */
import type { PhotoWithCode } from '../index/store';
import type { VectorIndex } from '../index/vector-index';
import { layoutSimilarity, likeness, lowestCosineFor } from '../../ml/eval/likeness';
import { compareForKeeping, pickKeep } from './keep-rule';
import type { LayoutSource } from './layouts';
import { readHnswGraph } from '../index/hnsw-graph';
import { DEFAULT_PAIR_SEARCH, pairsFromGraph, searchPairs, type LabelPairs } from './pair-search';
import { UnionFind } from './union-find';

export interface DuplicatePhoto {
  id: number;
  path: string;
  /** Likeness to the group's kept photo (1 for the kept photo and for identical files). */
  score: number;
  width: number | null;
  height: number | null;
  bytes: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  /** Same bytes as the kept photo (the kept photo itself: false). */
  identical: boolean;
}

export interface DuplicateGroup {
  keep: string;
  /** The kept photo first, then the others by score, best first. */
  photos: DuplicatePhoto[];
}

export interface GroupingOptions {
  /** Neighbours asked for first (DEFAULT_PAIR_SEARCH); doubled while all of them are above the threshold. */
  neighbours?: number;
  /** HNSW candidate list for this pass (DEFAULT_PAIR_SEARCH): near-copies are very near, so a short list finds them. */
  ef?: number;
  /** Where `index` is saved: its graph is read from there when the index has no unsaved changes. */
  savedIndexFile?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface GroupingResult {
  groups: DuplicateGroup[];
  /** Pairs found at or above the threshold (each once; from the saved graph, the linked ones, enough to join every group) and byte-identical pairs. */
  pairs: number;
  /** Candidate pairs scored with the colour layouts (those whose cosine a layout match could lift to the threshold). */
  candidates: number;
}

/** Group `photos` (rows with their labels in `index`) at `threshold` of likeness, with the photos' colour layouts from `layouts`. */
export async function groupDuplicates(
  photos: readonly PhotoWithCode[],
  index: VectorIndex,
  threshold: number,
  layouts: LayoutSource,
  options: GroupingOptions = {},
): Promise<GroupingResult> {
  const n = photos.length;
  const rowOfLabel = new Map<number, number>();
  photos.forEach((p, i) => {
    if (p.label !== null) rowOfLabel.set(p.label, i);
  });
  const sets = new UnionFind(n);
  // Each pair once, by a number made of its rows (n² < 2⁵³ for any library).
  const seen = new Set<number>();
  let pairs = 0;
  const addPair = (i: number, j: number) => {
    const key = i < j ? i * n + j : j * n + i;
    if (seen.has(key)) return;
    seen.add(key);
    pairs++;
    sets.union(i, j);
  };

  // Byte-identical files first: a group whatever the threshold.
  const byHash = new Map<string, number>();
  photos.forEach((p, i) => {
    const first = byHash.get(p.hash);
    if (first === undefined) byHash.set(p.hash, i);
    else addPair(first, i);
  });

  const candidates: { i: number; j: number; cosine: number }[] = [];
  for (const found of await findPairs(index, Uint32Array.from(rowOfLabel.keys()), lowestCosineFor(threshold), options)) {
    for (let p = 0; p < found.scores.length; p++) {
      // A label the rows do not know (added to the index but not yet recorded) is no photo of theirs.
      const i = rowOfLabel.get(found.labels[2 * p]!);
      const j = rowOfLabel.get(found.labels[2 * p + 1]!);
      if (i !== undefined && j !== undefined && i !== j) candidates.push({ i, j, cosine: found.scores[p]! });
    }
  }
  const candidateRows = [...new Set(candidates.flatMap(({ i, j }) => [i, j]))];
  const layoutOfHash = new Map<string, Float32Array | null>();
  (await layouts(candidateRows.map((i) => photos[i]!), options.signal)).forEach((layout, k) => layoutOfHash.set(photos[candidateRows[k]!]!.hash, layout));
  const layoutMatch = (i: number, j: number): number | null => {
    const a = layoutOfHash.get(photos[i]!.hash);
    const b = layoutOfHash.get(photos[j]!.hash);
    return a && b ? layoutSimilarity(a, b) : null;
  };
  for (const { i, j, cosine } of candidates) if (likeness(cosine, layoutMatch(i, j)) >= threshold) addPair(i, j);

  const vectors = new Map<number, Float32Array>();
  const vectorOf = (i: number): Float32Array | null => {
    const label = photos[i]!.label;
    if (label === null) return null;
    let v = vectors.get(i);
    if (!v) {
      const got = index.vectorOf(label);
      if (!got) return null;
      vectors.set(i, (v = got));
    }
    return v;
  };

  const groups: DuplicateGroup[] = sets.sets(2).map((members) => {
    const candidates = members.map((i) => ({ i, ...asCandidate(photos[i]!) }));
    const keep = pickKeep(candidates);
    const keepPhoto = photos[keep.i]!;
    const keepVector = vectorOf(keep.i);
    const out = candidates.map(({ i }): DuplicatePhoto => {
      const p = photos[i]!;
      const identical = i !== keep.i && p.hash === keepPhoto.hash;
      const v = i === keep.i || identical ? null : vectorOf(i);
      const score = i === keep.i || identical ? 1 : v && keepVector ? Math.min(1, likeness(dot(v, keepVector), layoutMatch(i, keep.i))) : 0;
      return { id: p.id, path: p.path, score: round(score), width: p.width, height: p.height, bytes: p.size, mtime: p.mtimeMs, identical };
    });
    out.sort((a, b) => (a.id === keepPhoto.id ? -1 : b.id === keepPhoto.id ? 1 : b.score - a.score || compareForKeeping(asKeep(a), asKeep(b))));
    return { keep: keepPhoto.path, photos: out };
  });
  groups.sort((a, b) => b.photos.length - a.photos.length || (a.keep < b.keep ? -1 : a.keep > b.keep ? 1 : 0));
  return { groups, pairs, candidates: candidates.length };
}

function asCandidate(p: PhotoWithCode) {
  return { path: p.path, width: p.width, height: p.height, bytes: p.size, mtime: p.mtimeMs };
}

function asKeep(p: DuplicatePhoto) {
  return { path: p.path, width: p.width, height: p.height, bytes: p.bytes, mtime: p.mtime };
}

/** The index stores unit-length codes, so their dot product is the cosine similarity. */
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

/** The pairs: from the saved graph when the file is current, else by searching, a slice at a time so cancel and progress work. */
async function findPairs(index: VectorIndex, queries: Uint32Array, threshold: number, options: GroupingOptions): Promise<LabelPairs[]> {
  const graph = options.savedIndexFile && !index.dirty ? readHnswGraph(options.savedIndexFile, index.dim) : null;
  if (graph) {
    return [
      pairsFromGraph(graph, threshold, (done, total) => {
        options.signal?.throwIfAborted();
        options.onProgress?.(done, total);
      }),
    ];
  }
  const search = { neighbours: options.neighbours ?? DEFAULT_PAIR_SEARCH.neighbours, ef: options.ef ?? DEFAULT_PAIR_SEARCH.ef };
  const found: LabelPairs[] = [];
  const slice = 256;
  for (let start = 0; start < queries.length; start += slice) {
    options.signal?.throwIfAborted();
    options.onProgress?.(start, queries.length);
    // A turn of the event loop between slices: the app's server keeps answering while a large library is searched.
    await new Promise((resolve) => setImmediate(resolve));
    found.push(searchPairs(index, queries.subarray(start, start + slice), threshold, search));
  }
  options.onProgress?.(queries.length, queries.length);
  return found;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

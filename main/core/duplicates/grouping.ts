/**
 * Duplicate groups: every pair of photos whose likeness (main/ml/eval/likeness.ts: their codes'
 * cosine and their colour layouts) is at least the threshold, joined into groups without chains
 * (./alike-groups.ts: two groups join only when they are alike on average), plus every set of
 * byte-identical files (same content hash), whatever the threshold. The candidate pairs
 * come from the HNSW index (./pair-search.ts: from its saved graph when the file holds everything,
 * else by searching it) down to the lowest cosine that a perfect layout match could lift to the
 * threshold; each is then scored with the layouts (./layouts.ts).
 */
import type { PhotoWithCode } from '../index/store';
import type { VectorIndex } from '../index/vector-index';
import { LAYOUT_LENGTH, layoutSimilarity, likeness, lowestCosineFor } from '../../ml/eval/likeness';
import { compareForKeeping, keepReason, pickKeep } from './keep-rule';
import type { LayoutSource } from './layouts';
import { readHnswGraph } from '../index/hnsw-graph';
import { DEFAULT_PAIR_SEARCH, pairsFromGraph, searchPairs, type LabelPairs } from './pair-search';
import { AlikeGroups } from './alike-groups';

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
  /** Why that photo is kept, in a few words (keep-rule.ts: 'most pixels', 'largest file', …). */
  keepReason: string;
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
  /** Told each pair found at or above the threshold (rows of `photos`; for checks of the pair search). */
  onAlikePair?: (i: number, j: number, likeness: number) => void;
}

export interface GroupingResult {
  groups: DuplicateGroup[];
  /** Pairs found at or above the threshold (each once; from the saved graph, the linked ones, enough to join every group) and byte-identical pairs. */
  pairs: number;
  /** Of those, pairs whose groups stayed apart: alike as a pair, not on average as groups. */
  declined: number;
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
  const found = await findPairs(index, Uint32Array.from(rowOfLabel.keys()), lowestCosineFor(threshold), options);
  const vectors = new Map<number, Float32Array | null>();
  const vectorOf = (i: number): Float32Array | null => {
    let v = vectors.get(i);
    if (v === undefined) {
      const label = photos[i]!.label;
      vectors.set(i, (v = label === null ? null : found.codeOf(label)));
    }
    return v;
  };
  // Each row's colour layout, filled once the candidates' layouts are read (below), before any join.
  const layoutOfRow = new Array<Float32Array | null>(n).fill(null);
  const layoutOf = (i: number) => layoutOfRow[i]!;
  const sets = new AlikeGroups(n, { code: index.dim, layout: LAYOUT_LENGTH }, vectorOf, layoutOf);
  // Each pair once, by a number made of its rows (n² < 2⁵³ for any library).
  const seen = new Set<number>();
  let pairs = 0;
  let declined = 0;
  const isNew = (i: number, j: number) => {
    const key = i < j ? i * n + j : j * n + i;
    if (seen.has(key)) return false;
    seen.add(key);
    pairs++;
    return true;
  };

  // Candidate pairs as rows (lower first) and cosines, in flat arrays: a large library has hundreds of thousands.
  const total = found.pairs.reduce((sum, { scores }) => sum + scores.length, 0);
  const first = new Int32Array(total);
  const second = new Int32Array(total);
  const cosines = new Float32Array(total);
  let candidates = 0;
  const isCandidateRow = new Uint8Array(n);
  for (const { labels, scores } of found.pairs) {
    for (let p = 0; p < scores.length; p++) {
      // A label the rows do not know (added to the index but not yet recorded) is no photo of theirs.
      const i = rowOfLabel.get(labels[2 * p]!);
      const j = rowOfLabel.get(labels[2 * p + 1]!);
      if (i === undefined || j === undefined || i === j) continue;
      first[candidates] = Math.min(i, j);
      second[candidates] = Math.max(i, j);
      cosines[candidates++] = scores[p]!;
      isCandidateRow[i] = isCandidateRow[j] = 1;
    }
  }
  const candidateRows: number[] = [];
  isCandidateRow.forEach((is, i) => is && candidateRows.push(i));
  const layoutOfHash = new Map<string, Float32Array | null>();
  (await layouts(candidateRows.map((i) => photos[i]!), options.signal)).forEach((layout, k) => layoutOfHash.set(photos[candidateRows[k]!]!.hash, layout));
  // By content hash: a byte-identical copy of a candidate has its layout too.
  photos.forEach((p, i) => (layoutOfRow[i] = layoutOfHash.get(p.hash) ?? null));

  // Byte-identical files first: a group whatever the threshold (joined once the layouts are known, so
  // the group's sums hold them when a copy asks to join).
  const byHash = new Map<string, number>();
  photos.forEach((p, i) => {
    const first = byHash.get(p.hash);
    if (first === undefined) byHash.set(p.hash, i);
    else if (isNew(first, i)) sets.join(first, i);
  });

  const layoutMatch = (i: number, j: number): number | null => {
    const a = layoutOf(i);
    const b = layoutOf(j);
    return a && b ? layoutSimilarity(a, b) : null;
  };
  const scores = new Float64Array(candidates);
  const alike: number[] = [];
  for (let c = 0; c < candidates; c++) {
    scores[c] = likeness(cosines[c]!, layoutMatch(first[c]!, second[c]!));
    if (scores[c]! >= threshold) alike.push(c);
  }
  // Best first, so the surest pairs form the groups and a borderline one cannot chain them.
  alike.sort((a, b) => scores[b]! - scores[a]! || first[a]! - first[b]! || second[a]! - second[b]!);
  for (const c of alike) {
    const [i, j, score] = [first[c]!, second[c]!, scores[c]!];
    if (!isNew(i, j)) continue;
    options.onAlikePair?.(i, j, score);
    if (!sets.joinIfAlike(i, j, score, threshold)) declined++;
  }

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
    return { keep: keepPhoto.path, keepReason: keepReason(keep, candidates), photos: out };
  });
  groups.sort((a, b) => b.photos.length - a.photos.length || (a.keep < b.keep ? -1 : a.keep > b.keep ? 1 : 0));
  return { groups, pairs, declined, candidates };
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

/**
 * The pairs: from the saved graph when the file is current, else by searching, a slice at a time so
 * cancel and progress work; with a way to each label's code (from the graph already read, which is
 * far quicker than asking the index for each).
 */
async function findPairs(
  index: VectorIndex,
  queries: Uint32Array,
  threshold: number,
  options: GroupingOptions,
): Promise<{ pairs: LabelPairs[]; codeOf: (label: number) => Float32Array | null }> {
  const graph = options.savedIndexFile && !index.dirty ? readHnswGraph(options.savedIndexFile, index.dim) : null;
  if (graph) {
    const pairs = pairsFromGraph(graph, threshold, (done, total) => {
      options.signal?.throwIfAborted();
      options.onProgress?.(done, total);
    });
    const elementOf = new Map<number, number>();
    graph.labels.forEach((label, e) => {
      if (!graph.deleted[e]) elementOf.set(label, e);
    });
    const codeOf = (label: number) => {
      const e = elementOf.get(label);
      return e === undefined ? null : graph.codes.subarray(e * graph.dim, (e + 1) * graph.dim);
    };
    return { pairs: [pairs], codeOf };
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
  return { pairs: found, codeOf: (label) => index.vectorOf(label) };
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

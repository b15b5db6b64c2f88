/**
 * The pairs of codes at or above a similarity threshold, two ways:
 *
 * - **From the saved graph** (pairsFromGraph): the bottom layer of the HNSW index links every code to
 *   its nearest codes, chosen by hnswlib's neighbour heuristic, which leaves out a neighbour c of a
 *   only when a kept neighbour b is nearer to a than c is and nearer to c than a is. So when a and c
 *   are above the threshold, so are a–b and b–c: the pair is still joined, through b. Checking
 *   every link's exact similarity finds the groups for the cost of reading the file and ~3 million
 *   dot products at 100,000 photos.
 * - **By searching** (searchPairs), where the index has changes not yet saved: each code's nearest
 *   codes, widened while they are all above the threshold (hnswlib has no range search, so a range
 *   is k-NN grown until it reaches below the threshold).
 *
 * Speed (`bench duplicates --n 100000`, 2 cores): searching costs ~0.1–0.2 ms per photo, about
 * half of it moving the 256-value code across N-API (getPoint, then searchKnn reading it back):
 * 20–80 s for 100,000 photos depending on the machine's load, against ~3 s from the graph.
 * Both recall figures are checked by the bench against an exact search.
 */
import type { HnswGraph } from '../index/hnsw-graph';
import type { VectorIndex } from '../index/vector-index';

export interface PairSearchOptions {
  /** Neighbours asked for first; doubled while all of them are above the threshold. */
  neighbours: number;
  /** HNSW candidate list: near-copies are very near, so a short list finds them (recall measured in the bench). */
  ef: number;
}

/**
 * For searching. Measured on 2,000 queries over 100,000 clustered codes against an exact search:
 * ef 16 with 8 neighbours found every pair at ≥ 0.9 but one of 350 (0.997), ef 24 every one.
 */
export const DEFAULT_PAIR_SEARCH: PairSearchOptions = { neighbours: 8, ef: 24 };

/** A search asks for at most this many neighbours: a group larger than this is still joined through its members' own searches. */
const MAX_NEIGHBOURS = 1024;

/** Pairs as flat arrays: labels[2p], labels[2p + 1] and scores[p] (each pair may appear from both ends). */
export interface LabelPairs {
  labels: Uint32Array;
  scores: Float32Array;
}

/** Every linked pair of live elements at or above `threshold`, each once; `progress(done, total)` after each slice of elements (it may throw to cancel). */
export function pairsFromGraph(graph: HnswGraph, threshold: number, progress?: (done: number, total: number) => void): LabelPairs {
  const { count, dim, codes, links, linkCount, maxLinks, deleted } = graph;
  const linked = (from: number, to: number) => {
    for (let i = 0; i < linkCount[from]!; i++) if (links[from * maxLinks + i] === to) return true;
    return false;
  };
  const labels: number[] = [];
  const scores: number[] = [];
  for (let a = 0; a < count; a++) {
    if (a % 4096 === 0) progress?.(a, count);
    if (deleted[a]) continue;
    const codeA = a * dim;
    for (let i = 0; i < linkCount[a]!; i++) {
      const b = links[a * maxLinks + i]!;
      // A link both ways is checked once, from its lower end.
      if (deleted[b] || b === a || (b < a && linked(b, a))) continue;
      const codeB = b * dim;
      let score = 0;
      for (let d = 0; d < dim; d++) score += codes[codeA + d]! * codes[codeB + d]!;
      if (score < threshold) continue;
      labels.push(graph.labels[a]!, graph.labels[b]!);
      scores.push(score);
    }
  }
  progress?.(count, count);
  return { labels: Uint32Array.from(labels), scores: Float32Array.from(scores) };
}

/** The pairs at or above `threshold` found from each label in `queries`. */
export function searchPairs(index: VectorIndex, queries: ArrayLike<number>, threshold: number, options: PairSearchOptions): LabelPairs {
  const labels: number[] = [];
  const scores: number[] = [];
  for (let q = 0; q < queries.length; q++) {
    const label = queries[q]!;
    for (let k = options.neighbours; ; k *= 2) {
      const hits = index.neighboursOfStored(label, k + 1, Math.max(options.ef, k + 1));
      if (!hits) break;
      let reachedBelow = false;
      for (const hit of hits) {
        if (hit.score < threshold) {
          reachedBelow = true;
          continue;
        }
        if (hit.label === label) continue;
        labels.push(label, hit.label);
        scores.push(hit.score);
      }
      if (reachedBelow || hits.length < k + 1 || k >= MAX_NEIGHBOURS) break;
    }
  }
  return { labels: Uint32Array.from(labels), scores: Float32Array.from(scores) };
}

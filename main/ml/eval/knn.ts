/**
 * Exact k-nearest-neighbour evaluation of codes, as the instance-discrimination literature
 * measures representations (Wu et al. 2018; MoCo's kNN monitor):
 *
 * - the labelled train split's codes are the memory bank, the test split's codes the queries,
 *   all L2-normalised, compared by cosine similarity (brute force, exact);
 * - kNN top-1 at k: the query's predicted label is the class with the largest summed weight
 *   among its k nearest, with weight exp(sim / τ), τ = 0.07 (Wu et al.'s choice); k = 1 is the
 *   nearest neighbour's label. Ties in summed weight go to the class seen first in rank order.
 * - precision@10: the share of the 10 nearest that carry the query's label.
 * Neighbours are ranked by similarity, ties by lower bank index, so results are deterministic.
 *
 * The similarity blocks are tfjs matrix products (fast on wasm/native); selection of the k best
 * per query is a bounded heap in plain JS. Memory stays bounded: the bank is streamed in blocks.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KnnOptions {
  /** Values of k to report (default 1, 20, 200). */
  ks?: readonly number[];
  /** Depth of precision@P (default 10). */
  precisionAt?: number;
  /** Temperature τ of the vote weight exp(sim / τ) (default 0.07). */
  temperature?: number;
  /** Rows per similarity block (default 1024 queries × 8192 bank rows). */
  queryBlock?: number;
  bankBlock?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface KnnResult {
  /** Number of queries. */
  n: number;
  /** kNN top-1 accuracy in percent, by k. */
  accuracy: Record<number, number>;
  /** precision@P in percent. */
  precision: number;
  precisionAt: number;
  temperature: number;
}

export interface LabelledCodes {
  /** count × dim, row-major. */
  codes: Float32Array;
  labels: ArrayLike<number>;
  dim: number;
}

/** L2-normalise each row in place; an all-zero row stays zero (it is then similar to nothing). */
export function normaliseRows(codes: Float32Array, dim: number): Float32Array {
  if (dim < 1 || codes.length % dim !== 0) throw new Error(`codes of length ${codes.length} are not rows of ${dim}`);
  for (let offset = 0; offset < codes.length; offset += dim) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += codes[offset + j] * codes[offset + j];
    if (!Number.isFinite(sum)) throw new Error(`code ${offset / dim} is not finite`);
    if (sum === 0) continue;
    const scale = 1 / Math.sqrt(sum);
    for (let j = 0; j < dim; j++) codes[offset + j] *= scale;
  }
  return codes;
}

/**
 * The `depth` nearest bank rows of every query by dot product (cosine for normalised rows):
 * returns indices and similarities, queries × depth each, best first. depth is clamped to the bank size.
 */
export async function nearestNeighbours(
  bank: Float32Array,
  queries: Float32Array,
  dim: number,
  depth: number,
  options: Pick<KnnOptions, 'queryBlock' | 'bankBlock' | 'signal' | 'onProgress'> = {},
): Promise<{ indices: Int32Array; similarities: Float32Array; depth: number }> {
  const bankCount = rows(bank, dim, 'bank');
  const queryCount = rows(queries, dim, 'queries');
  if (bankCount === 0) throw new Error('the memory bank is empty');
  const k = Math.min(depth, bankCount);
  const queryBlock = options.queryBlock ?? 1024;
  const bankBlock = options.bankBlock ?? 8192;
  const heaps = Array.from({ length: queryCount }, () => new TopK(k));

  // Queries stay on the backend; the bank streams through in blocks, each uploaded once.
  const queryTensors: tf.Tensor2D[] = [];
  try {
    for (let q = 0; q < queryCount; q += queryBlock) {
      const count = Math.min(queryBlock, queryCount - q);
      queryTensors.push(tf.tensor2d(queries.subarray(q * dim, (q + count) * dim), [count, dim]));
    }
    const total = queryCount * bankCount;
    let done = 0;
    for (let b = 0; b < bankCount; b += bankBlock) {
      const bankRows = Math.min(bankBlock, bankCount - b);
      // Transposed once here: on wasm a matMul with a transpose flag is ~10× slower than without.
      const bankTensor = tf.tidy(() => tf.transpose(tf.tensor2d(bank.subarray(b * dim, (b + bankRows) * dim), [bankRows, dim])));
      try {
        for (let qb = 0; qb < queryTensors.length; qb++) {
          options.signal?.throwIfAborted();
          const block = tf.matMul(queryTensors[qb], bankTensor);
          const sims = (await block.data()) as Float32Array;
          block.dispose();
          const first = qb * queryBlock;
          const count = queryTensors[qb].shape[0];
          for (let i = 0; i < count; i++) heaps[first + i].offerRow(sims, i * bankRows, bankRows, b);
          done += count * bankRows;
          options.onProgress?.(done, total);
        }
      } finally {
        bankTensor.dispose();
      }
    }
  } finally {
    for (const t of queryTensors) t.dispose();
  }

  const indices = new Int32Array(queryCount * k);
  const similarities = new Float32Array(queryCount * k);
  heaps.forEach((heap, q) => heap.sortedInto(indices, similarities, q * k));
  return { indices, similarities, depth: k };
}

/** Label predicted by the similarity-weighted vote of the first k of a ranked neighbour list. */
export function weightedVote(labels: ArrayLike<number>, similarities: ArrayLike<number>, k: number, temperature: number): number {
  const weights = new Map<number, number>(); // insertion order = first appearance in rank order
  for (let r = 0; r < Math.min(k, labels.length); r++) {
    const w = Math.exp((similarities[r] - 1) / temperature); // shifted by the largest possible sim; same argmax
    weights.set(labels[r], (weights.get(labels[r]) ?? 0) + w);
  }
  let best = -1;
  let bestWeight = -Infinity;
  for (const [label, w] of weights)
    if (w > bestWeight) {
      best = label;
      bestWeight = w;
    }
  return best;
}

/** kNN top-1 accuracy at each k and precision@P of queries against a labelled memory bank. */
export async function knnEvaluate(bank: LabelledCodes, queries: LabelledCodes, options: KnnOptions = {}): Promise<KnnResult> {
  if (bank.dim !== queries.dim) throw new Error(`bank codes have ${bank.dim} dimensions, queries ${queries.dim}`);
  const ks = options.ks ?? [1, 20, 200];
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new Error(`k values must be positive integers, got ${ks.join(', ')}`);
  const precisionAt = options.precisionAt ?? 10;
  const temperature = options.temperature ?? 0.07;
  if (!(temperature > 0)) throw new Error(`temperature must be positive, got ${temperature}`);
  const dim = bank.dim;
  const bankCount = rows(bank.codes, dim, 'bank');
  const queryCount = rows(queries.codes, dim, 'queries');
  if (bank.labels.length !== bankCount) throw new Error(`bank has ${bankCount} codes but ${bank.labels.length} labels`);
  if (queries.labels.length !== queryCount) throw new Error(`queries have ${queryCount} codes but ${queries.labels.length} labels`);
  if (queryCount === 0) throw new Error('there are no queries');

  const bankCodes = normaliseRows(Float32Array.from(bank.codes), dim);
  const queryCodes = normaliseRows(Float32Array.from(queries.codes), dim);
  const { indices, similarities, depth } = await nearestNeighbours(
    bankCodes,
    queryCodes,
    dim,
    Math.max(precisionAt, ...ks),
    options,
  );

  const correct = new Map<number, number>(ks.map((k) => [k, 0]));
  const precisionDepth = Math.min(precisionAt, depth);
  let precisionHits = 0;
  const neighbourLabels = new Int32Array(depth);
  for (let q = 0; q < queryCount; q++) {
    const truth = queries.labels[q];
    for (let r = 0; r < depth; r++) neighbourLabels[r] = bank.labels[indices[q * depth + r]];
    const sims = similarities.subarray(q * depth, (q + 1) * depth);
    for (const k of ks) if (weightedVote(neighbourLabels, sims, k, temperature) === truth) correct.set(k, correct.get(k)! + 1);
    for (let r = 0; r < precisionDepth; r++) if (neighbourLabels[r] === truth) precisionHits++;
  }
  const accuracy: Record<number, number> = {};
  for (const k of ks) accuracy[k] = (100 * correct.get(k)!) / queryCount;
  return { n: queryCount, accuracy, precision: (100 * precisionHits) / (queryCount * precisionDepth), precisionAt, temperature };
}

function rows(codes: Float32Array, dim: number, what: string): number {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`code dimension must be a positive integer, got ${dim}`);
  if (codes.length % dim !== 0) throw new Error(`${what}: ${codes.length} values are not whole rows of ${dim}`);
  return codes.length / dim;
}

/**
 * The k best (similarity, index) pairs seen so far: a min-heap on "worse first", where worse means
 * lower similarity, or equal similarity and higher index.
 */
class TopK {
  private readonly sims: Float32Array;
  private readonly idx: Int32Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.sims = new Float32Array(k);
    this.idx = new Int32Array(k);
  }

  private worse(a: number, b: number): boolean {
    return this.sims[a] < this.sims[b] || (this.sims[a] === this.sims[b] && this.idx[a] > this.idx[b]);
  }

  /** Offer row values[offset .. offset+count) as bank indices base .. base+count. */
  offerRow(values: Float32Array, offset: number, count: number, base: number): void {
    for (let j = 0; j < count; j++) {
      const sim = values[offset + j];
      if (this.size < this.k) {
        this.sims[this.size] = sim;
        this.idx[this.size] = base + j;
        this.siftUp(this.size++);
      } else if (sim > this.sims[0]) {
        // Bank indices only grow, so an equal similarity never displaces the (lower-index) root.
        this.sims[0] = sim;
        this.idx[0] = base + j;
        this.siftDown(0);
      }
    }
  }

  sortedInto(indices: Int32Array, sims: Float32Array, offset: number): void {
    const order = Array.from({ length: this.size }, (_, i) => i).sort(
      (a, b) => this.sims[b] - this.sims[a] || this.idx[a] - this.idx[b],
    );
    order.forEach((slot, r) => {
      indices[offset + r] = this.idx[slot];
      sims[offset + r] = this.sims[slot];
    });
  }

  private swap(a: number, b: number): void {
    [this.sims[a], this.sims[b]] = [this.sims[b], this.sims[a]];
    [this.idx[a], this.idx[b]] = [this.idx[b], this.idx[a]];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < this.size && this.worse(l, worst)) worst = l;
      if (r < this.size && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}

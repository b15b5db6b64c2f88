/**
 * Cosine nearest-neighbour index over codes: HNSW from hnswlib-node, saved to one file per model.
 *
 * Labels are 32-bit and only ever grow; a deleted photo's label is marked deleted, and its slot is
 * taken by the next insert (allowReplaceDeleted), so a library that churns does not grow without
 * bound. The file is saved atomically (written aside, fsynced, renamed): after a crash it holds
 * either the previous or the new state, and the store only records labels that a saved file holds.
 */
import hnswlib from 'hnswlib-node';
import { existsSync } from 'node:fs';
import { replaceFileSync } from '../atomic-write';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export interface VectorIndexParams {
  /** Graph degree (hnswlib M). */
  m: number;
  efConstruction: number;
  /** Candidate list size at query time; at least k is always used. */
  efSearch: number;
}

export const DEFAULT_INDEX_PARAMS: VectorIndexParams = { m: 16, efConstruction: 200, efSearch: 128 };

const MAX_LABEL = 2 ** 32 - 1;
const INITIAL_CAPACITY = 1024;

export interface Neighbour {
  label: number;
  /** Cosine similarity, 1 - cosine distance. */
  score: number;
}

export class VectorIndex {
  private nextLabel: number;
  private changed = false;
  /** Slots marked deleted and free for reuse (unknown after a load until `setLiveCount`; 0 is safe). */
  private freeSlots = 0;

  private constructor(
    private readonly hnsw: Hnsw,
    readonly dim: number,
    readonly params: VectorIndexParams,
  ) {
    hnsw.setEf(params.efSearch);
    const ids = hnsw.getIdsList();
    this.nextLabel = ids.length === 0 ? 0 : maxOf(ids) + 1;
  }

  static create(dim: number, params: VectorIndexParams = DEFAULT_INDEX_PARAMS, capacity = INITIAL_CAPACITY): VectorIndex {
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`invalid code dimension: ${dim}`);
    const hnsw = new HierarchicalNSW('cosine', dim);
    hnsw.initIndex({ maxElements: Math.max(1, capacity), m: params.m, efConstruction: params.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
    return new VectorIndex(hnsw, dim, params);
  }

  /** Read a saved index; throws a clear error if the file is missing, torn or of another dimension. */
  static load(file: string, dim: number, params: VectorIndexParams = DEFAULT_INDEX_PARAMS): VectorIndex {
    if (!existsSync(file)) throw new Error(`index file not found: ${file}`);
    const hnsw = new HierarchicalNSW('cosine', dim);
    try {
      hnsw.readIndexSync(file, true);
    } catch (error) {
      throw new Error(`index file ${file} is unreadable: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (hnsw.getNumDimensions() !== dim) throw new Error(`index file ${file} holds codes of another dimension`);
    return new VectorIndex(hnsw, dim, params);
  }

  /** Whether there are changes not yet saved. */
  get dirty(): boolean {
    return this.changed;
  }

  /** Elements stored, deleted ones included (their slots are reused). */
  get slots(): number {
    return this.hnsw.getCurrentCount();
  }

  get capacity(): number {
    return this.hnsw.getMaxElements();
  }

  /** Every label in the file, including ones marked deleted. */
  labels(): number[] {
    return this.hnsw.getIdsList();
  }

  /** Tell a loaded index how many of its slots hold live codes (the rest are reusable). */
  setLiveCount(live: number): void {
    this.freeSlots = Math.max(0, this.hnsw.getCurrentCount() - live);
  }

  /** The first label `add` may hand out will be at least this. */
  reserveLabelsBelow(floor: number): void {
    this.nextLabel = Math.max(this.nextLabel, floor);
  }

  /** Add `count` codes (count × dim, row-major); returns their new labels. */
  add(codes: Float32Array, count: number): number[] {
    if (codes.length !== count * this.dim) throw new Error(`add: expected ${count}×${this.dim} values, got ${codes.length}`);
    const needed = this.hnsw.getCurrentCount() + Math.max(0, count - this.freeSlots);
    if (needed > this.hnsw.getMaxElements()) {
      this.hnsw.resizeIndex(Math.max(needed, Math.ceil(this.hnsw.getMaxElements() * 1.5), INITIAL_CAPACITY));
    }
    const labels: number[] = [];
    for (let i = 0; i < count; i++) {
      if (this.nextLabel > MAX_LABEL) throw new Error('vector index is out of labels; rebuild the library index');
      const label = this.nextLabel++;
      const row = Array.from(codes.subarray(i * this.dim, (i + 1) * this.dim));
      if (!row.every(Number.isFinite)) throw new Error('add: code contains NaN or infinity');
      this.hnsw.addPoint(row, label, true);
      if (this.freeSlots > 0) this.freeSlots--;
      labels.push(label);
    }
    if (count > 0) this.changed = true;
    return labels;
  }

  /** Mark a label deleted; its slot is reused by a later add. Unknown or already deleted labels are ignored. */
  remove(label: number): boolean {
    try {
      this.hnsw.markDelete(label);
      this.freeSlots++;
      this.changed = true;
      return true;
    } catch {
      return false;
    }
  }

  /** The stored (unit-length) code of a label, or null if it is unknown or deleted. */
  vectorOf(label: number): Float32Array | null {
    try {
      return Float32Array.from(this.hnsw.getPoint(label));
    } catch {
      return null;
    }
  }

  /** The k nearest labels to a code, best first, with cosine similarity; `ef` overrides efSearch (a pass over every code trades a little recall for speed). */
  search(code: ArrayLike<number>, k: number, filter?: (label: number) => boolean, ef: number = this.params.efSearch): Neighbour[] {
    if (code.length !== this.dim) throw new Error(`search: code has ${code.length} values, expected ${this.dim}`);
    const n = Math.min(k, this.hnsw.getMaxElements());
    if (n <= 0 || this.hnsw.getCurrentCount() === 0) return [];
    // Asked for every live code: an exact pass. The graph can miss a node once deletions have cut
    // its links (seen after a kill mid-removal), and a pass over k ≥ all codes costs no more.
    if (n >= this.hnsw.getCurrentCount() - this.freeSlots) return this.exactSearch(code, n, filter);
    this.hnsw.setEf(Math.max(ef, n));
    const result = this.hnsw.searchKnn(Array.from(code), n, filter);
    return result.neighbors.map((label, i) => ({ label, score: 1 - result.distances[i]! }));
  }

  /** Cosine similarity to every live stored code (hnswlib keeps them normalised), best first. */
  private exactSearch(code: ArrayLike<number>, k: number, filter?: (label: number) => boolean): Neighbour[] {
    let norm = 0;
    for (let i = 0; i < code.length; i++) norm += code[i]! * code[i]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const found: Neighbour[] = [];
    for (const label of this.hnsw.getIdsList()) {
      if (filter && !filter(label)) continue;
      let point: number[];
      try {
        point = this.hnsw.getPoint(label);
      } catch {
        continue; // marked deleted
      }
      let dot = 0;
      for (let i = 0; i < point.length; i++) dot += point[i]! * code[i]!;
      found.push({ label, score: dot * scale });
    }
    return found.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /**
   * The k nearest labels to the stored code of `label` (itself among them), best first; null if the
   * label is unknown or deleted. For a pass over every code (duplicate grouping): the code goes from
   * hnswlib back into hnswlib as the plain array getPoint returns, since each copy through a typed
   * array costs as much as a short search.
   */
  neighboursOfStored(label: number, k: number, ef: number = this.params.efSearch): Neighbour[] | null {
    let code: number[];
    try {
      code = this.hnsw.getPoint(label);
    } catch {
      return null;
    }
    const n = Math.min(k, this.hnsw.getMaxElements());
    this.hnsw.setEf(Math.max(ef, n));
    const result = this.hnsw.searchKnn(code, n);
    return result.neighbors.map((found, i) => ({ label: found, score: 1 - result.distances[i]! }));
  }

  /** Save atomically: a reader or a crash sees the old file or the new one, whole. */
  save(file: string): void {
    replaceFileSync(file, (temp) => this.hnsw.writeIndexSync(temp));
    this.changed = false;
  }
}

function maxOf(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}

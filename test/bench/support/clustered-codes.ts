/**
 * Seeded "random but clustered" codes for the query benchmark.
 *
 * Real photo codes are not uniform noise: photos form groups (a burst, a trip, a subject) and vary
 * within a group along few directions. So each code is a cluster centre plus a move inside that
 * cluster's own low-dimensional subspace plus a little isotropic noise, then L2-normalised.
 * The same seed always gives the same codes; queries come from their own stream (held out).
 */
import { rng } from '../../fixtures/photos';

export interface ClusteredCodesOptions {
  dim: number;
  clusters: number;
  /** Dimensions of each cluster's own subspace (the data's local intrinsic dimension). */
  intrinsicDim?: number;
  /** Size of the within-cluster move relative to the unit-length centre. */
  spread?: number;
  /** Size of the isotropic noise relative to the unit-length centre. */
  noise?: number;
  seed?: number;
}

/** Standard normal draws from a uniform generator (Box–Muller, both outputs used). */
export function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(uniform(), Number.MIN_VALUE);
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export function normalise(row: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += row[i]! * row[i]!;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < row.length; i++) row[i]! *= scale;
  return row;
}

/** A generator of clustered unit codes; `draw(count, stream)` returns count × dim row-major. */
export class ClusteredCodes {
  private readonly centres: Float32Array;
  private readonly bases: Float32Array;
  readonly dim: number;
  readonly clusters: number;
  readonly intrinsicDim: number;
  readonly spread: number;
  readonly noise: number;
  private readonly seed: number;

  constructor(options: ClusteredCodesOptions) {
    this.dim = options.dim;
    this.clusters = Math.max(1, Math.floor(options.clusters));
    this.intrinsicDim = options.intrinsicDim ?? 16;
    this.spread = options.spread ?? 0.6;
    this.noise = options.noise ?? 0.2;
    this.seed = options.seed ?? 1;
    const normal = gaussian(rng(this.seed));
    const { dim, clusters, intrinsicDim } = this;
    this.centres = new Float32Array(clusters * dim);
    this.bases = new Float32Array(clusters * intrinsicDim * dim);
    for (let c = 0; c < clusters; c++) {
      const centre = this.centres.subarray(c * dim, (c + 1) * dim);
      for (let i = 0; i < dim; i++) centre[i] = normal();
      normalise(centre);
      // Random directions of length ~1 (not orthogonalised: near enough in high dimension).
      for (let j = 0; j < intrinsicDim; j++) {
        const direction = this.bases.subarray((c * intrinsicDim + j) * dim, (c * intrinsicDim + j + 1) * dim);
        for (let i = 0; i < dim; i++) direction[i] = normal() / Math.sqrt(dim);
      }
    }
  }

  /** `count` codes from stream `stream` (0 for the library, 1 for queries, ...). */
  draw(count: number, stream: number): Float32Array {
    const { dim, intrinsicDim } = this;
    const uniform = rng(this.seed * 1_000_003 + 7919 * (stream + 1));
    const normal = gaussian(uniform);
    const out = new Float32Array(count * dim);
    const moveScale = this.spread / Math.sqrt(intrinsicDim);
    const noiseScale = this.noise / Math.sqrt(dim);
    const weights = new Float32Array(intrinsicDim);
    for (let n = 0; n < count; n++) {
      const c = Math.floor(uniform() * this.clusters);
      const row = out.subarray(n * dim, (n + 1) * dim);
      row.set(this.centres.subarray(c * dim, (c + 1) * dim));
      for (let j = 0; j < intrinsicDim; j++) weights[j] = normal() * moveScale;
      for (let j = 0; j < intrinsicDim; j++) {
        const w = weights[j]!;
        const base = (c * intrinsicDim + j) * dim;
        for (let i = 0; i < dim; i++) row[i]! += w * this.bases[base + i]!;
      }
      for (let i = 0; i < dim; i++) row[i]! += normal() * noiseScale;
      normalise(row);
    }
    return out;
  }
}

/** Percentile (0..100) of a sample, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

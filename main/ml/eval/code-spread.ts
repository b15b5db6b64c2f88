/**
 * How spread out a model's codes are: the median cosine similarity between the codes of two
 * different photos. Healthy codes put unrelated photos far apart (a median well below 0.9);
 * collapsed codes (near-constant, e.g. the one-view JSD recipe trained on a library) give nearly
 * every pair a score above 0.9, so no score separates anything.
 */
import { COLLAPSE_MEDIAN_COSINE } from '../model-card';
import { Rng } from '../dim/random';
import { normaliseRows, percentile } from './copies';

export interface CodeSpreadResult {
  medianCosine: number;
  /** Photos whose codes were compared, and pairs drawn among them. */
  photos: number;
  pairs: number;
  collapsed: boolean;
}

/** Median cosine over seeded random pairs of distinct rows of `codes` (all pairs when there are few). */
export function codeSpread(codes: Float32Array, rows: number, dim: number, options: { maxPairs?: number; seed?: number } = {}): CodeSpreadResult {
  if (rows < 2) throw new Error(`the spread of codes needs at least 2 photos, got ${rows}`);
  const unit = normaliseRows(codes, rows, dim);
  const maxPairs = options.maxPairs ?? 20000;
  const all = (rows * (rows - 1)) / 2;
  const scores: number[] = [];
  const cosine = (a: number, b: number) => {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += unit[a * dim + d]! * unit[b * dim + d]!;
    return dot;
  };
  if (all <= maxPairs) {
    for (let a = 0; a < rows; a++) for (let b = a + 1; b < rows; b++) scores.push(cosine(a, b));
  } else {
    const rng = new Rng(options.seed ?? 0);
    while (scores.length < maxPairs) {
      const a = rng.int(rows);
      const b = rng.int(rows);
      if (a !== b) scores.push(cosine(a, b));
    }
  }
  const sorted = Float64Array.from(scores).sort();
  const medianCosine = percentile(sorted, 50);
  return { medianCosine, photos: rows, pairs: sorted.length, collapsed: medianCosine > COLLAPSE_MEDIAN_COSINE };
}

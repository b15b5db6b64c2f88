/**
 * The similarity at or above which two photos are called copies of each other.
 *
 * From a model's measured edited-copy score (card.copies, written by `eval-copies --write-card`),
 * by copyThreshold (main/ml/eval/copy-threshold.ts, shared with the page's "near-duplicate" word):
 * three quarters of the way from the unrelated photos' 99th percentile to 1, or the midpoint of
 * that percentile and the copies' 5th percentile where that is higher. Not the midpoint alone: a
 * library of n photos has n²/2 unrelated pairs, so a threshold just above their 1 % tail still
 * makes a group of nearly every photo. Measured (`bench duplicates`, mini-ImageNet val, dim-both):
 * unrelated p99 0.559 gives 0.89, where grouping scores F1 0.61 against 0.63 at the best threshold
 * (0.85) and 0.002 at the plain midpoint (0.52); with dim-photo-both, p99 0.564 gives 0.891: F1 0.82
 * (precision 0.98, recall 0.71) against 0.87 at 0.85.
 * Without a measurement: DEFAULT_DUPLICATE_THRESHOLD, from the same benchmark (0.85–0.9 best;
 * the higher end, since a false group costs the user more than a missed copy).
 */
import { cardCopies } from '../../ml/eval/copies-card';
import { copyThreshold } from '../../ml/eval/copy-threshold';
import { LibraryError } from '../library/library';

export const DEFAULT_DUPLICATE_THRESHOLD = 0.9;

export class ThresholdError extends LibraryError {}

export function thresholdFromCard(card: Record<string, unknown>): { threshold: number; source: string } {
  const copies = cardCopies(card);
  if (!copies) return { threshold: DEFAULT_DUPLICATE_THRESHOLD, source: 'default (the model card has no copies measurement)' };
  const other = copies.otherScore.p99;
  const copy = copies.copyScore.p5;
  return { threshold: copyThreshold(copy, other), source: `model card: copies p5 ${copy}, unrelated p99 ${other}` };
}

/** A threshold must be a number in (0, 1]. */
export function checkThreshold(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1)
    throw new ThresholdError(`the threshold must be a number greater than 0 and at most 1, got ${String(value)}`);
  return value;
}

/**
 * The likeness (main/ml/eval/likeness.ts: codes and colour layouts) at or above which two photos
 * are grouped as copies of each other.
 *
 * From a model's measured edited-copy likeness (card.copies.likeness, written by `eval-copies
 * --write-card` and by publishing) by likenessThreshold (main/ml/eval/copy-threshold.ts): a fifth
 * of the way from the unrelated photos' 1-in-10,000 tail to 1. Measured (`bench duplicates`,
 * mini-ImageNet val, dim-photo-both): tail 0.716 gives 0.773, against 0.770–0.775 best over two
 * seeds (pair F1 0.95; the codes' cosine alone reached 0.86 at its best threshold).
 * Without a measurement (a card older than the likeness): DEFAULT_DUPLICATE_THRESHOLD, from the same
 * benchmark (0.76–0.8 within 0.015 of the best; the higher end, since a false group costs the user
 * more than a missed copy).
 */
import { cardLikeness } from '../../ml/eval/copies-card';
import { likenessThreshold } from '../../ml/eval/copy-threshold';
import { LibraryError } from '../library/library';

export const DEFAULT_DUPLICATE_THRESHOLD = 0.78;

export class ThresholdError extends LibraryError {}

export function thresholdFromCard(card: Record<string, unknown>): { threshold: number; source: string } {
  const measured = cardLikeness(card);
  if (!measured) return { threshold: DEFAULT_DUPLICATE_THRESHOLD, source: 'the default: this model has no measurement of how alike unrelated photos score' };
  const tail = measured.other.p9999;
  return { threshold: likenessThreshold(tail), source: `set from the model's card: only 1 in 10,000 pairs of unrelated photos score above ${tail.toFixed(3)}` };
}

/** A threshold must be a number in (0, 1]. */
export function checkThreshold(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1)
    throw new ThresholdError(`the threshold must be a number greater than 0 and at most 1, got ${String(value)}`);
  return value;
}

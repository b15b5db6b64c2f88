/**
 * The Compare view's note on a shipped trio (global-only, local-only and both: one recipe and
 * budget, different MI terms): its measured comparison, read from the cards that carry it.
 */
import type { ModelInfo } from '../../../main/api/contract';

/** kNN@20 of the three, their ordering and why it comes out so, as the cards carry it. */
export interface TrioComparison {
  /** kNN@20 (%) of each of the three, by model name. */
  knn20: Record<string, number>;
  ordering: string;
  explanation: string;
}

/**
 * The trio's comparison when the models shown are exactly the three that share it (each card
 * carries the same one, written once all three were measured), else null: the sentence is only
 * true of those three.
 */
export function trioComparison(shown: ModelInfo[]): TrioComparison | null {
  if (shown.length !== 3) return null;
  const comparisons = shown.map((m) => m.card.comparison as Partial<TrioComparison> | undefined);
  const first = comparisons[0];
  if (!first || typeof first.ordering !== 'string' || typeof first.explanation !== 'string' || !first.knn20) return null;
  if (!comparisons.every((c) => c?.ordering === first.ordering)) return null;
  const names = Object.keys(first.knn20).sort();
  const shownNames = shown.map((m) => m.name).sort();
  if (names.join('\n') !== shownNames.join('\n')) return null;
  return { knn20: first.knn20, ordering: first.ordering, explanation: first.explanation };
}

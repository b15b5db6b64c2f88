/**
 * The models the Compare view shows until the user picks: the search model first (its results are
 * the ones the grid shows), then the shipped trios — the photo trio, whose 'both' is the default
 * search model, then the CIFAR-10 trio — then the rest; three at most. With the default search
 * model and the whole photo trio shipped, that is the photo trio, and its measured comparison shows.
 */
import type { ModelInfo } from '../../../main/api/contract';

export const PREFERRED_FOR_COMPARE = ['dim-photo-both', 'dim-photo-global', 'dim-photo-local', 'dim-both', 'dim-global', 'dim-local'];
export const COMPARE_DEFAULT_COUNT = 3;

export function defaultCompareChoice(list: readonly ModelInfo[], currentId: string | null): string[] {
  const byName = PREFERRED_FOR_COMPARE.map((name) => list.find((m) => m.name === name)).filter((m) => m !== undefined);
  const current = list.find((m) => m.id === currentId);
  const ordered = [...(current ? [current] : []), ...byName, ...list];
  return [...new Set(ordered.map((m) => m.id))].slice(0, COMPARE_DEFAULT_COUNT);
}

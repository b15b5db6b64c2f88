/**
 * Duplicate groups of an open library, with its current model's codes and the threshold chosen by
 * threshold.ts (or given). Errors a user can act on: a threshold outside (0, 1], a library whose
 * photos have no codes yet.
 */
import { LibraryError, type Library } from '../library/library';
import { groupDuplicates, type DuplicateGroup, type GroupingOptions } from './grouping';
import { libraryLayouts } from './layouts';
import { checkThreshold, thresholdFromCard } from './threshold';

/** A LibraryError: the shells report it as the caller's to fix (the web server answers 422). */
export class DuplicatesError extends LibraryError {}

export interface DuplicatesResult {
  threshold: number;
  /** Where the threshold came from, in words. */
  thresholdSource: string;
  groups: DuplicateGroup[];
  pairs: number;
  /** Library photos, and those with a code under the current model. */
  photos: number;
  coded: number;
  seconds: number;
}

export function defaultThreshold(library: Library): { threshold: number; source: string } {
  return thresholdFromCard(library.encoder.card);
}

/** Groups at `threshold` (default: from the model card); the library's saved index is searched in worker threads when it is large. */
export async function findDuplicates(library: Library, threshold?: number, options: GroupingOptions = {}): Promise<DuplicatesResult> {
  const started = performance.now();
  const chosen = threshold === undefined ? defaultThreshold(library) : { threshold: checkThreshold(threshold), source: 'given' };
  const photos = library.store.photosWithCodes(library.modelId);
  const coded = photos.filter((p) => p.label !== null).length;
  if (photos.length === 0) throw new DuplicatesError(`the library at ${library.dir} has no photos yet (index a folder first)`);
  if (coded === 0) throw new DuplicatesError(`the library's photos have no codes for model ${library.modelId} yet (index the library first)`);
  const { groups, pairs } = await groupDuplicates(photos, library.index, chosen.threshold, libraryLayouts(library), { savedIndexFile: library.indexFile, ...options });
  library.store.pruneColourLayouts();
  return {
    threshold: chosen.threshold,
    thresholdSource: chosen.source,
    groups,
    pairs,
    photos: photos.length,
    coded,
    seconds: (performance.now() - started) / 1000,
  };
}

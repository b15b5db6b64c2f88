/**
 * Colour layouts of library photos for the duplicates' likeness (main/ml/eval/likeness.ts): cached
 * in the library's store by content hash, made when first needed from the photo's thumbnail (already
 * decoded and turned upright, and small: a millisecond or two) — only for photos in a candidate pair,
 * so a first look for duplicates reads a fraction of the library, and later looks read none.
 */
import pMap from 'p-map';
import type { PhotoWithCode } from '../index/store';
import type { Library } from '../library/library';
import { colourLayoutOf } from '../../ml/eval/likeness';

/** Layouts of `photos`, in order; null for a photo whose layout cannot be made (its file and thumbnail gone or unreadable). */
export type LayoutSource = (photos: readonly PhotoWithCode[], signal?: AbortSignal) => Promise<(Float32Array | null)[]>;

/** Photos whose layouts are made at once. */
const CONCURRENCY = 4;

export function libraryLayouts(library: Library): LayoutSource {
  return async (photos, signal) => {
    const cached = library.store.colourLayouts([...new Set(photos.map((p) => p.hash))]);
    const made: [string, Float32Array][] = [];
    const missing = [...new Map(photos.filter((p) => !cached.has(p.hash)).map((p) => [p.hash, p])).values()];
    await pMap(
      missing,
      async (photo) => {
        const thumbnail = await library.thumbnailPath(photo.id);
        if (!thumbnail) return;
        try {
          const layout = await colourLayoutOf(thumbnail);
          cached.set(photo.hash, layout);
          made.push([photo.hash, layout]);
        } catch {
          // An unreadable thumbnail: the photo's pairs are judged without a layout match.
        }
      },
      { concurrency: CONCURRENCY, signal },
    );
    if (made.length > 0) library.store.putColourLayouts(made);
    return photos.map((p) => cached.get(p.hash) ?? null);
  };
}

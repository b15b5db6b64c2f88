/**
 * The photo sources core hands to ml's trainer and measurements (main/ml/data/photo-source.ts):
 * a folder, scanned recursively, or a fixed list of the library's photos (e.g. all but a held-out
 * slice). Both decode with the indexer's own decoder, so a model trains on the pixels it will see.
 */
import { resolve } from 'node:path';
import type { PhotoSource, PhotoSourceSpec } from '../../ml/data/photo-source';
import { decodeForModel } from '../imaging/decode';
import { scanFolder } from '../imaging/scan';

function describePreprocessing(side: number): string {
  return (
    `decodeForModel (main/core/imaging/decode.ts, sharp): EXIF auto-orient, shrink-on-load to a working copy ` +
    `(fits 256×256, short side ≥ 2·inputSize), alpha flattened on white, sRGB; its centre square area-averaged to ` +
    `${side}×${side}, RGB/255 − 0.5 (range [-0.5, 0.5]), NHWC`
  );
}

const decodeSquare = async (photo: string, side: number) => (await decodeForModel(photo, side)).pixels;

/** Every photo under `folder` (recursively, as the indexer finds them). */
export function folderPhotoSource(folder: string): PhotoSource {
  const root = resolve(folder);
  return {
    root,
    async list(signal) {
      const scan = await scanFolder(root, { signal });
      return { photos: scan.files.map((f) => f.path), skipped: scan.skipped };
    },
    decodeSquare,
    preprocessing: describePreprocessing,
  };
}

/** Exactly these photos (e.g. a library's, less a held-out slice); `root` names where they live. */
export function listedPhotoSource(root: string, photos: readonly string[]): PhotoSource {
  const sorted = [...new Set(photos.map((p) => resolve(p)))].sort();
  return {
    root: resolve(root),
    async list() {
      return { photos: sorted, skipped: [] };
    },
    decodeSquare,
    preprocessing: describePreprocessing,
  };
}

export function photoSourceFromSpec(spec: PhotoSourceSpec): PhotoSource {
  return spec.kind === 'folder' ? folderPhotoSource(spec.folder) : listedPhotoSource(spec.root, spec.photos);
}

/**
 * Where a training run (and a measurement) gets its photos: handed in by the caller, so `ml` never
 * reads folders or decodes files itself. main/core/training/photo-sources.ts provides the folder
 * and library implementations; the CLI and the app's training manager hand one in.
 */

export interface PhotoSkip {
  path: string;
  reason: string;
}

export interface PhotoList {
  /** Every photo by its path (absolute), in a stable order (sorted by path). */
  photos: string[];
  /** Files that are not usable photos, each with a reason. */
  skipped: PhotoSkip[];
}

export interface PhotoSource {
  /**
   * The folder the photos live under: a checkpoint stores photo paths relative to it and a model
   * card names it as the data (a library's photos in several folders name the library).
   */
  readonly root: string;
  list(signal?: AbortSignal): Promise<PhotoList>;
  /**
   * One photo as a side × side × 3 square, RGB / 255 − 0.5 in [-0.5, 0.5], NHWC — the same pixels
   * the indexer gives the model at that side. Throws (with a human reason) for an unreadable file.
   */
  decodeSquare(photo: string, side: number): Promise<Float32Array>;
  /** How a photo of any shape becomes that square, in words (written on the model card). */
  readonly preprocessing: (side: number) => string;
}

/**
 * A photo source as plain data, for a run in a worker thread (functions cannot cross): the
 * worker's entry (core's, main/core/training/train-worker.ts) turns it back into a PhotoSource.
 */
export type PhotoSourceSpec = { kind: 'folder'; folder: string } | { kind: 'list'; root: string; photos: string[] };

/**
 * Index one folder of a library: scan → diff against the store → read + hash → decode (bounded
 * concurrency) → encode in batches → index + store, with thumbnails made in the decode pass.
 *
 * Only new or changed files are processed: a file whose size and mtime match its row is left alone;
 * one whose size or mtime changed is re-hashed and only re-encoded if its bytes changed; a file whose
 * bytes some photo already has (a copy, a move) takes that photo's code without being decoded.
 *
 * Consistency (a crash or a cancel at any moment leaves index and store agreeing):
 * - new codes go into the in-memory index first; at each checkpoint the index file is saved
 *   atomically and only then are the photos' rows and labels committed to the store, in one
 *   transaction. So every label the store names is in the saved file.
 * - codes that a checkpoint replaced, and photos whose files are gone, are removed from the store
 *   first and from the index after; a crash in between leaves unreferenced labels in the file, which
 *   Library.open marks deleted (reconcile). Their slots are then reused.
 */
import { availableParallelism } from 'node:os';
import { sep } from 'node:path';
import type { ImageEncoder } from '../../ml/image-encoder';
import { DecodeError, decodeForModel, decodeForModelAndThumbnail, packBatch, DEFAULT_MAX_PIXELS } from '../imaging/decode';
import { dateTaken } from '../imaging/date-taken';
import { isUnreadableFolder, scanFolder, type ScannedFile } from '../imaging/scan';
import { onDiskPath } from '../file-names';
import { exclusionTest } from '../library/exclusions';
import type { ThumbnailCache } from '../imaging/thumbnails';
import type { FolderRow, PhotoUpsert, PhotoWithCode, Store } from '../index/store';
import { contentHash, isLegacyContentHash, LEGACY_HASH_LENGTH, legacyContentHash } from '../library/content-hash';
import type { VectorIndex } from '../index/vector-index';
import { CancelledError } from './job';
import { ReusableFileReader } from './reusable-file-reader';

export interface IndexerTarget {
  store: Store;
  index: VectorIndex;
  indexFile: string;
  encoder: ImageEncoder;
  modelId: string;
  thumbnails: ThumbnailCache;
}

export interface IndexRunOptions {
  signal?: AbortSignal;
  report?: (phase: string, done: number, total: number, message?: string) => void;
  /** Files decoded at once; defaults from the core count. */
  concurrency?: number;
  batchSize?: number;
  maxPixels?: number;
  /** Largest file read, in bytes (a guard against reading a 10 GB "photo" into memory). */
  maxFileBytes?: number;
  /** Folders (real paths) never to descend into, e.g. the library itself. */
  excludeDirs?: string[];
  /** Glob patterns of folders and files to leave out, relative to the folder (library/exclusions.ts). */
  exclude?: readonly string[];
  /**
   * Save + commit at least this often while running (default 5 s). The interval grows with the
   * index: a checkpoint saves the whole index file, so it waits at least SAVE_COST_FACTOR times the
   * last save's duration, keeping saves to about 5% of a run on a large library.
   */
  checkpointMs?: number;
}

export interface IndexRunResult {
  /** Photos whose codes were computed (decoded + encoded) or copied from identical bytes in this run. */
  indexed: number;
  /** Of those, codes copied from a photo with the same bytes (no decode). */
  reused: number;
  /** Files left alone (same size and mtime, code present). */
  unchanged: number;
  /** Files whose size/mtime changed but bytes did not (re-hashed, not re-encoded). */
  touched: number;
  /** Photos dropped because their files are gone (or are no longer readable images). */
  removed: number;
  skipped: { path: string; reason: string }[];
  /** Photos of this folder in the library after the run. */
  total: number;
  cancelled: boolean;
  seconds: number;
}

/**
 * Photos per encode. 16 encodes as fast per image as 32 here (0.99 against 1.05 ms at 32 px, on
 * one thread) and holds the JS thread half as long, while decodes wait on it for their next step.
 */
export const DEFAULT_BATCH_SIZE = 16;
export const DEFAULT_CHECKPOINT_MS = 5000;
/**
 * The first checkpoint comes after the first encoded batch: a new folder's first photos show in the
 * grid at once, even when the whole run takes a second or two. It is one save, as a later one would be.
 */
export const FIRST_CHECKPOINT_MS = 0;
/** A checkpoint waits at least this many times as long as the last one took (saves ≤ ~5% of a run). */
export const SAVE_COST_FACTOR = 20;

/** How long to wait after a checkpoint before the next one, given what the last one cost. */
export function checkpointInterval(checkpointMs: number, lastSaveMs: number): number {
  return Math.max(checkpointMs, SAVE_COST_FACTOR * lastSaveMs);
}
export const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;

/**
 * Three photos in flight per core: while one waits on its file or its turn on the JS thread (where
 * the encoder runs), the others keep the core decoding. Measured on 2 cores over 256 12-MP photos,
 * alternating runs: 65.9 photos/s at 6 against 65.1 at 4, and 8 no faster than 6; decode alone is
 * flat from 4 to 12. At most 16: each photo in flight holds its file and a decode in memory.
 */
export function defaultConcurrency(): number {
  return Math.max(3, Math.min(16, 3 * availableParallelism()));
}

interface WorkItem {
  file: ScannedFile;
  row: PhotoWithCode | undefined;
  /** EXIF date taken (ms), once the file has been read. */
  takenAt?: number | null;
}

interface Decoded {
  item: WorkItem;
  hash: string;
  pixels: Float32Array;
  width: number;
  height: number;
}

function isUnder(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export async function indexFolder(target: IndexerTarget, folder: FolderRow, options: IndexRunOptions = {}): Promise<IndexRunResult> {
  const started = performance.now();
  const { store, index, encoder, modelId, thumbnails } = target;
  const signal = options.signal;
  const report = options.report ?? (() => {});
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency());
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const checkpointMs = options.checkpointMs ?? DEFAULT_CHECKPOINT_MS;

  // ---- scan and diff ----
  report('scanning', 0, 0);
  const scan = await scanFolder(folder.path, {
    signal,
    excludeDirs: options.excludeDirs,
    isExcluded: exclusionTest(options.exclude ?? []) ?? undefined,
    onProgress: (found) => report('scanning', found, 0),
  });
  const skipped = [...scan.skipped];
  const unreadableDirs = scan.skipped.filter(isUnreadableFolder).map((s) => s.path);
  const known = new Map(store.photosOfFolder(folder.id, modelId).map((row) => [row.path, row]));
  const work: WorkItem[] = [];
  let unchanged = 0;
  for (const file of scan.files) {
    const row = known.get(file.path);
    known.delete(file.path);
    if (row && row.size === file.size && row.mtimeMs === file.mtimeMs && row.label !== null) unchanged++;
    else work.push({ file, row });
  }
  // What is left in `known` is gone from disk, unless it sits in a folder we could not read this time.
  const gone = [...known.values()].filter((row) => !unreadableDirs.some((dir) => isUnder(row.path, dir) || row.path === dir));

  // ---- process new and changed files ----
  const total = work.length;
  // Same bytes means same size: SHA-1 is only worth computing where an old row has the file's size.
  const legacySizes = work.length > 0 ? store.sizesWithHashLength(LEGACY_HASH_LENGTH) : new Set<number>();
  let next = 0; // the next file of `work` to start
  let done = 0;
  let indexed = 0;
  let reused = 0;
  let touched = 0;
  const dropped: number[] = []; // rows whose files changed into something unreadable
  let pending: PhotoUpsert[] = [];
  let lastCheckpoint = performance.now();
  let checkpointEvery = Math.min(checkpointMs, FIRST_CHECKPOINT_MS);
  const ready: Decoded[] = [];
  let encoding: Promise<void> = Promise.resolve();
  let fatal: unknown = null;

  const checkpoint = () => {
    if (pending.length === 0 && !index.dirty) return;
    const saveStarted = performance.now();
    index.save(target.indexFile);
    const replaced = store.commitPhotos(modelId, pending);
    pending = [];
    for (const label of replaced) index.remove(label);
    lastCheckpoint = performance.now();
    checkpointEvery = checkpointInterval(checkpointMs, lastCheckpoint - saveStarted);
  };
  const maybeCheckpoint = () => {
    if (performance.now() - lastCheckpoint >= checkpointEvery) checkpoint();
  };

  const upsertFor = (item: WorkItem, hash: string, width: number | null, height: number | null, label: number | null): PhotoUpsert => ({
    folderId: folder.id,
    path: item.file.path,
    size: item.file.size,
    mtimeMs: item.file.mtimeMs,
    hash,
    width,
    height,
    label,
    takenAt: item.takenAt ?? null,
  });

  const encodeBatch = async (batch: Decoded[]) => {
    // Let the decodes that finished meanwhile start their next step first: the encode holds the
    // JS thread for the whole batch, and a decode waiting on it leaves its core idle.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Decodes keep every core busy meanwhile: the encoder computes on one thread.
    const codes = await encoder.encode(packBatch(batch.map((d) => d.pixels), encoder.inputSize), batch.length, { coresBusy: true });
    if (codes.length !== batch.length * encoder.dim) {
      throw new Error(`encoder returned ${codes.length} values for ${batch.length} images of dim ${encoder.dim}`);
    }
    const labels = index.add(codes, batch.length);
    batch.forEach((d, i) => pending.push(upsertFor(d.item, d.hash, d.width, d.height, labels[i]!)));
    indexed += batch.length;
    maybeCheckpoint();
  };
  const scheduleEncode = (flush: boolean) => {
    while (ready.length >= batchSize || (flush && ready.length > 0)) {
      const batch = ready.splice(0, batchSize);
      encoding = encoding.then(() => (fatal ? undefined : encodeBatch(batch)));
      encoding.catch((error: unknown) => {
        fatal ??= error;
      });
    }
  };

  const skip = (item: WorkItem, reason: string) => {
    skipped.push({ path: item.file.path, reason });
    if (item.row) dropped.push(item.row.id);
  };

  const processOne = async (item: WorkItem, reader: ReusableFileReader) => {
    const { file, row } = item;
    if (file.size > maxFileBytes) return skip(item, `too large: ${(file.size / 1024 ** 2).toFixed(0)} MB file`);
    let bytes: Buffer;
    try {
      bytes = await reader.read(onDiskPath(file.path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'deleted while indexing' : (error as Error).message;
      return skip(item, `not readable: ${reason}`);
    }
    if (bytes.length === 0) return skip(item, 'empty file (0 bytes)');
    const hash = await contentHash(bytes);
    const takenAt = dateTaken(bytes);
    const actual = { ...item, file: { ...file, size: bytes.length }, takenAt };
    // Rows of an older library may still hold a SHA-1: compare in their scheme (the row then moves
    // to the new one). Computed at most once per file, and only when such a row is in question.
    let legacyHash: string | undefined;
    const legacy = () => (legacyHash ??= legacyContentHash(bytes));
    const sameBytes = (old: string) => old === hash || (isLegacyContentHash(old) && old === legacy());

    // Same bytes as before: only the file's facts changed (touched, copied back, ...).
    if (row && row.label !== null && sameBytes(row.hash)) {
      touched++;
      pending.push(upsertFor(actual, hash, row.width, row.height, row.label));
      if (!thumbnails.has(hash)) await thumbnails.make(hash, bytes, maxPixels, file.path).catch(() => undefined);
      return;
    }
    // Bytes some photo already has a code for: take its code, skip the decode.
    const donor =
      store.codedPhotoByHash(modelId, hash) ?? (legacySizes.has(bytes.length) ? store.codedPhotoByHash(modelId, legacy()) : undefined);
    const donorCode = donor?.label != null ? index.vectorOf(donor.label) : null;
    if (donor && donorCode) {
      const [label] = index.add(donorCode, 1);
      pending.push(upsertFor(actual, hash, donor.width, donor.height, label!));
      indexed++;
      reused++;
      if (!thumbnails.has(hash)) await thumbnails.make(hash, bytes, maxPixels, file.path).catch(() => undefined);
      return;
    }
    try {
      if (thumbnails.has(hash)) {
        const decoded = await decodeForModel(bytes, encoder.inputSize, { maxPixels, name: file.path });
        ready.push({ item: actual, hash, ...decoded });
      } else {
        const decoded = await decodeForModelAndThumbnail(bytes, encoder.inputSize, { maxPixels, thumbnailSize: thumbnails.size, name: file.path });
        // Thumbnails are a cache (remade on demand): failing to write one does not lose the photo.
        await thumbnails.put(hash, decoded.thumbnail).catch(() => undefined);
        ready.push({ item: actual, hash, pixels: decoded.pixels, width: decoded.width, height: decoded.height });
      }
    } catch (error) {
      if (error instanceof DecodeError) return skip(item, error.reason);
      throw error;
    }
    // Once every file has been started, encode what is ready at once rather than wait for a full
    // batch: the last batch then overlaps the last decodes instead of running after them.
    scheduleEncode(next >= work.length);
  };

  const worker = async () => {
    const reader = new ReusableFileReader();
    while (next < work.length && !signal?.aborted && !fatal) {
      const item = work[next++]!;
      try {
        await processOne(item, reader);
      } catch (error) {
        // Not a bad file but a failing machine (disk full, encoder broken): stop, keep what is done.
        fatal ??= error;
        break;
      }
      done++;
      report('indexing', done, total);
      // Backpressure: do not run far ahead of the encoder.
      if (ready.length >= batchSize * 2) await encoding.catch(() => undefined);
      maybeCheckpoint();
    }
  };
  report('indexing', 0, total);
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, work.length)) }, worker));
  // Encode what was decoded even when cancelled: the work is done, keep it.
  scheduleEncode(true);
  await encoding.catch(() => undefined);
  if (fatal) {
    checkpoint(); // keep what was encoded before the failure
    throw fatal;
  }
  report('saving', done, total);
  checkpoint();

  // ---- drop what is gone (skipped when cancelled: an unfinished scan proves nothing) ----
  const cancelled = signal?.aborted === true;
  let removed = 0;
  if (!cancelled) {
    const removeIds = [...gone.map((row) => row.id), ...dropped];
    if (removeIds.length > 0) {
      report('removing', 0, removeIds.length);
      const { labels, hashes } = store.removePhotos(modelId, removeIds);
      for (const label of labels) index.remove(label);
      index.save(target.indexFile);
      for (const hash of new Set(hashes)) if (!store.hashInUse(hash)) await thumbnails.remove(hash);
      removed = removeIds.length;
    }
    store.replaceSkipped(folder.id, skipped);
  } else {
    store.addSkipped(folder.id, skipped);
  }

  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const result: IndexRunResult = {
    indexed,
    reused,
    unchanged,
    touched,
    removed,
    skipped,
    total: store.photosOfFolder(folder.id, modelId).length,
    cancelled,
    seconds: (performance.now() - started) / 1000,
  };
  return result;
}

/** Throw if cancelled (for callers that want an exception rather than a partial result). */
export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

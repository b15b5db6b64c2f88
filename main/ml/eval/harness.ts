/**
 * The evaluation harness: encode a labelled train split as the memory bank and a labelled test
 * split as the queries, with any ImageEncoder, and score the codes by kNN (see ./knn).
 *
 * Photos are decoded by the decoder the caller hands in — the app's own (core's decodeModelPixels),
 * so they are decoded exactly as for indexing; `ml` sits below `core` and never decodes files itself —
 * several at a time (bounded concurrency, sharp works off the JS thread) while the previous batch is encoded.
 * A photo that cannot be decoded is left out and listed, never silently counted.
 */
import { initBackend } from '../backend';
import type { ImageEncoder } from '../image-encoder';
import type { PhotoDecoder } from './copies';
import { loadLabelledSplit, type LabelledSplit } from './dataset';
import { knnEvaluate, type KnnResult } from './knn';

export interface EncodeProgress {
  phase: 'train' | 'test' | 'knn';
  done: number;
  total: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}

export interface EncodeOptions {
  /** A photo to the encoder's input (core's decodeModelPixels in the app and the CLI). */
  decode: PhotoDecoder;
  /** Images decoded at once (default 8). */
  concurrency?: number;
  /** Images per encode call (default 256). */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface EncodedImages {
  /** kept × encoder.dim codes (not normalised). */
  codes: Float32Array;
  /** Index into the input paths of each kept code's image. */
  kept: number[];
  failed: { path: string; reason: string }[];
}

/** Decode and encode every path; failures are reported, not thrown. */
export async function encodeImages(encoder: ImageEncoder, paths: readonly string[], options: EncodeOptions): Promise<EncodedImages> {
  const concurrency = options.concurrency ?? 8;
  const batchSize = options.batchSize ?? 256;
  const size = encoder.inputSize;
  const per = size * size * 3;
  const codes = new Float32Array(paths.length * encoder.dim);
  const kept: number[] = [];
  const failed: { path: string; reason: string }[] = [];

  const decodeBatch = (start: number) => {
    const pending = mapConcurrent(paths.slice(start, start + batchSize), concurrency, async (path) => {
      options.signal?.throwIfAborted();
      try {
        return await options.decode(path, size);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    });
    // A batch decoded ahead may be abandoned when encoding fails or is cancelled: never leave its
    // rejection unhandled (it is still awaited, and rethrown, when its turn comes).
    pending.catch(() => {});
    return pending;
  };

  let next = paths.length > 0 ? decodeBatch(0) : null;
  for (let start = 0; start < paths.length; start += batchSize) {
    const decoded = await next!;
    options.signal?.throwIfAborted();
    // Start decoding the next batch before encoding this one, so the two overlap.
    next = start + batchSize < paths.length ? decodeBatch(start + batchSize) : null;
    const good: number[] = [];
    decoded.forEach((result, i) => {
      if (result instanceof Error) failed.push({ path: paths[start + i], reason: result.message });
      else good.push(i);
    });
    if (good.length > 0) {
      const batch = new Float32Array(good.length * per);
      good.forEach((i, j) => batch.set(decoded[i] as Float32Array, j * per));
      const out = await encoder.encode(batch, good.length);
      codes.set(out, kept.length * encoder.dim);
      for (const i of good) kept.push(start + i);
    }
    options.onProgress?.(Math.min(start + batchSize, paths.length), paths.length);
  }
  return { codes: failed.length === 0 ? codes : codes.slice(0, kept.length * encoder.dim), kept, failed };
}

export interface EvaluationOptions {
  /** A photo to the encoder's input (core's decodeModelPixels in the app and the CLI). */
  decode: PhotoDecoder;
  /** First N files (sorted) of each class folder, in both splits. */
  limit?: number;
  ks?: readonly number[];
  precisionAt?: number;
  temperature?: number;
  concurrency?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: EncodeProgress) => void;
}

export interface EvaluationResult {
  model: string;
  modelId: string;
  /** Queries scored (test images that decoded). */
  n: number;
  /** Memory-bank size (train images that decoded). */
  bank: number;
  dim: number;
  classes: number;
  knn: KnnResult;
  failed: { path: string; reason: string }[];
  seconds: { encodeTrain: number; encodeTest: number; knn: number };
}

export async function evaluateEncoder(
  encoder: ImageEncoder,
  trainDir: string,
  testDir: string,
  options: EvaluationOptions,
): Promise<EvaluationResult> {
  await initBackend(); // the kNN products run on tfjs, whatever the encoder runs on
  const train = await loadLabelledSplit(trainDir, { limit: options.limit });
  const test = await loadLabelledSplit(testDir, { limit: options.limit, classNames: train.classNames });

  const t0 = performance.now();
  const bank = await encodeSplit(encoder, train, 'train', options);
  const t1 = performance.now();
  const queries = await encodeSplit(encoder, test, 'test', options);
  const t2 = performance.now();
  if (bank.codes.length === 0) throw new Error(`no image of ${train.dir} could be decoded`);
  if (queries.codes.length === 0) throw new Error(`no image of ${test.dir} could be decoded`);

  const knnStart = performance.now();
  const knn = await knnEvaluate(
    { codes: bank.codes, labels: bank.labels, dim: encoder.dim },
    { codes: queries.codes, labels: queries.labels, dim: encoder.dim },
    {
      ks: options.ks,
      precisionAt: options.precisionAt,
      temperature: options.temperature,
      signal: options.signal,
      onProgress: (done, total) => options.onProgress?.(progress('knn', done, total, knnStart)),
    },
  );
  const t3 = performance.now();
  return {
    model: encoder.name,
    modelId: encoder.modelId,
    n: knn.n,
    bank: bank.labels.length,
    dim: encoder.dim,
    classes: train.classNames.length,
    knn,
    failed: [...bank.failed, ...queries.failed],
    seconds: { encodeTrain: (t1 - t0) / 1000, encodeTest: (t2 - t1) / 1000, knn: (t3 - t2) / 1000 },
  };
}

async function encodeSplit(encoder: ImageEncoder, split: LabelledSplit, phase: 'train' | 'test', options: EvaluationOptions) {
  const started = performance.now();
  const encoded = await encodeImages(encoder, split.paths, {
    decode: options.decode,
    concurrency: options.concurrency,
    batchSize: options.batchSize,
    signal: options.signal,
    onProgress: (done, total) => options.onProgress?.(progress(phase, done, total, started)),
  });
  return { codes: encoded.codes, labels: Int32Array.from(encoded.kept, (i) => split.labels[i]), failed: encoded.failed };
}

function progress(phase: EncodeProgress['phase'], done: number, total: number, started: number): EncodeProgress {
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  return { phase, done, total, ratePerSecond: rate, etaSeconds: rate > 0 ? (total - done) / rate : null };
}

/** Map with at most `limit` calls in flight; results in input order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

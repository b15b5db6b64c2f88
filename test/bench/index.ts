/**
 * `bench index <folder> [--make N] [--json]`: indexing throughput of the real pipeline against
 * decoding alone, measured in the same run on the same files.
 *
 *   index        Library.indexFolder into a fresh temporary library: read, hash, decode (one pass
 *                giving the encoder input and the thumbnail), encode with the shipped model, HNSW
 *                insert, SQLite commit, thumbnails written.
 *   decode-only  sharp bringing the same files to the encoder's input size, three ways: sharp's
 *                one-step resize (fit cover, shrink on load) at the indexer's concurrency and at
 *                twice that, and the app's own decodeForModel (shrink on load to a working copy,
 *                then the input) at the indexer's. The fastest is the baseline, so the ratio is
 *                never flattered by a slow decode or a concurrency that suits only the indexer.
 *                Each runs before and after the index pass and its rate is over both passes, so a
 *                neighbour's load on a shared machine hurts both sides.
 *
 * The files are read once first so both sides find them in the page cache. The encoder is loaded
 * before timing (a library opened by the app loads it once too).
 *
 * --make N          when <folder> does not exist (or is empty), fill it with N large photos first
 * --make-large N    use (or make) N large photos in a cached folder under the temp dir
 * --width/--height  size of made photos (default 4000×3000, 12 MP)
 * --breakdown       also time each stage alone (read+hash, decode+thumbnail, encode) to show where
 *                   the pipeline loses time
 *
 * Last stdout line with --json: {"photos", "indexPerSecond", "decodeOnlyPerSecond", "ratio", ...}
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { printJson } from '../../main/cli/output';
import { decodeForModel, decodeForModelAndThumbnail, packBatch } from '../../main/core/imaging/decode';
import { scanFolder } from '../../main/core/imaging/scan';
import { DEFAULT_BATCH_SIZE, defaultConcurrency, type IndexRunResult } from '../../main/core/jobs/indexer';
import { contentHash } from '../../main/core/library/content-hash';
import { Library } from '../../main/core/library/library';
import type { ImageEncoder } from '../../main/ml/image-encoder';
import { loadEncoder } from '../../main/ml/models';
import { wasmThreads } from '../../main/ml/wasm';
import { makeLargePhotos } from './support/large-photos';

export interface IndexBenchOptions {
  folder: string;
  concurrency?: number;
  model?: string;
  breakdown?: boolean;
  log?: (line: string) => void;
}

export interface StageRates {
  /** readFile + content hash, photos/s at the indexer's concurrency. */
  readAndHashPerSecond: number;
  /** decodeForModelAndThumbnail (the indexer's decode), photos/s at the indexer's concurrency. */
  decodeWithThumbnailPerSecond: number;
  /** encoder.encode in the indexer's batch size, images/s. */
  encodePerSecond: number;
}

export interface IndexBenchResult {
  photos: number;
  indexPerSecond: number;
  decodeOnlyPerSecond: number;
  ratio: number;
  /** The decode-only ways (photos/s); the fastest is decodeOnlyPerSecond. */
  decodeOnly: Record<DecodeWay, number>;
  concurrency: number;
  megapixels: number;
  meanFileBytes: number;
  indexSeconds: number;
  decodeOnlySeconds: number;
  skipped: number;
  backend: string;
  wasmThreads: number;
  /**
   * Process CPU time per photo, all threads. Against the wall-clock rates it tells whether the
   * pipeline is CPU-bound (extra work to cut) or stalls (overlap to improve).
   */
  cpuMsPerPhoto: { index: number } & Record<DecodeWay, number>;
  stages?: StageRates;
}

/** Run `task` over `items` with at most `concurrency` at once (the indexer's worker pattern). */
async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Process CPU seconds (all threads: libuv pool, libvips, wasm workers) spent in each measured pass. */
const cpuSeconds: Record<string, number> = {};

async function timed(work: () => Promise<unknown>, cpuKey?: string): Promise<number> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await work();
  const wall = (performance.now() - t) / 1000;
  if (cpuKey) {
    const used = process.cpuUsage(cpu);
    cpuSeconds[cpuKey] = (cpuSeconds[cpuKey] ?? 0) + (used.user + used.system) / 1e6;
  }
  return wall;
}

/** `sharpAt2x`: sharp's one step at twice the indexer's concurrency. */
type DecodeWay = 'sharp' | 'sharpAt2x' | 'app';
const DECODE_WAYS: DecodeWay[] = ['sharp', 'sharpAt2x', 'app'];

/** Decode-only: what sharp alone needs to bring each file to the encoder's input. */
function decodeOnlyPass(way: DecodeWay, files: readonly string[], inputSize: number, concurrency: number, measure = true): Promise<number> {
  return timed(
    () =>
      pool(files, way === 'sharpAt2x' ? 2 * concurrency : concurrency, async (file) =>
        way === 'app'
          ? decodeForModel(await readFile(file), inputSize)
          : sharp(file, { failOn: 'error', autoOrient: true })
              .resize(inputSize, inputSize, { fit: 'cover', position: 'centre' })
              .removeAlpha()
              .raw()
              .toBuffer(),
      ),
    measure ? way : undefined,
  );
}

async function stageRates(files: readonly string[], encoder: ImageEncoder, concurrency: number): Promise<StageRates> {
  const n = files.length;
  const readSeconds = await timed(() => pool(files, concurrency, async (f) => contentHash(await readFile(f))));
  const inputs: Float32Array[] = [];
  const decodeSeconds = await timed(() =>
    pool(files, concurrency, async (f) => {
      const decoded = await decodeForModelAndThumbnail(await readFile(f), encoder.inputSize);
      inputs.push(decoded.pixels);
    }),
  );
  const batches: Float32Array[][] = [];
  for (let i = 0; i < inputs.length; i += DEFAULT_BATCH_SIZE) batches.push(inputs.slice(i, i + DEFAULT_BATCH_SIZE));
  await encoder.encode(packBatch(batches[0]!, encoder.inputSize), batches[0]!.length); // warm up kernels
  const encodeSeconds = await timed(async () => {
    for (const batch of batches) await encoder.encode(packBatch(batch, encoder.inputSize), batch.length);
  });
  return {
    readAndHashPerSecond: round(n / readSeconds, 2),
    decodeWithThumbnailPerSecond: round(n / decodeSeconds, 2),
    encodePerSecond: round(inputs.length / encodeSeconds, 2),
  };
}

export async function runIndexBench(options: IndexBenchOptions): Promise<IndexBenchResult> {
  const log = options.log ?? (() => {});
  for (const key of Object.keys(cpuSeconds)) delete cpuSeconds[key];
  const folder = resolve(options.folder);
  const concurrency = options.concurrency ?? defaultConcurrency();
  const scan = await scanFolder(folder);
  const files = scan.files.map((f) => f.path);
  if (files.length === 0) throw new Error(`no photos in ${folder}`);
  const totalBytes = scan.files.reduce((sum, f) => sum + f.size, 0);
  let pixels = 0;
  for (const f of files.slice(0, 8)) {
    const meta = await sharp(f).metadata();
    pixels += (meta.width ?? 0) * (meta.height ?? 0);
  }
  const megapixels = pixels / Math.min(8, files.length) / 1e6;
  log(`${files.length} photos, ${(totalBytes / files.length / 1024 ** 2).toFixed(2)} MB and ${megapixels.toFixed(1)} MP on average; concurrency ${concurrency}`);

  // Page cache warm for both sides.
  for (const f of files) await readFile(f);

  const encoder = await loadEncoder(options.model ?? 'dim-both');
  const libraryDir = mkdtempSync(join(tmpdir(), 'dimsearch-bench-index-'));
  try {
    // Warm sharp/libvips and the encoder's kernels outside the timings.
    await decodeOnlyPass('sharp', files.slice(0, Math.min(2, files.length)), encoder.inputSize, 1, false);
    // (sharpAt2x is the same work as sharp: warm once.)
    await decodeOnlyPass('app', files.slice(0, Math.min(2, files.length)), encoder.inputSize, 1, false);
    await encoder.encode(new Float32Array(encoder.inputSize ** 2 * 3), 1);

    const decodeSeconds: Record<DecodeWay, number> = { sharp: 0, sharpAt2x: 0, app: 0 };
    const decodePasses = async (order: DecodeWay[]) => {
      for (const way of order) {
        const seconds = await decodeOnlyPass(way, files, encoder.inputSize, concurrency);
        decodeSeconds[way] += seconds;
        log(`decode-only (${way}): ${(files.length / seconds).toFixed(2)} photos/s`);
      }
    };
    await decodePasses(DECODE_WAYS);

    log('index pass (full pipeline into a new library)');
    const library = await Library.open(libraryDir, { encoder });
    let result: IndexRunResult | undefined;
    let lastLog = performance.now();
    const report = (phase: string, done: number, total: number) => {
      const now = performance.now();
      if (now - lastLog > 5000) {
        log(`  ${phase} ${done}/${total}`);
        lastLog = now;
      }
    };
    try {
      await timed(async () => {
        result = await library.indexFolder(folder, { concurrency, report });
      }, 'index');
    } finally {
      await library.close();
    }
    if (!result) throw new Error('the index run returned nothing');
    if (result.indexed === 0) throw new Error(`the indexer indexed nothing (skipped: ${result.skipped.map((s) => s.reason).join('; ')})`);
    const indexSeconds = result.seconds;
    log(`index: ${(result.indexed / indexSeconds).toFixed(2)} photos/s (${result.indexed} indexed, ${result.skipped.length} skipped)`);

    await decodePasses([...DECODE_WAYS].reverse());

    const perWay = (f: (way: DecodeWay) => number) => Object.fromEntries(DECODE_WAYS.map((way) => [way, f(way)])) as Record<DecodeWay, number>;
    const decodeOnly = perWay((way) => round((2 * files.length) / decodeSeconds[way], 3));
    const decodeOnlyPerSecond = Math.max(...Object.values(decodeOnly));
    const indexPerSecond = result.indexed / indexSeconds;
    const out: IndexBenchResult = {
      photos: result.indexed,
      indexPerSecond: round(indexPerSecond, 3),
      decodeOnlyPerSecond: round(decodeOnlyPerSecond, 3),
      ratio: round(indexPerSecond / decodeOnlyPerSecond, 3),
      decodeOnly,
      concurrency,
      megapixels: round(megapixels, 2),
      meanFileBytes: Math.round(totalBytes / files.length),
      indexSeconds: round(indexSeconds, 3),
      decodeOnlySeconds: round(files.length / decodeOnlyPerSecond, 3),
      skipped: result.skipped.length,
      backend: encoder.backend,
      wasmThreads: wasmThreads(),
      cpuMsPerPhoto: {
        index: round((1000 * cpuSeconds.index!) / result.indexed, 2),
        ...perWay((way) => round((1000 * cpuSeconds[way]!) / (2 * files.length), 2)),
      },
    };
    if (options.breakdown) {
      log('stages alone (same concurrency)');
      out.stages = await stageRates(files, encoder, concurrency);
    }
    return out;
  } finally {
    encoder.dispose();
    rmSync(libraryDir, { recursive: true, force: true });
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return parsed;
}

function isEmptyDir(dir: string): boolean {
  return statSync(dir).isDirectory() && readdirSync(dir).filter((n) => !n.startsWith('.')).length === 0;
}

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      make: { type: 'string' },
      'make-large': { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      model: { type: 'string' },
      breakdown: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const make = positiveInt('make', values.make);
  const makeLarge = positiveInt('make-large', values['make-large']);
  const size = {
    width: positiveInt('width', values.width) ?? 4000,
    height: positiveInt('height', values.height) ?? 3000,
    seed: positiveInt('seed', values.seed) ?? 1,
    log,
  };
  let folder = positionals[0];
  if (makeLarge !== undefined) {
    folder ??= join(tmpdir(), `dimsearch-bench-photos-${makeLarge}-${size.width}x${size.height}-s${size.seed}`);
    await makeLargePhotos(folder, makeLarge, size);
  } else if (!folder) {
    throw new Error('usage: bench index <folder> [--make N | --make-large N] [--width W --height H] [--concurrency C] [--breakdown] [--json]');
  } else if (!existsSync(folder) || isEmptyDir(folder)) {
    if (make === undefined) throw new Error(`folder not found or empty: ${folder} (add --make N to fill it with N large photos)`);
    await makeLargePhotos(folder, make, size);
  }
  const result = await runIndexBench({
    folder,
    concurrency: positiveInt('concurrency', values.concurrency),
    model: values.model,
    breakdown: values.breakdown,
    log,
  });
  const summary =
    `${result.photos} photos (${result.megapixels} MP): index ${result.indexPerSecond.toFixed(2)}/s, ` +
    `decode-only ${result.decodeOnlyPerSecond.toFixed(2)}/s, ratio ${result.ratio.toFixed(3)}`;
  if (values.json) {
    log(summary);
    printJson(result);
  } else {
    process.stdout.write(`${summary}\n`);
  }
}

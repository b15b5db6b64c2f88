/**
 * Edited copies: what people do to a photo before it lands in a library a second time (a crop, a
 * smaller size, a filter, a straightened horizon, a recompressed JPEG), made on demand and seeded,
 * and a score of how well an encoder finds a copy's original among all the folder's photos.
 *
 * Shared by `eval-copies`, the duplicates benchmark and the held-out comparison of "adapt to this
 * library". The edits are real image files made by sharp, so a copy goes through the very decode
 * the app uses; that decode is handed in (`PhotoDecoder`), since `ml` sits below `core`.
 *
 * One edit, each parameter drawn uniformly:
 *   rotation ±8° (then cut to the largest upright rectangle of the photo's shape inside it, so no
 *   corner is filled in); a crop of 60–90 % of that rectangle's area at the photo's aspect, or (one
 *   time in four) its largest square, anywhere in it; a rescale of the crop to 40–70 % of its side;
 *   brightness, contrast and saturation each ×(1 ± 0.25); JPEG quality 40–70.
 */
import sharp from 'sharp';
import type { ImageEncoder } from '../image-encoder';
import { Rng, deriveSeed, permutation } from '../dim/random';
import { colourLayoutOf, layoutSimilarity, likeness } from './likeness';

/** A photo (path or bytes) to the encoder's input: inputSize² × 3 float32 in [-0.5, 0.5], NHWC. */
export type PhotoDecoder = (input: string | Buffer, inputSize: number) => Promise<Float32Array>;

export interface CopyEdit {
  rotationDegrees: number;
  /** 'area': a crop of `areaShare` of the upright rectangle at the photo's aspect; 'square': its largest square. */
  crop: 'area' | 'square';
  areaShare: number;
  /** Where the crop sits in the room left around it, 0..1 on each axis. */
  offsetX: number;
  offsetY: number;
  /** Output side over crop side. */
  rescale: number;
  brightness: number;
  contrast: number;
  saturation: number;
  jpegQuality: number;
}

export const COPY_EDIT_RANGES = {
  rotationDegrees: 8,
  areaShare: [0.6, 0.9],
  squareShare: 0.25,
  rescale: [0.4, 0.7],
  jitter: 0.25,
  jpegQuality: [40, 70],
} as const;

/** Draw one edit from `rng` (the same seed gives the same edit). */
export function drawCopyEdit(rng: Rng): CopyEdit {
  const r = COPY_EDIT_RANGES;
  const jitter = () => rng.uniform(1 - r.jitter, 1 + r.jitter);
  return {
    rotationDegrees: rng.uniform(-r.rotationDegrees, r.rotationDegrees),
    crop: rng.next() < r.squareShare ? 'square' : 'area',
    areaShare: rng.uniform(r.areaShare[0], r.areaShare[1]),
    offsetX: rng.next(),
    offsetY: rng.next(),
    rescale: rng.uniform(r.rescale[0], r.rescale[1]),
    brightness: jitter(),
    contrast: jitter(),
    saturation: jitter(),
    jpegQuality: r.jpegQuality[0] + rng.int(r.jpegQuality[1] - r.jpegQuality[0] + 1),
  };
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The crop box, in the rotated canvas of a width × height photo turned by the edit's angle: the
 * largest rectangle of the photo's shape that lies inside the turned photo, then the edit's crop in it.
 */
export function copyCropBox(width: number, height: number, edit: CopyEdit, canvas?: { width: number; height: number }): Box {
  const theta = (Math.abs(edit.rotationDegrees) * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const canvasW = canvas?.width ?? Math.max(1, Math.round(width * cos + height * sin));
  const canvasH = canvas?.height ?? Math.max(1, Math.round(width * sin + height * cos));
  // A rectangle s·w × s·h, turned back, fits in w × h when s(w cos + h sin) ≤ w and s(w sin + h cos) ≤ h.
  const s = Math.min(width / (width * cos + height * sin), height / (width * sin + height * cos));
  const innerW = width * s;
  const innerH = height * s;
  let cropW: number;
  let cropH: number;
  if (edit.crop === 'square') {
    cropW = cropH = Math.min(innerW, innerH);
  } else {
    const side = Math.sqrt(edit.areaShare);
    cropW = innerW * side;
    cropH = innerH * side;
  }
  const w = Math.max(1, Math.min(canvasW, Math.floor(cropW)));
  const h = Math.max(1, Math.min(canvasH, Math.floor(cropH)));
  const innerLeft = (canvasW - innerW) / 2;
  const innerTop = (canvasH - innerH) / 2;
  const left = Math.round(innerLeft + Math.max(0, innerW - w) * edit.offsetX);
  const top = Math.round(innerTop + Math.max(0, innerH - h) * edit.offsetY);
  return {
    left: Math.max(0, Math.min(canvasW - w, left)),
    top: Math.max(0, Math.min(canvasH - h, top)),
    width: w,
    height: h,
  };
}

/** Make an edited copy of a photo as JPEG bytes. */
export async function makeEditedCopy(input: string | Buffer, edit: CopyEdit): Promise<Buffer> {
  // Three passes: sharp orders rotate and extract its own way within one pipeline, and the crop
  // must be cut from the turned photo, whose size depends on the upright photo's.
  const upright = await sharp(input, { failOn: 'error' }).autoOrient().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = upright.info;
  const turned = await sharp(upright.data, { raw: { width, height, channels } })
    .rotate(edit.rotationDegrees, { background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const canvas = { width: turned.info.width, height: turned.info.height };
  const box = copyCropBox(width, height, edit, canvas);
  const outW = Math.max(1, Math.round(box.width * edit.rescale));
  const outH = Math.max(1, Math.round(box.height * edit.rescale));
  return sharp(turned.data, { raw: { ...canvas, channels: turned.info.channels } })
    .extract(box)
    .resize(outW, outH, { fit: 'fill' })
    .modulate({ brightness: edit.brightness, saturation: edit.saturation })
    // Contrast about mid-grey: (x − 128)·c + 128.
    .linear(edit.contrast, 128 * (1 - edit.contrast))
    .jpeg({ quality: edit.jpegQuality })
    .toBuffer();
}

// ---------- the score ----------

export interface CopyScoreOptions {
  /** Edited copies to make (one each of a seeded sample of the photos); default all photos. */
  limit?: number;
  seed?: number;
  /** Photos decoded at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CopyScoreProgress) => void;
}

export interface CopyScoreProgress {
  phase: 'originals' | 'copies' | 'scoring';
  done: number;
  total: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}

export interface CopyScore {
  model: string;
  /** Copies scored. */
  n: number;
  /** Share of copies whose nearest photo is their original (0..1). */
  top1: number;
  /** Share of copies with their original among the 10 nearest (0..1). */
  top10: number;
  /** Cosine similarity of a copy to its original: 5th and 50th percentiles. */
  copyScore: { p5: number; p50: number };
  /** Cosine similarity of a copy to every other photo of the folder: 50th, 95th, 99th percentiles. */
  otherScore: { p50: number; p95: number; p99: number };
  /**
   * The same for the duplicates' likeness (./likeness.ts: the cosine and the colour layouts): copies
   * to their originals, and to every other photo out to its 1-in-10,000 tail, which sets the
   * duplicates threshold (a library of n photos has n²/2 unrelated pairs).
   */
  likeness?: { copy: { p5: number; p50: number }; other: { p99: number; p999: number; p9999: number } };
}

export interface CopyScoreDetails extends CopyScore {
  /** Photos searched among (the originals that decoded). */
  photos: number;
  failed: { path: string; reason: string }[];
  seconds: number;
}

/** The seeded sample of `count` photos the copies are made of (indexes into `paths`, in sample order). */
export function sampleForCopies(count: number, limit: number | undefined, seed: number): number[] {
  const order = permutation(count, new Rng(deriveSeed(seed, 1)));
  return Array.from(order.subarray(0, Math.min(count, limit ?? count)));
}

/** The edit of the copy made of photo `index` under `seed` (independent of the sample's size). */
export function copyEditFor(seed: number, index: number): CopyEdit {
  return drawCopyEdit(new Rng(deriveSeed(seed, 2, index)));
}

/**
 * Make an edited copy of a seeded sample of `paths`, search each among all of `paths` by cosine
 * similarity of the encoder's codes, and score: how often the original comes first or in the ten
 * nearest, and the similarity of copies to their originals against that to unrelated photos.
 */
export async function scoreCopies(
  encoder: ImageEncoder,
  paths: readonly string[],
  decode: PhotoDecoder,
  options: CopyScoreOptions = {},
): Promise<CopyScoreDetails> {
  const started = performance.now();
  const seed = options.seed ?? 0;
  const concurrency = options.concurrency ?? 4;
  if (paths.length < 2) throw new Error(`edited copies need at least 2 photos to search among, got ${paths.length}`);
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 1))
    throw new Error(`limit must be a positive integer, got ${options.limit}`);

  const failed: { path: string; reason: string }[] = [];
  // Each photo's colour layout is made beside its decode (by path index); one that cannot be made is
  // null: its pairs score as no layout match.
  const layoutOfPath = new Array<Float32Array | null>(paths.length).fill(null);
  const originals = await encodePhotos(
    encoder,
    paths.length,
    async (i) => {
      layoutOfPath[i] = await colourLayoutOf(paths[i]!).catch(() => null);
      return decode(paths[i]!, encoder.inputSize);
    },
    'originals',
    concurrency,
    options,
    (i, reason) => failed.push({ path: paths[i]!, reason }),
  );
  const bankIndex = new Int32Array(paths.length).fill(-1);
  originals.kept.forEach((pathIndex, row) => (bankIndex[pathIndex] = row));
  const bankSize = originals.kept.length;
  if (bankSize < 2) throw new Error(`only ${bankSize} of ${paths.length} photos could be decoded`);

  const sample = sampleForCopies(paths.length, options.limit, seed).filter((i) => bankIndex[i]! >= 0);
  const layoutOfCopy = new Array<Float32Array | null>(sample.length).fill(null);
  const copies = await encodePhotos(
    encoder,
    sample.length,
    async (j) => {
      // One edited copy, made once: encoded and laid out.
      const copy = await makeEditedCopy(paths[sample[j]!]!, copyEditFor(seed, sample[j]!));
      layoutOfCopy[j] = await colourLayoutOf(copy).catch(() => null);
      return decode(copy, encoder.inputSize);
    },
    'copies',
    concurrency,
    options,
    (j, reason) => failed.push({ path: `${paths[sample[j]!]} (edited copy)`, reason }),
  );

  const originalLayouts = originals.kept.map((i) => layoutOfPath[i] ?? null);
  const copyLayouts = copies.kept.map((j) => layoutOfCopy[j] ?? null);

  const dim = encoder.dim;
  const bank = normaliseRows(originals.codes, bankSize, dim);
  const queries = normaliseRows(copies.codes, copies.kept.length, dim);
  const n = copies.kept.length;
  const copyScores = new Float32Array(n);
  const otherScores = new Float32Array(n * (bankSize - 1));
  const copyLikeness = new Float32Array(n);
  const otherLikeness = new Float32Array(n * (bankSize - 1));
  let top1 = 0;
  let top10 = 0;
  const scoringStart = performance.now();
  const sims = new Float32Array(bankSize);
  for (let q = 0; q < n; q++) {
    options.signal?.throwIfAborted();
    const own = bankIndex[sample[copies.kept[q]!]!]!;
    const query = queries.subarray(q * dim, (q + 1) * dim);
    for (let b = 0; b < bankSize; b++) {
      let dot = 0;
      const row = b * dim;
      for (let d = 0; d < dim; d++) dot += query[d]! * bank[row + d]!;
      sims[b] = dot;
    }
    const ownScore = sims[own]!;
    copyScores[q] = ownScore;
    const layout = copyLayouts[q]!;
    const likenessTo = (b: number) => likeness(sims[b]!, layout && originalLayouts[b] ? layoutSimilarity(layout, originalLayouts[b]!) : null);
    copyLikeness[q] = likenessTo(own);
    // Rank of the original: photos scoring strictly higher (ties count in the original's favour).
    let above = 0;
    let o = q * (bankSize - 1);
    for (let b = 0; b < bankSize; b++) {
      if (b === own) continue;
      const s = sims[b]!;
      otherLikeness[o] = likenessTo(b);
      otherScores[o++] = s;
      if (s > ownScore) above++;
    }
    if (above === 0) top1++;
    if (above < 10) top10++;
    if (q % 64 === 0 || q === n - 1) options.onProgress?.(progressOf('scoring', q + 1, n, scoringStart));
  }
  if (n === 0) throw new Error('no edited copy could be made and decoded');
  copyScores.sort();
  otherScores.sort();
  copyLikeness.sort();
  otherLikeness.sort();
  return {
    model: encoder.name,
    n,
    top1: top1 / n,
    top10: top10 / n,
    copyScore: { p5: percentile(copyScores, 5), p50: percentile(copyScores, 50) },
    otherScore: { p50: percentile(otherScores, 50), p95: percentile(otherScores, 95), p99: percentile(otherScores, 99) },
    likeness: {
      copy: { p5: percentile(copyLikeness, 5), p50: percentile(copyLikeness, 50) },
      other: { p99: percentile(otherLikeness, 99), p999: percentile(otherLikeness, 99.9), p9999: percentile(otherLikeness, 99.99) },
    },
    photos: bankSize,
    failed,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The p-th percentile (0..100) of sorted values, linearly interpolated. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const at = (p / 100) * (n - 1);
  const lo = Math.floor(at);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Rows scaled to unit length (a zero row stays zero). */
export function normaliseRows(codes: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += codes[r * dim + d]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) out[r * dim + d] = codes[r * dim + d]! * scale;
  }
  return out;
}

const ENCODE_BATCH = 64;

/** Decode items 0..count−1 (several at once) and encode them in batches; failures reported, not thrown. */
async function encodePhotos(
  encoder: ImageEncoder,
  count: number,
  decodeItem: (i: number) => Promise<Float32Array>,
  phase: CopyScoreProgress['phase'],
  concurrency: number,
  options: CopyScoreOptions,
  onFailure: (i: number, reason: string) => void,
): Promise<{ codes: Float32Array; kept: number[] }> {
  const per = encoder.inputSize * encoder.inputSize * 3;
  const codes = new Float32Array(count * encoder.dim);
  const kept: number[] = [];
  const started = performance.now();
  for (let start = 0; start < count; start += ENCODE_BATCH) {
    options.signal?.throwIfAborted();
    const end = Math.min(count, start + ENCODE_BATCH);
    const decoded = new Array<Float32Array | null>(end - start).fill(null);
    let next = start;
    const worker = async () => {
      while (next < end) {
        const i = next++;
        try {
          decoded[i - start] = await decodeItem(i);
        } catch (error) {
          onFailure(i, error instanceof Error ? error.message : String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, end - start) }, worker));
    const good = decoded.flatMap((pixels, j) => (pixels ? [j] : []));
    if (good.length > 0) {
      const batch = new Float32Array(good.length * per);
      good.forEach((j, row) => batch.set(decoded[j]!, row * per));
      codes.set(await encoder.encode(batch, good.length), kept.length * encoder.dim);
      for (const j of good) kept.push(start + j);
    }
    options.onProgress?.(progressOf(phase, end, count, started));
  }
  return { codes: codes.subarray(0, kept.length * encoder.dim), kept };
}

function progressOf(phase: CopyScoreProgress['phase'], done: number, total: number, started: number): CopyScoreProgress {
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  return { phase, done, total, ratePerSecond: rate, etaSeconds: rate > 0 ? (total - done) / rate : null };
}

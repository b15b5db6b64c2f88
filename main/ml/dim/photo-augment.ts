/**
 * Augmented views for photos (REFERENCE's photo recipe, grown with the edits people make), on NHWC
 * float32 pixels in [-0.5, 0.5]. Each view of each image independently:
 *   (i)   a random resized crop: 20–100 % of the area, aspect 3/4–4/3, from the source square
 *         (side `sourceSize`) to the output square (side `outputSize`), bilinear;
 *   (ii)  mirrored with probability ½, turned by up to ±8° with probability 0.3 (a photo straightened);
 *   (iii) with probability 0.8, brightness, contrast and saturation jitter of ±0.4;
 *   (iv)  grey with probability 0.2; (v) a light blur with probability 0.2 (a soft copy);
 *   (vi)  with probability 0.4, what sharing does to a photo: shrunk to 40–90 % of its side, saved as
 *         JPEG at quality 30–90 (./jpeg-loss.ts) and scaled back up, so an edited, recompressed copy
 *         lands next to its original (added at epoch 23.7 of dim-photo-both; see its card).
 * The crop scale is what teaches a code what an object is; pad-and-crop (augment.ts) is too weak for
 * photos. Plain typed-array code, seeded, no tensors: the same in any runtime.
 */
import { jpegRoundTrip } from './jpeg-loss';
import { Rng } from './random';

export interface PhotoAugmentOptions {
  /** Area share of the crop, [min, max]. */
  scale: [number, number];
  /** Aspect ratio (width / height) of the crop, [min, max]. */
  ratio: [number, number];
  flipProbability: number;
  rotationProbability: number;
  /** Largest rotation, degrees. */
  maxRotationDegrees: number;
  jitterProbability: number;
  /** Brightness, contrast and saturation are each scaled by 1 ± this (brightness shifted by half of it). */
  jitter: number;
  greyProbability: number;
  blurProbability: number;
  recompressProbability: number;
  /** Side of the shrunk photo over the view's side, [min, max]. */
  recompressScale: [number, number];
  /** JPEG quality, [min, max] (whole numbers drawn uniformly). */
  jpegQuality: [number, number];
}

export const defaultPhotoAugment: PhotoAugmentOptions = {
  scale: [0.2, 1],
  ratio: [3 / 4, 4 / 3],
  flipProbability: 0.5,
  rotationProbability: 0.3,
  maxRotationDegrees: 8,
  jitterProbability: 0.8,
  jitter: 0.4,
  greyProbability: 0.2,
  blurProbability: 0.2,
  recompressProbability: 0.4,
  recompressScale: [0.4, 0.9],
  jpegQuality: [30, 90],
};

/** Bilinear sample of channel-interleaved RGB at (x, y) in source pixel coordinates, edges clamped. */
function sampleBilinear(src: Float32Array, base: number, side: number, x: number, y: number, out: Float32Array, at: number): void {
  const cx = Math.min(side - 1, Math.max(0, x));
  const cy = Math.min(side - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(side - 1, x0 + 1);
  const y1 = Math.min(side - 1, y0 + 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const p00 = base + (y0 * side + x0) * 3;
  const p01 = base + (y0 * side + x1) * 3;
  const p10 = base + (y1 * side + x0) * 3;
  const p11 = base + (y1 * side + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = src[p00 + c] + (src[p01 + c] - src[p00 + c]) * fx;
    const bottom = src[p10 + c] + (src[p11 + c] - src[p10 + c]) * fx;
    out[at + c] = top + (bottom - top) * fy;
  }
}

/** A [1, 2, 1] / 4 blur in both directions, in place (edges repeated). */
function blurInPlace(img: Float32Array, base: number, side: number, scratch: Float32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const horizontal = pass === 0;
    scratch.set(img.subarray(base, base + side * side * 3));
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const before = horizontal ? (y * side + Math.max(0, x - 1)) * 3 : (Math.max(0, y - 1) * side + x) * 3;
        const here = (y * side + x) * 3;
        const after = horizontal ? (y * side + Math.min(side - 1, x + 1)) * 3 : (Math.min(side - 1, y + 1) * side + x) * 3;
        for (let c = 0; c < 3; c++) img[base + here + c] = 0.25 * scratch[before + c] + 0.5 * scratch[here + c] + 0.25 * scratch[after + c];
      }
    }
  }
}

/**
 * Where each of the `small` output pixels along one axis takes its 4 sub-samples from, as
 * sampleBilinear would (position clamped to the side, lower tap, upper tap, weight of the upper):
 * the shrink below is separable, so it walks rows then columns with these instead of 16 bilinear
 * samples a pixel (the same sums, in another order; 5× faster).
 */
interface ShrinkTaps {
  lower: Int32Array;
  upper: Int32Array;
  weight: Float32Array;
}
const shrinkTapsCache = new Map<number, ShrinkTaps>();

function shrinkTaps(side: number, small: number): ShrinkTaps {
  const key = side * 4096 + small;
  let taps = shrinkTapsCache.get(key);
  if (!taps) {
    const step = side / small;
    taps = { lower: new Int32Array(small * 4), upper: new Int32Array(small * 4), weight: new Float32Array(small * 4) };
    for (let o = 0; o < small; o++)
      for (let s = 0; s < 4; s++) {
        const c = Math.min(side - 1, Math.max(0, (o + (s + 0.5) / 4) * step - 0.5));
        const lower = Math.floor(c);
        taps.lower[o * 4 + s] = lower;
        taps.upper[o * 4 + s] = Math.min(side - 1, lower + 1);
        taps.weight[o * 4 + s] = c - lower;
      }
    shrinkTapsCache.set(key, taps);
  }
  return taps;
}

/**
 * The view at `base` (side `side`) shrunk to side `small`: each pixel the mean of a 4 × 4 grid of
 * bilinear samples over its footprint, taken as 4 samples along each row, then 4 along each column.
 */
export function shrinkView(img: Float32Array, base: number, side: number, small: number): Float32Array {
  const { lower, upper, weight } = shrinkTaps(side, small);
  const rows = new Float32Array(side * small * 3);
  for (let y = 0; y < side; y++) {
    const row = base + y * side * 3;
    for (let x = 0; x < small; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let s = x * 4; s < x * 4 + 4; s++) {
        const a = row + lower[s]! * 3;
        const z = row + upper[s]! * 3;
        const f = weight[s]!;
        r += img[a]! + (img[z]! - img[a]!) * f;
        g += img[a + 1]! + (img[z + 1]! - img[a + 1]!) * f;
        b += img[a + 2]! + (img[z + 2]! - img[a + 2]!) * f;
      }
      const at = (y * small + x) * 3;
      rows[at] = r / 4;
      rows[at + 1] = g / 4;
      rows[at + 2] = b / 4;
    }
  }
  const shrunk = new Float32Array(small * small * 3);
  for (let y = 0; y < small; y++)
    for (let s = y * 4; s < y * 4 + 4; s++) {
      const a = lower[s]! * small * 3;
      const z = upper[s]! * small * 3;
      const f = weight[s]!;
      const at = y * small * 3;
      for (let i = 0; i < small * 3; i++) shrunk[at + i] += (rows[a + i]! + (rows[z + i]! - rows[a + i]!) * f) / 4;
    }
  return shrunk;
}

/**
 * (vi) The view at `base` (side `side`) shrunk to side `small` (shrinkView), through JPEG at
 * `quality`, and scaled back up bilinearly, in place.
 */
function recompressInPlace(img: Float32Array, base: number, side: number, small: number, quality: number): void {
  const shrunk = shrinkView(img, base, side, small);
  for (let i = 0; i < shrunk.length; i++) shrunk[i] = Math.min(255, Math.max(0, (shrunk[i]! + 0.5) * 255));
  const saved = jpegRoundTrip(shrunk, small, small, quality);
  for (let i = 0; i < saved.length; i++) saved[i] = saved[i]! / 255 - 0.5;
  const scale = small / side;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) sampleBilinear(saved, 0, small, (x + 0.5) * scale - 0.5, (y + 0.5) * scale - 0.5, img, base + (y * side + x) * 3);
}

/**
 * One augmented view of `count` source squares (side `sourceSize`) as output squares (side
 * `outputSize`).
 */
export function photoAugmentBatch(
  pixels: Float32Array,
  count: number,
  sourceSize: number,
  outputSize: number,
  rng: Rng,
  options: PhotoAugmentOptions = defaultPhotoAugment,
): Float32Array {
  const perSource = sourceSize * sourceSize * 3;
  const perOutput = outputSize * outputSize * 3;
  if (pixels.length !== count * perSource) throw new Error(`photoAugmentBatch: expected ${count * perSource} values, got ${pixels.length}`);
  const out = new Float32Array(count * perOutput);
  const scratch = new Float32Array(perOutput);
  const [logRatioLo, logRatioHi] = [Math.log(options.ratio[0]), Math.log(options.ratio[1])];
  for (let k = 0; k < count; k++) {
    const src = k * perSource;
    const dst = k * perOutput;
    // (i) crop box as fractions of the source side, centred at (cx, cy) in [-1, 1] coordinates.
    const area = rng.uniform(options.scale[0], options.scale[1]);
    const ratio = Math.exp(rng.uniform(logRatioLo, logRatioHi));
    const w = Math.min(1, Math.sqrt(area * ratio));
    const h = Math.min(1, Math.sqrt(area / ratio));
    const cx = rng.uniform(-1, 1) * (1 - w);
    const cy = rng.uniform(-1, 1) * (1 - h);
    const flip = rng.next() < options.flipProbability ? -1 : 1;
    const angle = rng.next() < options.rotationProbability ? (rng.uniform(-1, 1) * options.maxRotationDegrees * Math.PI) / 180 : 0;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const jitter = rng.next() < options.jitterProbability;
    const brightness = rng.uniform(-1, 1) * options.jitter * 0.5;
    const contrast = 1 + rng.uniform(-1, 1) * options.jitter;
    const saturation = 1 + rng.uniform(-1, 1) * options.jitter;
    const grey = rng.next() < options.greyProbability;
    const blur = rng.next() < options.blurProbability;
    const recompress = rng.next() < options.recompressProbability;
    const shrinkTo = Math.max(8, Math.round(outputSize * rng.uniform(options.recompressScale[0], options.recompressScale[1])));
    const quality = options.jpegQuality[0] + rng.int(options.jpegQuality[1] - options.jpegQuality[0] + 1);
    // (ii) output pixel centre → [-1, 1] → crop box (mirrored, turned about its centre) → source pixels.
    for (let y = 0; y < outputSize; y++) {
      const v = ((2 * y + 1) / outputSize - 1) * h;
      for (let x = 0; x < outputSize; x++) {
        const u = ((2 * x + 1) / outputSize - 1) * w * flip;
        const su = cx + cos * u - sin * v;
        const sv = cy + sin * u + cos * v;
        sampleBilinear(pixels, src, sourceSize, ((su + 1) * sourceSize - 1) / 2, ((sv + 1) * sourceSize - 1) / 2, out, dst + (y * outputSize + x) * 3);
      }
    }
    if (blur) blurInPlace(out, dst, outputSize, scratch);
    // (iii) saturation about each pixel's grey, contrast about the image mean, brightness; (iv) grey.
    let mean = 0;
    for (let i = dst; i < dst + perOutput; i++) mean += out[i];
    mean /= perOutput;
    for (let i = dst; i < dst + perOutput; i += 3) {
      let r = out[i];
      let g = out[i + 1];
      let b = out[i + 2];
      if (jitter) {
        const m = (r + g + b) / 3;
        r = (m + (r - m) * saturation - mean) * contrast + mean + brightness;
        g = (m + (g - m) * saturation - mean) * contrast + mean + brightness;
        b = (m + (b - m) * saturation - mean) * contrast + mean + brightness;
      }
      if (grey) r = g = b = (r + g + b) / 3;
      out[i] = Math.min(0.5, Math.max(-0.5, r));
      out[i + 1] = Math.min(0.5, Math.max(-0.5, g));
      out[i + 2] = Math.min(0.5, Math.max(-0.5, b));
    }
    if (recompress && shrinkTo < outputSize) recompressInPlace(out, dst, outputSize, shrinkTo, quality);
  }
  return out;
}

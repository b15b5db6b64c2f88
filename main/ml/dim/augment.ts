/**
 * Augmented views for the two-view recipe (REFERENCE.md), on NHWC float32 pixels in [-0.5, 0.5]:
 * each view independently (i) a crop of the image reflect-padded by `pad` pixels (same size as
 * the input), (ii) mirrored with probability ½, (iii) brightness shifted by up to ±0.2 and
 * contrast scaled by 0.6–1.4 (about the image's mean), (iv) turned grey with probability 0.2.
 * Plain typed-array code (no tensors, no Node imports): cheap next to a training step, and the
 * same in any runtime. Seeded.
 */
import { Rng } from './random';

export interface AugmentOptions {
  pad: number;
  flipProbability: number;
  brightness: number;
  contrast: [number, number];
  greyProbability: number;
}

export const defaultAugment: AugmentOptions = {
  pad: 4,
  flipProbability: 0.5,
  brightness: 0.2,
  contrast: [0.6, 1.4],
  greyProbability: 0.2,
};

/** Reflect an index into [0, n) (mirror without repeating the edge, like numpy's 'reflect'). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** One augmented view of a batch of `count` square RGB images of side `size`. */
export function augmentBatch(pixels: Float32Array, count: number, size: number, rng: Rng, options: AugmentOptions = defaultAugment): Float32Array {
  const per = size * size * 3;
  if (pixels.length !== count * per) throw new Error(`augmentBatch: expected ${count * per} values, got ${pixels.length}`);
  const out = new Float32Array(pixels.length);
  for (let k = 0; k < count; k++) {
    const src = k * per;
    const oy = rng.int(2 * options.pad + 1) - options.pad;
    const ox = rng.int(2 * options.pad + 1) - options.pad;
    const flip = rng.next() < options.flipProbability;
    const shift = rng.uniform(-options.brightness, options.brightness);
    const scale = rng.uniform(options.contrast[0], options.contrast[1]);
    const grey = rng.next() < options.greyProbability;
    // (i) crop of the reflect-padded image, (ii) mirror.
    for (let y = 0; y < size; y++) {
      const sy = reflect(y + oy, size);
      for (let x = 0; x < size; x++) {
        const sx = reflect((flip ? size - 1 - x : x) + ox, size);
        const s = src + (sy * size + sx) * 3;
        const d = src + (y * size + x) * 3;
        out[d] = pixels[s];
        out[d + 1] = pixels[s + 1];
        out[d + 2] = pixels[s + 2];
      }
    }
    // (iii) contrast about the image mean, brightness shift; (iv) grey.
    let mean = 0;
    for (let i = src; i < src + per; i++) mean += out[i];
    mean /= per;
    for (let i = src; i < src + per; i += 3) {
      let r = (out[i] - mean) * scale + mean + shift;
      let g = (out[i + 1] - mean) * scale + mean + shift;
      let b = (out[i + 2] - mean) * scale + mean + shift;
      if (grey) r = g = b = 0.299 * r + 0.587 * g + 0.114 * b;
      out[i] = Math.min(0.5, Math.max(-0.5, r));
      out[i + 1] = Math.min(0.5, Math.max(-0.5, g));
      out[i + 2] = Math.min(0.5, Math.max(-0.5, b));
    }
  }
  return out;
}

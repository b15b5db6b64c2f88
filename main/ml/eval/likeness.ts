/**
 * How alike two photos are as copies of one another — the duplicates' score — from two things:
 *   the cosine similarity of their codes (what is in the photo), weighted CODE_WEIGHT, and
 *   the correlation of their colour layouts (which photo it is), weighted the rest.
 * Why both: a DIM code is trained to ignore colour (jitter, grey views) and exact framing, which is
 * right for finding photos of the same kind of thing, but makes two different photos of one kind
 * score like an edited copy. A colour layout — the photo shrunk to 8 × 8, in opponent colours
 * (light, red–green, yellow–blue), each channel's brightness and contrast taken out so an edited copy
 * still matches — tells which photo it is, and is blind to what it shows. Measured with
 * `bench duplicates` (mini-ImageNet val, 1,000 photos and ~500 edited copies, dim-photo-both, two
 * seeds): pair F1 0.86 for the codes alone at their best threshold, 0.95 for the likeness at 0.775;
 * the layout alone reaches 0.68. Weights 0.75–0.85 and layouts of 6–12 px do within 0.01 of it.
 */
import sharp from 'sharp';

/** Side of the colour layout, pixels. */
export const LAYOUT_SIDE = 8;
/** Length of a layout vector: LAYOUT_SIDE² positions × 3 opponent channels. */
export const LAYOUT_LENGTH = LAYOUT_SIDE * LAYOUT_SIDE * 3;
/** Weight of the codes' cosine in the likeness; the colour layout has 1 − this. */
export const CODE_WEIGHT = 0.8;

/**
 * The colour layout of a LAYOUT_SIDE² RGB thumbnail (interleaved, 0–255): opponent channels, each
 * centred and scaled to unit spread over the positions (a flat channel stays zero), the whole made
 * unit length. Pure; a uniform photo gives the zero vector.
 */
export function colourLayout(rgb: ArrayLike<number>): Float32Array {
  const positions = LAYOUT_SIDE * LAYOUT_SIDE;
  if (rgb.length !== positions * 3) throw new Error(`colourLayout: expected ${positions * 3} values, got ${rgb.length}`);
  const out = new Float32Array(LAYOUT_LENGTH);
  for (let p = 0; p < positions; p++) {
    const [r, g, b] = [rgb[p * 3]!, rgb[p * 3 + 1]!, rgb[p * 3 + 2]!];
    out[p * 3] = (r + g + b) / 3;
    out[p * 3 + 1] = r - g;
    out[p * 3 + 2] = (r + g) / 2 - b;
  }
  let total = 0;
  for (let c = 0; c < 3; c++) {
    let mean = 0;
    for (let p = 0; p < positions; p++) mean += out[p * 3 + c]! / positions;
    let variance = 0;
    for (let p = 0; p < positions; p++) variance += (out[p * 3 + c]! - mean) ** 2 / positions;
    // Below a hundredth of a level the channel is flat: its "pattern" would be rounding noise.
    const scale = variance > 1e-4 ? 1 / Math.sqrt(variance) : 0;
    for (let p = 0; p < positions; p++) {
      const v = (out[p * 3 + c]! - mean) * scale;
      out[p * 3 + c] = v;
      total += v * v;
    }
  }
  if (total > 0) for (let i = 0; i < out.length; i++) out[i]! /= Math.sqrt(total);
  return out;
}

/** The colour layout of an image sharp can open (the whole frame, squeezed to a square, EXIF-oriented). */
export async function colourLayoutOf(input: string | Buffer | sharp.Sharp): Promise<Float32Array> {
  const image = typeof input === 'string' || Buffer.isBuffer(input) ? sharp(input, { failOn: 'error' }).autoOrient() : input;
  const rgb = await image
    .resize(LAYOUT_SIDE, LAYOUT_SIDE, { fit: 'fill', kernel: 'cubic' })
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
  return colourLayout(rgb);
}

/** Correlation of two colour layouts, −1..1 (0 when either is flat). */
export function layoutSimilarity(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < LAYOUT_LENGTH; i++) s += a[i]! * b[i]!;
  return s;
}

/** The likeness of two photos from their codes' cosine and their layouts' similarity; a missing layout counts as no match (0). */
export function likeness(cosine: number, layout: number | null): number {
  return CODE_WEIGHT * cosine + (1 - CODE_WEIGHT) * (layout ?? 0);
}

/** The lowest cosine from which a pair can reach `threshold` (with a perfect layout match): where the search for pairs starts. */
export function lowestCosineFor(threshold: number): number {
  return (threshold - (1 - CODE_WEIGHT)) / CODE_WEIGHT;
}

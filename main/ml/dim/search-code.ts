/**
 * How a model searches: what of the encoder's output the index stores and compares by cosine
 * (the search code), and the side photos are brought to for it (the search input size).
 *
 *   'global'        the code mean z_mean alone (the CIFAR models, as in the paper's retrieval).
 *   'global+local'  z_mean and the local map C's strongest response per channel (its maximum over
 *                   positions), each scaled to unit length and joined. The cosine of two such codes
 *                   is the mean of the two parts' cosines: how alike the photos are as a whole, and
 *                   how alike their most marked local features are, wherever they sit.
 *   'global+2local' the same parts, C's scaled to length √2: the cosine is (cos z_mean + 2 cos C) / 3,
 *                   C's part counting twice.
 *
 * DIM trains both parts: global MI shapes z_mean, local MI shapes C. Joined, they find more of the
 * same kind of thing than z_mean alone, and more with C counting more, but C's maxima are alike for
 * any two photos, so unrelated photos score higher and the duplicates finder, which groups by a
 * score, loses. dim-photo-both, kNN@20 / precision@10 on a split of mini-ImageNet train (400 photos
 * a class as the bank, the last 100 as queries): z_mean 28.7 / 17.4; equal parts 30.8 / 18.0; C ×√2
 * 31.0 / 18.3; C ×2 31.4 / 18.4; C ×3 31.5 / 18.2. On val (train as the bank), with edited copies
 * found first / in the top 10 (eval-copies --limit 1000 --seed 0) and the duplicates' pair F1 (bench
 * duplicates --photos 1000 --copies 250): z_mean 28.9 / 17.4, copies 96.1 / 99.2, F1 0.970; equal
 * parts 30.5 / 18.1, 97.1 / 99.3, 0.959; C ×√2 31.0 / 18.3, 97.4 / 99.5, 0.955; C ×2 31.2 / 18.4,
 * 97.6 / 99.6, 0.932. C ×√2 gains most of the search for little of the duplicates.
 * Plain tfjs-core; no Node imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EncoderOptions } from './encoder';
import type { DimEncoder } from './encoder';

export const SEARCH_CODES = ['global', 'global+local', 'global+2local'] as const;
export type SearchCode = (typeof SEARCH_CODES)[number];

export function isSearchCode(value: unknown): value is SearchCode {
  return (SEARCH_CODES as readonly unknown[]).includes(value);
}

/** A stored value as a search code; absent means 'global' (models saved before the choice existed). */
export function searchCodeOf(value: unknown, where: string): SearchCode {
  if (value === undefined) return 'global';
  if (!isSearchCode(value)) throw new Error(`${where}: unknown search code '${String(value)}' (expected ${SEARCH_CODES.join(' or ')})`);
  return value;
}

/** Length of C's part beside z_mean's unit length; 0 where the code is z_mean alone. */
const LOCAL_WEIGHT: Record<SearchCode, number> = { global: 0, 'global+local': 1, 'global+2local': Math.SQRT2 };

/** What a new model searches with: photo-recipe models the joined code, C counting twice (measured above); others z_mean. */
export function defaultSearchCode(augmentation: string): SearchCode {
  return augmentation === 'photo' ? 'global+2local' : 'global';
}

/**
 * A model may search at a larger side than it learned at (the encoder is convolutional, its codes
 * pooled, so any side works). Training shows it random crops of 20–100 % of a photo scaled to 64 px,
 * so things fill more of the frame than in a whole photo at 64 px; a larger whole photo matches that
 * scale (the "FixRes" effect, Touvron et al. 2019) and finds more of the same kind of thing, but
 * edited copies, smaller than their originals, then fall apart from them. Measured for dim-photo-both
 * with the joined code (mini-ImageNet val; kNN@20 / precision@10 with train as the bank; copies found
 * first / in the top 10 by eval-copies --limit 1000 --seed 0): 64 px 30.5 / 18.1, copies 97.1 / 99.3;
 * 96 px 33.1 / 20.2, copies 79.6 / 88.2 (80 px: copies 93.6 / 97.4). The app finds both kinds and
 * copies with one code, so the shipped models search at the side they learned at.
 *
 * A stored search input side, checked against the architecture; absent means its input size.
 */
export function searchInputSizeOf(value: unknown, options: EncoderOptions, where: string): number {
  if (value === undefined) return options.inputSize;
  const step = 2 ** options.blockWidths.length;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < options.inputSize || value % step !== 0)
    throw new Error(`${where}: search input size must be a multiple of ${step} no smaller than ${options.inputSize}, got ${String(value)}`);
  return value;
}

export function searchCodeLength(code: SearchCode, options: EncoderOptions): number {
  return code === 'global' ? options.zDim : options.zDim + options.blockWidths[options.blockWidths.length - 1];
}

const CODE_DESCRIPTIONS: Record<SearchCode, string> = {
  global: 'z_mean, compare by cosine similarity',
  'global+local':
    'z_mean and the maximum of each local feature over the map C, each scaled to unit length and joined; compare by cosine similarity (the mean of the two parts’ cosines)',
  'global+2local':
    'z_mean scaled to unit length joined with the maximum of each local feature over the map C scaled to length √2; compare by cosine similarity ((cosine of z_mean + 2 × cosine of C’s maxima) / 3)',
};

/** For the card: how a code is made and compared. */
export function describeSearchCode(code: SearchCode, searchInputSize: number, inputSize: number): string {
  const what = CODE_DESCRIPTIONS[code];
  return searchInputSize === inputSize ? what : `${what}; photos are encoded whole at ${searchInputSize}×${searchInputSize} (trained on ${inputSize} px crops)`;
}

/** Search codes of a batch, inference mode: [n, searchCodeLength]. */
export function computeSearchCode(encoder: DimEncoder, x: tf.Tensor4D, code: SearchCode): tf.Tensor2D {
  if (code === 'global') return encoder.encodeMean(x);
  return tf.tidy(() => {
    const { mean, localMax } = encoder.encodeMeanAndLocalMax(x);
    const unit = (t: tf.Tensor2D) => tf.div(t, tf.maximum(tf.norm(t, 'euclidean', 1, true), 1e-12));
    const weight = LOCAL_WEIGHT[code];
    return tf.concat([unit(mean), weight === 1 ? unit(localMax) : tf.mul(unit(localMax), weight)], 1) as tf.Tensor2D;
  });
}

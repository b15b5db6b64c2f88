/**
 * Words for cosine scores, from what a model's scores mean when measured: how edited copies of a photo
 * score against it, and how unrelated photos score (the card's `copies`, written by
 * `cli eval-copies --write-card`). A bare 0.78 says nothing to a person; "similar" does.
 *
 *   near-duplicate  ≥ copyThreshold: well above 99 % of unrelated pairs, at least halfway to 95 % of
 *                   edited copies (the Duplicates view groups by likeness, which adds the colour
 *                   layout to the cosine, so it can also group a copy this word does not reach)
 *   very similar    ≥ unrelated p99: closer than 99 % of unrelated pairs
 *   similar         ≥ unrelated p95
 *   loosely alike   ≥ unrelated p50
 *   unrelated       below that
 */
import type { ModelInfo } from '../../../main/api/contract';
import { copyThreshold } from '../../../main/ml/eval/copy-threshold';

export interface ScoreBands {
  nearDuplicate: number;
  verySimilar: number;
  similar: number;
  alike: number;
  /** Where the figures come from, for the tooltip. */
  source: string;
}

/**
 * When a card has no `copies`: dim-both measured on 300 mini-ImageNet val photos (3 of each of 100
 * classes), 1,500 edited copies (centre and corner crops to 85 %, half size at JPEG quality 40,
 * +15 % brightness, −40 % saturation) and 44,550 pairs of photos of different classes, 2026-12-05:
 * copy p5 0.839, p50 0.970; unrelated p50 0.060, p95 0.457, p99 0.610.
 */
export const FALLBACK_COPIES = { copyScore: { p5: 0.839, p50: 0.97 }, otherScore: { p50: 0.06, p95: 0.457, p99: 0.61 } };

interface Copies {
  copyScore: { p5: number; p50: number };
  otherScore: { p50: number; p95: number; p99: number };
  measuredOn?: unknown;
}

function isCopies(value: unknown): value is Copies {
  const v = value as Copies | null;
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  return !!v && num(v.copyScore?.p5) && num(v.otherScore?.p50) && num(v.otherScore?.p95) && num(v.otherScore?.p99);
}

export function scoreBands(model: Pick<ModelInfo, 'name' | 'card'> | null | undefined): ScoreBands {
  const measured = model?.card?.copies;
  const copies = isCopies(measured) ? measured : FALLBACK_COPIES;
  const source = isCopies(measured)
    ? `measured for ${model!.name}${typeof measured.measuredOn === 'string' ? ` on ${measured.measuredOn}` : ''}`
    : 'measured for dim-both on mini-ImageNet photos (this model has no measurement of its own yet)';
  const { p50, p95, p99 } = copies.otherScore;
  return { nearDuplicate: copyThreshold(copies.copyScore.p5, p99), verySimilar: p99, similar: p95, alike: p50, source };
}

export type ScoreWord = 'near-duplicate' | 'very similar' | 'similar' | 'loosely alike' | 'unrelated';

export function scoreWord(score: number, bands: ScoreBands): ScoreWord {
  if (score >= bands.nearDuplicate) return 'near-duplicate';
  if (score >= bands.verySimilar) return 'very similar';
  if (score >= bands.similar) return 'similar';
  if (score >= bands.alike) return 'loosely alike';
  return 'unrelated';
}

/** The choices of a minimum similarity: a word and the score it starts at (0: everything). */
export function minimumChoices(bands: ScoreBands): { label: string; value: number }[] {
  return [
    { label: 'any similarity', value: 0 },
    { label: 'loosely alike or closer', value: bands.alike },
    { label: 'similar or closer', value: bands.similar },
    { label: 'very similar or closer', value: bands.verySimilar },
    { label: 'near-duplicates only', value: bands.nearDuplicate },
  ];
}

/**
 * The learning rate over a run: constant, then (optionally) a cosine decay over the last stretch of
 * the planned epochs. A long run at a constant Adam rate keeps hopping around a good region; easing
 * the rate down at the end settles it there (the usual last-stretch gain of self-supervised recipes).
 */

export interface LearningRateDecay {
  /** Epoch (fractional) where the decay starts; the rate is constant before it. */
  fromEpoch: number;
  /** The rate at the last planned epoch, as a share of the base rate (0–1). */
  finalFraction: number;
}

/**
 * The rate at position `epochPosition` (epochs done, fractional) of a run planned for `epochs`.
 * Past the planned end (a run continued longer) it stays at the final rate.
 */
export function learningRateAt(base: number, epochs: number, decay: LearningRateDecay | null, epochPosition: number): number {
  if (!decay || epochPosition <= decay.fromEpoch) return base;
  const span = epochs - decay.fromEpoch;
  const t = span > 0 ? Math.min(1, (epochPosition - decay.fromEpoch) / span) : 1;
  return base * (decay.finalFraction + (1 - decay.finalFraction) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

export function checkLearningRateDecay(decay: LearningRateDecay | null, epochs: number): void {
  if (!decay) return;
  if (!(decay.fromEpoch >= 0 && decay.fromEpoch < epochs)) throw new Error(`the learning-rate decay must start before the last epoch (${epochs}), got ${decay.fromEpoch}`);
  if (!(decay.finalFraction >= 0 && decay.finalFraction <= 1)) throw new Error(`the final learning-rate share must be in [0, 1], got ${decay.finalFraction}`);
}

/** In words, for a model card. */
export function describeLearningRate(base: number, epochs: number, decay: LearningRateDecay | null): string {
  if (!decay) return `${base} (constant)`;
  return `${base} until epoch ${decay.fromEpoch}, then a cosine decay to ${base * decay.finalFraction} (${decay.finalFraction * 100} %) at epoch ${epochs}`;
}

/**
 * The slice of a library's photos kept out of a training run, so the new model and the current
 * one can be compared on photos neither trained on (without labels: the edited-copy score, the
 * information bounds, the spread of the codes). Seeded: the same photos give the same slice.
 */
import { HELD_OUT_MAX, HELD_OUT_MIN, HELD_OUT_SEED, HELD_OUT_SHARE } from '../../ml/dim/train-defaults';
import { permutation, Rng } from '../../ml/dim/random';

export interface HeldOutSplit {
  train: string[];
  heldOut: string[];
  seed: number;
  share: number;
  /** Why nothing was held out (too few photos), or null. */
  skipped: string | null;
}

/**
 * Hold out HELD_OUT_SHARE of `photos` (at least HELD_OUT_MIN, at most HELD_OUT_MAX), drawn by a
 * seeded shuffle of the sorted paths. With fewer than 2 × HELD_OUT_MIN photos nothing is held out:
 * the run trains on all of them and says so.
 */
export function splitHeldOut(photos: readonly string[], seed = HELD_OUT_SEED): HeldOutSplit {
  const sorted = [...new Set(photos)].sort();
  const n = sorted.length;
  if (n < 2 * HELD_OUT_MIN)
    return { train: sorted, heldOut: [], seed, share: 0, skipped: `${n} photos are too few to hold some out for a comparison (it needs ${2 * HELD_OUT_MIN})` };
  const count = Math.min(HELD_OUT_MAX, Math.max(HELD_OUT_MIN, Math.round(n * HELD_OUT_SHARE)));
  const order = permutation(n, new Rng(seed));
  const held = new Set(Array.from(order.subarray(0, count)));
  return {
    train: sorted.filter((_, i) => !held.has(i)),
    heldOut: sorted.filter((_, i) => held.has(i)),
    seed,
    share: count / n,
    skipped: null,
  };
}

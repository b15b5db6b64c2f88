/**
 * The scores from which two photos are called copies of each other, from a model's measured
 * edited-copy scores (card.copies, written by `eval-copies --write-card` and by publishing):
 *
 * - copyThreshold, on the codes' cosine similarity (what search shows): where the page starts to say
 *   "near-duplicate" under a search hit. Three quarters of the way from the unrelated photos' 99th
 *   percentile to 1, or the midpoint of that percentile and the edited copies' 5th percentile where
 *   that is higher. Pure: the renderer imports it.
 * - likenessThreshold, on the duplicates' likeness (codes and colour layouts, ./likeness.ts): where
 *   the Duplicates view groups. A fifth of the way from the unrelated photos' 1-in-10,000 tail to 1:
 *   a library of n photos has n²/2 unrelated pairs, so the threshold must clear the far tail, not the
 *   1 % one. Measured (`bench duplicates`, mini-ImageNet val, dim-photo-both, eval-copies' tail 0.716):
 *   0.773, against the best threshold of two seeds, 0.770–0.775.
 */
export function copyThreshold(copyP5: number, otherP99: number): number {
  const threshold = Math.min(0.999, Math.max(otherP99 + 0.75 * (1 - otherP99), (otherP99 + copyP5) / 2));
  return Math.round(threshold * 1000) / 1000;
}

export function likenessThreshold(otherP9999: number): number {
  return Math.round(Math.min(0.999, otherP9999 + 0.2 * (1 - otherP9999)) * 1000) / 1000;
}

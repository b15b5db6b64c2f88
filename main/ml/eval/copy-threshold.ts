/**
 * The similarity from which two photos are called copies of each other, from a model's measured
 * scores (card.copies): three quarters of the way from the unrelated photos' 99th percentile to 1,
 * or the midpoint of that percentile and the edited copies' 5th percentile where that is higher.
 * The duplicates grouping and the page's "near-duplicate" word both use it, so they agree.
 * Why not the midpoint alone: see main/core/duplicates/threshold.ts. Pure: the renderer imports it.
 */
export function copyThreshold(copyP5: number, otherP99: number): number {
  const threshold = Math.min(0.999, Math.max(otherP99 + 0.75 * (1 - otherP99), (otherP99 + copyP5) / 2));
  return Math.round(threshold * 1000) / 1000;
}

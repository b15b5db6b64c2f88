/**
 * Which photo of a group to keep: the most pixels, then the larger file, then the oldest (the
 * original is usually the first one made), then the path, so the choice never depends on order.
 */
export interface KeepCandidate {
  path: string;
  width: number | null;
  height: number | null;
  bytes: number;
  mtime: number;
}

const pixels = (p: KeepCandidate) => (p.width ?? 0) * (p.height ?? 0);

/** The rule's criteria in order, each negative when `a` is the better photo, with its words. */
const CRITERIA: readonly { reason: string; compare: (a: KeepCandidate, b: KeepCandidate) => number }[] = [
  { reason: 'most pixels', compare: (a, b) => pixels(b) - pixels(a) },
  { reason: 'largest file', compare: (a, b) => b.bytes - a.bytes },
  { reason: 'oldest', compare: (a, b) => a.mtime - b.mtime },
  { reason: 'first by name', compare: (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) },
];

/** Negative when `a` is the better photo to keep. */
export function compareForKeeping(a: KeepCandidate, b: KeepCandidate): number {
  for (const { compare } of CRITERIA) {
    const order = compare(a, b);
    if (order !== 0) return order;
  }
  return 0;
}

export function pickKeep<T extends KeepCandidate>(photos: readonly T[]): T {
  if (photos.length === 0) throw new Error('a group has no photos');
  return photos.reduce((best, p) => (compareForKeeping(p, best) < 0 ? p : best));
}

/**
 * Why `keep` is kept over the `others` of its group: the words of the first criterion that sets it
 * apart from the closest runner-up, or 'your pick' where the rule would keep the runner-up.
 */
export function keepReason(keep: KeepCandidate, others: readonly KeepCandidate[]): string {
  const rest = others.filter((p) => p.path !== keep.path);
  if (rest.length === 0) return 'the only one';
  const runnerUp = pickKeep(rest);
  for (const { reason, compare } of CRITERIA) {
    const order = compare(keep, runnerUp);
    if (order !== 0) return order < 0 ? reason : 'your pick';
  }
  return 'your pick';
}

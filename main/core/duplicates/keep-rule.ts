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

/** Negative when `a` is the better photo to keep. */
export function compareForKeeping(a: KeepCandidate, b: KeepCandidate): number {
  const pixels = (p: KeepCandidate) => (p.width ?? 0) * (p.height ?? 0);
  return pixels(b) - pixels(a) || b.bytes - a.bytes || a.mtime - b.mtime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

export function pickKeep<T extends KeepCandidate>(photos: readonly T[]): T {
  if (photos.length === 0) throw new Error('a group has no photos');
  return photos.reduce((best, p) => (compareForKeeping(p, best) < 0 ? p : best));
}

/**
 * Why `keep` is kept over the `others` of its group, in the words of the rule that decided it
 * against the closest runner-up ('most pixels', 'largest file', 'oldest', 'first by name').
 */
export function keepReason(keep: KeepCandidate, others: readonly KeepCandidate[]): string {
  const rest = others.filter((p) => p.path !== keep.path);
  if (rest.length === 0) return 'the only one';
  const runnerUp = pickKeep(rest);
  const pixels = (p: KeepCandidate) => (p.width ?? 0) * (p.height ?? 0);
  if (pixels(keep) !== pixels(runnerUp)) return pixels(keep) > pixels(runnerUp) ? 'most pixels' : 'your pick';
  if (keep.bytes !== runnerUp.bytes) return keep.bytes > runnerUp.bytes ? 'largest file' : 'your pick';
  if (keep.mtime !== runnerUp.mtime) return keep.mtime < runnerUp.mtime ? 'oldest' : 'your pick';
  return compareForKeeping(keep, runnerUp) < 0 ? 'first by name' : 'your pick';
}

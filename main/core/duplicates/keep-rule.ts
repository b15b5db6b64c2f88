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

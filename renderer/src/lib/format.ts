/** Small display helpers shared by views. */

const integer = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return integer.format(n);
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '–';
  return perSecond >= 100 ? integer.format(Math.round(perSecond)) : perSecond.toFixed(1);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return '<1s';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

/**
 * A path as a person reads it: the back end keeps each byte of a file name that is not UTF-8 as a
 * character of U+EF80–U+EFFF (main/core/file-names.ts); it shows as U+FFFD.
 */
export function shownPath(path: string): string {
  return path.replace(/[\uEF80-\uEFFF]/g, '\uFFFD');
}

/** Last path segment, for either separator (paths may come from Windows). */
export function baseName(path: string): string {
  const parts = shownPath(path).split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** The folder part of a path, shortened from the left when long. */
export function folderName(stored: string, max = 48): string {
  const path = shownPath(stored);
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const folder = cut > 0 ? path.slice(0, cut) : path;
  return folder.length > max ? `…${folder.slice(folder.length - max + 1)}` : folder;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a finished index job did, in a sentence: which folder was added and how many photos it
 * holds (or that it holds none), what a re-scan found changed or gone, which model's codes were
 * computed. The bare "Indexed N new or changed photos" said nothing after a deletion or a model switch.
 */
import type { JobFinished } from '../../../main/api/contract';
import { formatCount, formatDuration, shownPath } from './format';

const photos = (n: number) => `${formatCount(n)} ${n === 1 ? 'photo' : 'photos'}`;

export function describeFinished(finished: JobFinished): string {
  const took = formatDuration(finished.seconds);
  if (finished.status === 'failed') return `Indexing failed: ${finished.error ?? 'unknown error'}`;
  if (finished.status === 'cancelled') return `Indexing cancelled after ${took}; what was indexed is kept.`;
  const indexed = finished.indexed ?? 0;
  const report = finished.report;
  if (!report) return `Indexed ${photos(indexed)} in ${took}.`;
  const changes: string[] = [];
  if (indexed > 0) changes.push(`${photos(indexed)} ${report.purpose === 'model' || report.purpose === 'switch' ? 'encoded' : 'new or changed'}`);
  if (report.removed > 0) changes.push(`${photos(report.removed)} gone from disk and removed from the library`);
  const what = changes.join(', ');
  switch (report.purpose) {
    case 'add-folder': {
      const folder = shownPath(report.folder ?? 'the folder');
      if (report.found === 0) return `No photos in ${folder}: it holds no JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC or RAW files.`;
      return indexed === report.found
        ? `Added ${folder}: ${photos(report.found)} indexed in ${took}.`
        : `Added ${folder}: ${photos(report.found)}${what ? ` (${what})` : ', all already indexed'}, in ${took}.`;
    }
    case 'model':
      return `Computed ${report.modelName ?? 'the model'}'s codes: ${what || 'all were up to date'} in ${took}.`;
    case 'switch':
      return `Search now uses ${report.modelName ?? 'the chosen model'}: ${what || 'its codes were up to date'}, in ${took}.`;
    case 'exclusions': {
      // Photos under a newly excluded folder leave the index, but their files stay where they are:
      // "gone from disk" would alarm for nothing.
      const parts: string[] = [];
      if (report.removed > 0) parts.push(`${photos(report.removed)} left the index (the files are untouched)`);
      if (indexed > 0) parts.push(`${photos(indexed)} back in it`);
      return `Applied the folders to leave out: ${parts.length > 0 ? parts.join(', ') : `nothing changed (${photos(report.found)})`}.`;
    }
    case 'watch':
      return `Files changed in ${shownPath(report.folder ?? 'a folder')}: ${what || 'nothing to update'}.`;
    default:
      return what ? `Re-scanned the library: ${what}, in ${took}.` : `Re-scanned the library: nothing changed (${photos(report.found)}).`;
  }
}

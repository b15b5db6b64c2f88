/**
 * Folders to leave out, per library: glob patterns matched against paths relative to each library
 * folder ('/'-separated), e.g. `**\/node_modules` or `**\/@eaDir` (the index folders NAS boxes
 * write beside photos). A matching folder is not entered, a matching file not indexed; photos
 * already indexed under a pattern added later leave the index on the next run. Matching is
 * picomatch's (bash globs; dots matched like any character, case-sensitive as the file system).
 */
import picomatch from 'picomatch';

/** A new library's patterns: folders of thumbnails and other programs' data, never photos of one's own. */
export const DEFAULT_EXCLUSIONS: readonly string[] = ['**/node_modules', '**/@eaDir', '**/.thumbnails', '**/#recycle', '**/$RECYCLE.BIN'];

export const MAX_EXCLUSIONS = 200;

/** Trim, drop blanks and repeats; throws with a readable reason for a pattern that cannot be one. */
export function normaliseExclusions(globs: readonly string[]): string[] {
  const kept: string[] = [];
  for (const raw of globs) {
    const glob = raw.trim();
    if (glob === '' || kept.includes(glob)) continue;
    if (glob.length > 1000) throw new Error(`exclusion pattern too long (${glob.length} characters)`);
    if (glob.startsWith('/')) throw new Error(`exclusion patterns are relative to each folder: '${glob}' starts with '/' (try '**${glob}')`);
    try {
      picomatch.makeRe(glob);
    } catch (error) {
      throw new Error(`not a glob pattern: '${glob}' (${(error as Error).message})`);
    }
    kept.push(glob);
  }
  if (kept.length > MAX_EXCLUSIONS) throw new Error(`at most ${MAX_EXCLUSIONS} exclusion patterns`);
  return kept;
}

/** A test of relative paths against the patterns (null when there are none). */
export function exclusionTest(globs: readonly string[]): ((relativePath: string) => boolean) | null {
  if (globs.length === 0) return null;
  return picomatch([...globs], { dot: true });
}

/**
 * Recursive scan of a folder for photos.
 *
 * Photos are recognised by extension (case-insensitive). Hidden files and folders (name starting
 * with '.') are skipped. Symlinks are followed, but every folder is entered at most once by its real
 * path, so symlink loops (and a second route to an already scanned folder) end the descent instead
 * of recursing forever. Nothing here throws for a bad entry: unreadable folders, broken links
 * and loops are returned as skipped entries with a reason the user can read. Names that are not
 * valid UTF-8 are found by their bytes and kept as paths that map back to them (../file-names.ts).
 * Folders and files that match the library's exclusion globs are left out.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import pMap from 'p-map';
import { extname, join, relative, resolve, sep } from 'node:path';
import { onDiskPath, pathFromBytes } from '../file-names';
import { HEIC_EXTENSIONS } from './formats/heic';
import { RAW_EXTENSIONS } from './formats/raw-preview';

/** Stats in flight while scanning: enough to keep libuv's pool (4 threads) and a disk queue busy. */
const STATS_IN_FLIGHT = 16;

export const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.gif',
  '.avif',
  ...HEIC_EXTENSIONS,
  ...RAW_EXTENSIONS,
]);

export interface ScannedFile {
  /** Absolute path as reached from the scanned root (not resolved through symlinks). */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanSkip {
  path: string;
  reason: string;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: ScanSkip[];
}

export interface ScanOptions {
  signal?: AbortSignal;
  /** Folders (by real path) not to descend into, e.g. the library's own folder. */
  excludeDirs?: readonly string[];
  /** Called now and then with the number of photos found so far. */
  onProgress?: (found: number) => void;
  /** Whether a folder or file, by its path relative to the root ('/'-separated), is left out. */
  isExcluded?: (relativePath: string) => boolean;
}

/** Whether a skipped entry is a folder that could not be read (its photos may still exist). */
export function isUnreadableFolder(skip: ScanSkip): boolean {
  // A folder is listed in one call, so it is read whole or not at all.
  return skip.reason.startsWith('folder not readable');
}

export function isPhotoName(name: string): boolean {
  return PHOTO_EXTENSIONS.has(extname(name).toLowerCase());
}

/**
 * File names are bytes on Linux; Node hands them over decoded as UTF-8, each invalid byte turned
 * into U+FFFD, a string that no longer opens the file. A folder whose listing shows U+FFFD is
 * listed again by bytes, and each name kept as a path that maps back to its bytes.
 */
const REPLACEMENT_CHARACTER = '\uFFFD';

interface Entry {
  name: string;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

async function listFolder(dir: string): Promise<Entry[]> {
  const entries: Entry[] = await readdir(onDiskPath(dir) as string, { withFileTypes: true });
  if (!entries.some((entry) => entry.name.includes(REPLACEMENT_CHARACTER))) return entries;
  const raw = await readdir(onDiskPath(dir) as string, { withFileTypes: true, encoding: 'buffer' });
  return raw.map((entry) => ({
    name: pathFromBytes(entry.name),
    isDirectory: () => entry.isDirectory(),
    isFile: () => entry.isFile(),
    isSymbolicLink: () => entry.isSymbolicLink(),
  }));
}

/** The real path of a stored path, itself a stored path (bytes kept where they are not UTF-8). */
async function realPathOf(path: string): Promise<string> {
  const onDisk = onDiskPath(path);
  return typeof onDisk === 'string' ? realpath(onDisk) : pathFromBytes(await realpath(onDisk, { encoding: 'buffer' }));
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no longer exists';
    case 'ELOOP':
      return 'symlink loop';
    case 'ENOTDIR':
      return 'not a folder';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Scan `root` recursively. The root itself must be a readable folder (a clear error otherwise);
 * everything below it is reported, never thrown. Files come back sorted by path.
 */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const rootPath = resolve(root);
  let rootStat: Stats;
  try {
    rootStat = await stat(rootPath);
  } catch (error) {
    throw new Error(`cannot scan ${rootPath}: ${reasonOf(error)}`);
  }
  if (!rootStat.isDirectory()) throw new Error(`cannot scan ${rootPath}: not a folder`);

  const files: ScannedFile[] = [];
  const skipped: ScanSkip[] = [];
  const visited = new Map<string, string>(); // real path -> first path it was reached by
  const excluded = new Set(options.excludeDirs ?? []);
  const pending: string[] = [rootPath];
  let lastReport = 0;

  while (pending.length > 0) {
    options.signal?.throwIfAborted();
    const dir = pending.pop()!;
    let real: string;
    try {
      real = await realPathOf(dir);
    } catch (error) {
      skipped.push({ path: dir, reason: `folder not readable: ${reasonOf(error)}` });
      continue;
    }
    const seenAs = visited.get(real);
    if (seenAs !== undefined) {
      // Only a path that leads back into one of its own ancestors is a loop; another route to a
      // folder scanned elsewhere is simply not scanned twice.
      const loop = dir.startsWith(seenAs + '/') || dir === seenAs;
      if (loop) skipped.push({ path: dir, reason: `symlink loop (leads back to ${seenAs})` });
      continue;
    }
    visited.set(real, dir);
    if (excluded.has(real)) continue;

    // The whole listing in one call (an opendir iterator fetches 32 entries per trip to libuv's
    // pool), then the entries stat'ed several at a time: one by one, each stat is such a trip
    // (~90 µs a file here, 9 s for 100,000 photos).
    let entries: Entry[];
    try {
      entries = (await listFolder(dir)).filter((entry) => !entry.name.startsWith('.'));
    } catch (error) {
      skipped.push({ path: dir, reason: `folder not readable: ${reasonOf(error)}` });
      continue;
    }
    await pMap(
      entries,
      async (entry) => {
        const path = join(dir, entry.name);
        if (options.isExcluded?.(relative(rootPath, path).split(sep).join('/'))) return;
        if (entry.isDirectory()) {
          pending.push(path);
          return;
        }
        if (entry.isSymbolicLink()) {
          let target: Stats;
          try {
            target = await stat(onDiskPath(path));
          } catch (error) {
            if (isPhotoName(entry.name) || (error as NodeJS.ErrnoException).code === 'ELOOP') {
              skipped.push({ path, reason: `broken symlink: ${reasonOf(error)}` });
            }
            return;
          }
          if (target.isDirectory()) pending.push(path);
          else if (target.isFile() && isPhotoName(entry.name)) {
            files.push({ path, size: target.size, mtimeMs: target.mtimeMs });
          }
          return;
        }
        if (!entry.isFile() || !isPhotoName(entry.name)) return;
        try {
          const s = await stat(onDiskPath(path));
          files.push({ path, size: s.size, mtimeMs: s.mtimeMs });
        } catch (error) {
          skipped.push({ path, reason: reasonOf(error) });
        }
        if (options.onProgress && files.length - lastReport >= 500) {
          lastReport = files.length;
          options.onProgress(files.length);
        }
      },
      { concurrency: STATS_IN_FLIGHT, signal: options.signal },
    );
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  options.onProgress?.(files.length);
  return { files, skipped };
}

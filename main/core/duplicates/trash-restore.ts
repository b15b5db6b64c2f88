/**
 * Finding a file in the platform trash again and putting it back (the clean-up's undo). Where the
 * trash said where it put a file, that is where we look; else by platform:
 *   Linux and other freedesktop systems: the .trashinfo files (the `trash` package and Electron's
 *   GIO both write one, `Path=` the original path) of the home trash and of the file's volume;
 *   macOS: ~/.Trash, by name (the Finder adds a time to a name already there).
 * A candidate is taken only when its bytes hash to the recorded content hash, so another file of
 * the same name is never restored in its place.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, parse } from 'node:path';
import { contentHash, isLegacyContentHash, legacyContentHash } from '../library/content-hash';
import { onDiskPath, pathFromBytes } from '../file-names';

export interface TrashedFile {
  originalPath: string;
  hash: string;
  trashedPath?: string;
  infoPath?: string;
}

async function hashMatches(path: string, hash: string): Promise<boolean> {
  try {
    const bytes = await readFile(path);
    return (isLegacyContentHash(hash) ? legacyContentHash(bytes) : await contentHash(bytes)) === hash;
  } catch {
    return false;
  }
}

/** Freedesktop trash folders that may hold a file that was at `originalPath`. */
function freedesktopTrashDirs(originalPath: string): string[] {
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  const dirs = [join(dataHome, 'Trash')];
  // A volume's own trash sits at its top: look up every ancestor (cheap, and needs no mount table).
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  for (let dir = dirname(originalPath); ; dir = dirname(dir)) {
    dirs.push(join(dir, `.Trash-${uid}`), join(dir, '.Trash', String(uid)));
    if (dirname(dir) === dir) break;
  }
  return dirs.filter((d) => existsSync(join(d, 'info')));
}

/** A .trashinfo's Path, percent-encoded bytes (a name that is not UTF-8 included), as a stored path. */
function decodeTrashInfoPath(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const escaped = value[i] === '%' ? /^[0-9A-Fa-f]{2}$/.exec(value.slice(i + 1, i + 3)) : null;
    if (escaped) {
      bytes.push(parseInt(escaped[0], 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i]!, 'utf8'));
    }
  }
  return pathFromBytes(Buffer.from(bytes));
}

/** A .trashinfo's Path: absolute in the home trash; relative to the volume's top in a volume's trash. */
function resolveTrashInfoPath(trashDir: string, recorded: string): string {
  if (recorded.startsWith('/')) return recorded;
  const top = basename(trashDir).startsWith('.Trash-') ? dirname(trashDir) : dirname(dirname(trashDir));
  return join(top, recorded);
}

/** Where the trashed file is (and its .trashinfo, if any), or null when it cannot be found. */
export async function locateTrashed(file: TrashedFile): Promise<{ path: string; infoPath?: string } | null> {
  if (file.trashedPath && existsSync(file.trashedPath) && (await hashMatches(file.trashedPath, file.hash)))
    return { path: file.trashedPath, ...(file.infoPath ? { infoPath: file.infoPath } : {}) };
  if (process.platform === 'darwin') {
    const trashDir = join(homedir(), '.Trash');
    const { name, ext } = parse(file.originalPath);
    const entries = existsSync(trashDir) ? await readdir(trashDir) : [];
    for (const entry of entries) {
      if (!entry.startsWith(name) || extname(entry) !== ext) continue;
      const path = join(trashDir, entry);
      if (await hashMatches(path, file.hash)) return { path };
    }
    return null;
  }
  if (process.platform === 'win32') return null;
  for (const dir of freedesktopTrashDirs(file.originalPath)) {
    const infoDir = join(dir, 'info');
    for (const entry of await readdir(infoDir)) {
      if (!entry.endsWith('.trashinfo')) continue;
      const infoPath = join(infoDir, entry);
      const text = await readFile(infoPath, 'utf8').catch(() => '');
      const line = text.split('\n').find((l) => l.startsWith('Path='));
      if (!line) continue;
      const recorded = decodeTrashInfoPath(line.slice('Path='.length).trim());
      if (resolveTrashInfoPath(dir, recorded) !== file.originalPath) continue;
      const path = join(dir, 'files', entry.slice(0, -'.trashinfo'.length));
      if (existsSync(path) && (await hashMatches(path, file.hash))) return { path, infoPath };
    }
  }
  return null;
}

export class RestoreError extends Error {}

/** Put a trashed file back where it was; refuses to overwrite anything now at that path. */
export async function restoreFromTrash(file: TrashedFile): Promise<void> {
  const destination = onDiskPath(file.originalPath);
  if (existsSync(destination)) throw new RestoreError('another file is now at its place (left in the trash)');
  const found = await locateTrashed(file);
  if (!found) {
    throw new RestoreError(
      process.platform === 'win32' ? 'restore it from the Recycle Bin (dimsearch cannot look inside it)' : 'not found in the trash (emptied, or restored already)',
    );
  }
  await mkdir(onDiskPath(dirname(file.originalPath)), { recursive: true });
  try {
    await rename(found.path, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // Another volume: copy, check the copy, then drop the trashed one.
    await copyFile(found.path, destination);
    const [a, b] = await Promise.all([stat(found.path), stat(destination)]);
    if (a.size !== b.size) {
      await unlink(destination);
      throw new RestoreError('the copy back from the trash came out short (left in the trash)');
    }
    await rm(found.path, { force: true });
  }
  if (found.infoPath) await rm(found.infoPath, { force: true });
}

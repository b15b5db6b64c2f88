/**
 * The system trash, never a permanent delete. The desktop shell hands in Electron's
 * shell.trashItem (only main/app imports electron); elsewhere (web mode, CLI) the `trash` package
 * moves files to the platform's trash (freedesktop Trash on Linux, the Finder's on macOS, the
 * Recycle Bin on Windows).
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { bytesOfPath, displayPath, hasEscapedBytes, onDiskPath } from '../file-names';

export interface TrashedLocation {
  /** Where the file now lies in the trash, when the trash says so. */
  trashedPath?: string;
  /** The freedesktop .trashinfo file written beside it, when known. */
  infoPath?: string;
}

export interface Trash {
  /** What the notices call it ('the system trash', …). */
  readonly name: string;
  /** Move one file to the trash; throws (with the trash's reason) when it refuses. */
  move(path: string): Promise<TrashedLocation>;
}

/** The platform trash through the `trash` package. */
export function packageTrash(): Trash {
  return {
    name: 'the system trash',
    move: (path) =>
      movingByUtf8Name(path, async (name) => {
        const { default: trash } = await import('trash');
        // glob off: a file name with brackets or stars is a name, not a pattern.
        const result = (await trash([name], { glob: false })) as unknown;
        const first = Array.isArray(result) ? (result[0] as { path?: string; info?: string } | undefined) : undefined;
        return first?.path ? { trashedPath: first.path, ...(first.info ? { infoPath: first.info } : {}) } : {};
      }),
  };
}

/** A trash from a function that moves one file there (Electron's shell.trashItem). */
export function trashFrom(name: string, moveOne: (path: string) => Promise<void>): Trash {
  return {
    name,
    move: (path) =>
      movingByUtf8Name(path, async (utf8Name) => {
        await moveOne(utf8Name);
        return {};
      }),
  };
}

/**
 * Trashes take paths as strings, which cannot name a file whose name is not UTF-8 (file-names.ts).
 * Such a file is first renamed, in its own folder, to a UTF-8 name, and that is trashed (renamed
 * back if the trash refuses it); a freedesktop .trashinfo then gets the real name, as the
 * percent-encoded bytes the specification asks for, so the desktop's Restore puts it back under it.
 */
async function movingByUtf8Name(path: string, move: (utf8Path: string) => Promise<TrashedLocation>): Promise<TrashedLocation> {
  if (!hasEscapedBytes(path)) return move(path);
  const standIn = join(dirname(path), `.dimsearch-trashing-${randomUUID()}${extname(displayPath(path))}`);
  await rename(onDiskPath(path), onDiskPath(standIn));
  let where: TrashedLocation;
  try {
    where = await move(standIn);
  } catch (error) {
    await rename(onDiskPath(standIn), onDiskPath(path)).catch(() => undefined);
    throw error;
  }
  if (where.infoPath) {
    const info = await readFile(where.infoPath, 'utf8');
    await writeFile(where.infoPath, info.replace(/^Path=.*$/m, () => `Path=${percentEncodedPath(bytesOfPath(path))}`));
  }
  return where;
}

/** A path's bytes as a .trashinfo's Path: the characters encodeURI keeps (as the `trash` package writes them) as they are, every other byte %XX. */
function percentEncodedPath(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9;,/?:@&=+$\-_.!~*'()#]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

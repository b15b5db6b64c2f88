/**
 * Serving library images (thumbnails and original photos) safely, shared by the web server and
 * Electron's custom protocol. A request names a photo only by its numeric id; the back end maps
 * the id to a path, and the path is then confined: after resolving symlinks it must be a regular
 * file inside one of the allowed roots (the library's directory or one of its folders).
 * Anything else — malformed ids, paths that escape, links pointing out — is answered "not found".
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, sep } from 'node:path';
import type { Backend } from '../api/contract';

export type MediaKind = 'thumb' | 'photo';

/** Where the back end says a photo's thumbnail or original lives (null when unknown). */
export type MediaResolver = (kind: MediaKind, id: number) => Promise<string | null>;

/** The back end's id → file lookup (Backend.files), in the shape the confinement takes. */
export function mediaResolverOf(backend: Pick<Backend, 'files'>): MediaResolver {
  return (kind, id) => (kind === 'thumb' ? backend.files.thumbnail(id) : backend.files.photo(id));
}

const mimeByExtension: Record<string, string> = {
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

export function mimeTypeOf(path: string): string {
  return mimeByExtension[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** A photo id as it may appear in a URL: plain decimal digits, no sign, no padding tricks. */
export function parseMediaId(raw: string): number | null {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

function isInside(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' ? false : !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

/**
 * The real path of `candidate` when it is a regular file inside one of `roots` (symlinks resolved
 * on both sides), else null. Never throws for missing files.
 */
export async function confineToRoots(candidate: string, roots: readonly string[]): Promise<string | null> {
  if (!isAbsolute(candidate) || candidate.includes('\0')) return null;
  let real: string;
  try {
    real = await realpath(candidate);
    if (!(await stat(real)).isFile()) return null;
  } catch {
    return null;
  }
  for (const root of roots) {
    if (!isAbsolute(root)) continue;
    let realRoot: string;
    try {
      realRoot = await realpath(root);
    } catch {
      continue;
    }
    if (isInside(real, realRoot)) return real;
  }
  return null;
}

/**
 * Resolve a media request (`kind`, raw id text from the URL) to a servable file, or null.
 * `roots` are the directories files may come from.
 */
export async function resolveMedia(
  resolver: MediaResolver,
  kind: string,
  rawId: string,
  roots: readonly string[],
): Promise<{ path: string; mimeType: string } | null> {
  if (kind !== 'thumb' && kind !== 'photo') return null;
  const id = parseMediaId(rawId);
  if (id === null) return null;
  let candidate: string | null;
  try {
    candidate = await resolver(kind, id);
  } catch {
    return null;
  }
  if (!candidate) return null;
  const path = await confineToRoots(candidate, roots);
  return path ? { path, mimeType: mimeTypeOf(path) } : null;
}

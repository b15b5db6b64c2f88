/**
 * File names that are not valid UTF-8 (Latin-1 names from old Windows archives and cameras).
 *
 * On Linux a file name is bytes; Node decodes it as UTF-8 and turns each invalid byte into U+FFFD,
 * a string that no longer opens the file. Paths are strings everywhere in dimsearch (the store, the
 * contract, the page), so such a path is kept as a string that maps back to the exact bytes: each
 * byte of an invalid sequence becomes one character of U+EF80–U+EFFF (byte 0x80–0xFF, the mapping
 * MirBSD's OPTU-8 uses) — characters of the Private Use Area that survive SQLite, JSON and URLs.
 * A valid name that itself holds characters of that range is escaped the same way, byte by byte,
 * so the mapping is one-to-one. Every path that is valid UTF-8 and free of that range (nearly all)
 * is its own plain string, untouched.
 *
 *   storedPath (string) ──onDiskPath──▶ what fs takes: the string itself, or the exact bytes
 *   storedPath (string) ──displayPath──▶ what a person sees: U+FFFD for each undecodable byte
 */

const ESCAPE_BASE = 0xef00;
const ESCAPED = /[\uEF80-\uEFFF]/;
const ESCAPED_ALL = /[\uEF80-\uEFFF]/g;

/** Whether a stored path holds escaped bytes (so fs needs it as a Buffer). */
export function hasEscapedBytes(path: string): boolean {
  return ESCAPED.test(path);
}

/** The path of file-system bytes as dimsearch stores it (see above). */
export function pathFromBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD') && !ESCAPED.test(text)) return text;
  // Decode sequence by sequence: a valid sequence stays its character (unless in the escape
  // range), every byte of an invalid one is escaped.
  let out = '';
  let at = 0;
  while (at < bytes.length) {
    const length = validSequenceLength(bytes, at);
    if (length === 0) {
      out += String.fromCharCode(ESCAPE_BASE + bytes[at]!);
      at++;
      continue;
    }
    const char = bytes.toString('utf8', at, at + length);
    if (ESCAPED.test(char)) for (let i = 0; i < length; i++) out += String.fromCharCode(ESCAPE_BASE + bytes[at + i]!);
    else out += char;
    at += length;
  }
  return out;
}

/** The byte length of the valid UTF-8 sequence at `at`, or 0 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
function validSequenceLength(bytes: Buffer, at: number): number {
  const b0 = bytes[at]!;
  if (b0 < 0x80) return 1;
  const cont = (i: number) => at + i < bytes.length && (bytes[at + i]! & 0xc0) === 0x80;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = bytes[at + 1]!;
    if ((b0 === 0xe0 && b1 < 0xa0) || (b0 === 0xed && b1 >= 0xa0)) return 0;
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = bytes[at + 1]!;
    if ((b0 === 0xf0 && b1 < 0x90) || (b0 === 0xf4 && b1 >= 0x90)) return 0;
    return 4;
  }
  return 0;
}

/** The exact bytes of a stored path. */
export function bytesOfPath(path: string): Buffer {
  if (!ESCAPED.test(path)) return Buffer.from(path, 'utf8');
  const parts: Buffer[] = [];
  let plain = '';
  for (const char of path) {
    const code = char.charCodeAt(0);
    if (code >= 0xef80 && code <= 0xefff) {
      if (plain) parts.push(Buffer.from(plain, 'utf8'));
      plain = '';
      parts.push(Buffer.of(code - ESCAPE_BASE));
    } else {
      plain += char;
    }
  }
  if (plain) parts.push(Buffer.from(plain, 'utf8'));
  return Buffer.concat(parts);
}

/**
 * What to hand fs (open, stat, rename, …) for a stored path: the string itself for every ordinary
 * path, the exact bytes for one with escaped bytes. Whatever moves or opens library files (the
 * indexer, thumbnails, the duplicates view's trash move) goes through this.
 */
export function onDiskPath(path: string): string | Buffer {
  return ESCAPED.test(path) ? bytesOfPath(path) : path;
}

/** A stored path as a person should see it: U+FFFD for each byte that is not UTF-8. */
export function displayPath(path: string): string {
  return ESCAPED.test(path) ? path.replace(ESCAPED_ALL, '\uFFFD') : path;
}

/**
 * Which photos the decoder of a format family here must read before sharp can take over: HEIC
 * (decoded to pixels by libheif) and camera RAW (read through its embedded JPEG preview). Every
 * other file — JPEG above all, the common case, answered after two byte comparisons — goes to
 * sharp exactly as before.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { DecodeError } from '../decode-error';
import { decodeHeic, hasHeicExtension, isHeic, type DecodedPixels, type HeicDecodeOptions } from './heic';
import { isRawFile, NO_PREVIEW_REASON, RAW_EXTENSIONS, rawPreviewJpeg } from './raw-preview';

export type FormatSource =
  /** A RAW's preview carrying the RAW's orientation: the JPEG path decodes it from here. */
  | { kind: 'jpeg'; bytes: Buffer }
  /** A HEIC decoded to oriented RGB. */
  | { kind: 'pixels'; pixels: DecodedPixels };

export interface FormatOptions extends HeicDecodeOptions {
  /** The file's name: RAW files that are TIFF inside (DNG, NEF, ARW, PEF) are told apart by it. */
  name?: string;
}

/** Whether a file of this name may need a format decoder (so a path is read into bytes first). */
export function mayNeedFormatDecoder(name: string): boolean {
  return hasHeicExtension(name) || RAW_EXTENSIONS.has(extname(name).toLowerCase());
}

export function needsFormatDecoder(bytes: Buffer, name?: string): 'heic' | 'raw' | null {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) return null;
  if (isRawFile(bytes, name)) return 'raw';
  if (isHeic(bytes)) return 'heic';
  return null;
}

/** What sharp should decode instead of `input`, or null when sharp reads `input` itself. */
export async function formatSource(input: string | Buffer, options: FormatOptions): Promise<FormatSource | null> {
  let bytes: Buffer;
  if (typeof input === 'string') {
    if (!mayNeedFormatDecoder(input)) return null;
    try {
      bytes = await readFile(input);
    } catch {
      return null; // sharp names the problem (not found, permission)
    }
  } else {
    bytes = input;
  }
  const family = needsFormatDecoder(bytes, options.name ?? (typeof input === 'string' ? input : undefined));
  if (family === 'raw') {
    const jpeg = rawPreviewJpeg(bytes);
    if (!jpeg) throw new DecodeError('unsupported', NO_PREVIEW_REASON);
    return { kind: 'jpeg', bytes: jpeg };
  }
  if (family === 'heic') return { kind: 'pixels', pixels: await decodeHeic(bytes, options) };
  return null;
}

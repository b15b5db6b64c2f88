/**
 * HEIC / HEIF photos (what phones save by default), which sharp's prebuilt libvips cannot read (it
 * has no HEVC decoder): decoded by libheif in worker threads (./heic-pool.ts), to oriented RGB.
 * AVIF, also a HEIF file, stays with sharp.
 */
import { extname } from 'node:path';
import { DecodeError } from '../decode-error';
import { DEFAULT_HEIC_TIME_LIMIT_MS, HeicDecodeFailure, heicPool } from './heic-pool';

export const HEIC_EXTENSIONS: ReadonlySet<string> = new Set(['.heic', '.heif', '.hif']);

/** HEVC-coded HEIF brands; a file naming an AV1 brand is AVIF, which sharp reads. */
const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'mif2']);
const AV1_BRANDS = new Set(['avif', 'avis']);

/** Whether the bytes are a HEIF file that is not AVIF (its ftyp box's brands). */
export function isHeic(bytes: Buffer): boolean {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return false;
  const boxEnd = Math.min(bytes.readUInt32BE(0), bytes.length, 256);
  const brands = [bytes.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(bytes.toString('latin1', at, at + 4));
  return !brands.some((brand) => AV1_BRANDS.has(brand)) && brands.some((brand) => HEVC_BRANDS.has(brand));
}

export function hasHeicExtension(name: string): boolean {
  return HEIC_EXTENSIONS.has(extname(name).toLowerCase());
}

export interface DecodedPixels {
  /** Interleaved RGB. */
  data: Buffer;
  width: number;
  height: number;
  /** The primary image's own size (the pixels may come from its smaller embedded thumbnail). */
  fullWidth: number;
  fullHeight: number;
}

export interface HeicDecodeOptions {
  maxPixels: number;
  /** An embedded thumbnail at least this big may stand in for the image; omitted: the full image. */
  enough?: { long: number; short: number };
  timeLimitMs?: number;
}

/** The primary image (bursts and Live Photos hold several: the primary is the photo), oriented. */
export async function decodeHeic(bytes: Buffer, options: HeicDecodeOptions): Promise<DecodedPixels> {
  try {
    const result = await heicPool().decode(
      { bytes, maxPixels: options.maxPixels, enough: options.enough },
      options.timeLimitMs ?? DEFAULT_HEIC_TIME_LIMIT_MS,
    );
    const data = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
    return { data, width: result.width, height: result.height, fullWidth: result.fullWidth, fullHeight: result.fullHeight };
  } catch (error) {
    if (error instanceof HeicDecodeFailure) {
      throw new DecodeError(error.kind, error.kind === 'too-large' ? error.reason : `truncated or corrupt HEIC: ${error.reason}`);
    }
    throw error;
  }
}

/**
 * Camera RAW files are indexed through the largest JPEG preview the camera embedded in them, turned
 * by the RAW's own orientation: decoding the sensor data is a demosaicing job of its own, and the
 * preview is what the camera itself shows (peers such as Czkawka index RAW this way, ~8× faster).
 *
 * DNG, CR2, NEF, ARW, ORF, RW2 and PEF are TIFF structures: every IFD (the chain, sub-IFDs, EXIF)
 * is searched for JPEGs (JPEGInterchangeFormat, single JPEG strips, Panasonic's JpgFromRaw) and
 * the largest that libjpeg decodes wins. CR3 and RAF have small readers of their own.
 */
import { extname } from 'node:path';
import { cr3Preview, isCr3, type EmbeddedJpeg } from './cr3-preview';
import { decodableJpegFrame, withExifOrientation } from './jpeg-segments';
import { isRaf, rafPreview } from './raf-preview';
import { TAG, TiffStructure } from './tiff-structure';

export const RAW_EXTENSIONS: ReadonlySet<string> = new Set(['.dng', '.cr2', '.cr3', '.nef', '.nrw', '.arw', '.orf', '.rw2', '.raf', '.pef']);

export const NO_PREVIEW_REASON = 'RAW file without a usable embedded JPEG preview (dimsearch indexes RAW photos through their previews)';

/** Whether these bytes are a camera RAW: by their magic where it is distinctive, else by the file's extension. */
export function isRawFile(bytes: Buffer, name?: string): boolean {
  if (isRaf(bytes) || isCr3(bytes)) return true;
  if (bytes.length < 8) return false;
  const head = bytes.toString('latin1', 0, 4);
  if (head === 'IIRO' || head === 'IIRS' || head === 'MMOR' || head === 'IIU\0') return true; // ORF, RW2
  const tiff = head === 'II*\0' || head === 'MM\0*';
  if (tiff && bytes.toString('latin1', 8, 10) === 'CR') return true; // CR2
  return tiff && name !== undefined && RAW_EXTENSIONS.has(extname(name).toLowerCase());
}

/** The largest decodable JPEG in a TIFF-structured RAW, with IFD0's orientation. */
function tiffPreview(bytes: Buffer): EmbeddedJpeg | null {
  const tiff = TiffStructure.read(bytes);
  if (!tiff) return null;
  let best: { jpeg: Buffer; pixels: number } | null = null;
  const consider = (offset: number | null, length: number | null) => {
    if (offset === null || length === null || length < 4 || offset < 0 || offset + length > bytes.length) return;
    const jpeg = bytes.subarray(offset, offset + length);
    const frame = decodableJpegFrame(jpeg);
    if (frame && (!best || frame.width * frame.height > best.pixels)) best = { jpeg, pixels: frame.width * frame.height };
  };
  for (const ifd of tiff.ifds) {
    const { entries } = ifd;
    const jpegOffset = tiff.value(entries.get(TAG.jpegOffset));
    consider(jpegOffset === null ? null : tiff.base + jpegOffset, tiff.value(entries.get(TAG.jpegLength)));
    const strips = entries.get(TAG.stripOffsets);
    const compression = tiff.value(entries.get(TAG.compression));
    if (strips && strips.count === 1 && (compression === 6 || compression === 7)) {
      const offset = tiff.value(strips);
      consider(offset === null ? null : tiff.base + offset, tiff.value(entries.get(TAG.stripByteCounts)));
    }
    const panasonic = entries.get(TAG.panasonicJpegFromRaw);
    if (panasonic) consider(panasonic.valueOffset, panasonic.count);
  }
  return best ? { jpeg: (best as { jpeg: Buffer }).jpeg, orientation: tiff.orientation() } : null;
}

/**
 * The RAW's preview as a JPEG that carries the RAW's orientation (so the ordinary JPEG path shows
 * it upright), or null when the file has no preview libjpeg can decode.
 */
export function rawPreviewJpeg(bytes: Buffer): Buffer | null {
  if (isRaf(bytes)) {
    const jpeg = rafPreview(bytes);
    return jpeg && decodableJpegFrame(jpeg) ? jpeg : null;
  }
  const found = isCr3(bytes) ? cr3Preview(bytes) : tiffPreview(bytes);
  if (!found || !decodableJpegFrame(found.jpeg)) return null;
  return withExifOrientation(found.jpeg, found.orientation);
}

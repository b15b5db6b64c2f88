/**
 * When a photo was taken: EXIF DateTimeOriginal (else DateTimeDigitized), read straight from the
 * bytes the indexer already holds — JPEG's APP1 segment, a TIFF file itself, PNG's eXIf chunk or
 * WebP's EXIF chunk. A few dozen byte reads a photo and no dependency; anything it cannot follow
 * answers null and the file's time stands in.
 *
 * EXIF dates carry no time zone: they are read as local time, as a person reads the camera's clock.
 */

const EXIF_IFD_POINTER = 0x8769;
const DATE_TIME_ORIGINAL = 0x9003;
const DATE_TIME_DIGITIZED = 0x9004;
/** A camera with an unset clock writes 0000:00:00 or 1970; dates before photography are not believed. */
const EARLIEST = Date.UTC(1826, 0, 1);

export function dateTaken(bytes: Buffer): number | null {
  try {
    const tiff = exifBlock(bytes);
    return tiff ? dateFromTiff(tiff) : null;
  } catch {
    return null; // a damaged EXIF block is common and harmless
  }
}

/** The TIFF structure holding the EXIF tags, wherever the format keeps it. */
function exifBlock(bytes: Buffer): Buffer | null {
  if (bytes.length < 12) return null;
  // JPEG: segments FFxx + length until the image data starts.
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 4 <= bytes.length && bytes[at] === 0xff) {
      const marker = bytes[at + 1];
      if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
      const length = bytes.readUInt16BE(at + 2);
      if (marker === 0xe1 && bytes.toString('latin1', at + 4, at + 10) === 'Exif\0\0') return bytes.subarray(at + 10, at + 2 + length);
      at += 2 + length;
    }
    return null;
  }
  const head = bytes.toString('latin1', 0, 4);
  if (head === 'II*\0' || head === 'MM\0*') return bytes;
  // PNG: chunks of length + type + data + CRC.
  if (bytes.readUInt32BE(0) === 0x89504e47) {
    let at = 8;
    while (at + 8 <= bytes.length) {
      const length = bytes.readUInt32BE(at);
      const type = bytes.toString('latin1', at + 4, at + 8);
      if (type === 'eXIf') return bytes.subarray(at + 8, at + 8 + length);
      if (type === 'IDAT' || type === 'IEND') return null;
      at += 12 + length;
    }
    return null;
  }
  // WebP: RIFF chunks of type + little-endian length + data (padded to even).
  if (head === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    let at = 12;
    while (at + 8 <= bytes.length) {
      const type = bytes.toString('latin1', at, at + 4);
      const length = bytes.readUInt32LE(at + 4);
      if (type === 'EXIF') {
        const block = bytes.subarray(at + 8, at + 8 + length);
        return block.toString('latin1', 0, 6) === 'Exif\0\0' ? block.subarray(6) : block;
      }
      at += 8 + length + (length % 2);
    }
  }
  return null;
}

function dateFromTiff(tiff: Buffer): number | null {
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  /** The entries of the IFD at `offset`: tag → offset of its 12-byte entry. */
  const entries = (offset: number) => {
    const found = new Map<number, number>();
    const count = u16(offset);
    for (let i = 0; i < count; i++) found.set(u16(offset + 2 + i * 12), offset + 2 + i * 12);
    return found;
  };
  const ifd0 = entries(u32(4));
  const exifPointer = ifd0.get(EXIF_IFD_POINTER);
  if (exifPointer === undefined) return null;
  const exif = entries(u32(exifPointer + 8));
  for (const tag of [DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED]) {
    const entry = exif.get(tag);
    if (entry === undefined) continue;
    // An ASCII value of 20 bytes ("YYYY:MM:DD HH:MM:SS\0") lives at the offset the entry gives.
    const count = u32(entry + 4);
    const at = count <= 4 ? entry + 8 : u32(entry + 8);
    const time = parseExifDate(tiff.toString('latin1', at, at + Math.min(count, 32)));
    if (time !== null) return time;
  }
  return null;
}

/** "YYYY:MM:DD HH:MM:SS" (local time) → ms since 1970; null for blank, zero or impossible dates. */
export function parseExifDate(text: string): number | null {
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const time = new Date(year, month - 1, day, hour, minute, second).getTime();
  return Number.isFinite(time) && time >= EARLIEST && time <= Date.now() + 2 * 86_400_000 ? time : null;
}

/**
 * The segment structure of a JPEG, read and edited only as far as RAW previews need: the frame
 * size (and whether libjpeg can decode it: baseline or progressive, not the lossless JPEG some RAWs
 * store their sensor data in), and the EXIF orientation — a RAW's preview usually has none of its
 * own, so the RAW's is written into it (a 34-byte segment, no re-encode) and the ordinary JPEG
 * path then orients it.
 */

export interface JpegFrame {
  width: number;
  height: number;
}

const SOI = 0xd8;
const SOS = 0xda;
const APP1 = 0xe1;

/** Markers that stand alone (no length): RSTn, SOI, EOI, TEM. */
function standalone(marker: number): boolean {
  return (marker >= 0xd0 && marker <= 0xd9) || marker === 0x01;
}

interface Segment {
  marker: number;
  /** Offset of the 0xFF that starts the segment. */
  start: number;
  /** Offset just past the segment. */
  end: number;
}

/** The segments before the scan data (bounded by the buffer; stops at SOS or at damage). */
function headerSegments(bytes: Uint8Array): Segment[] {
  const segments: Segment[] = [];
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return segments;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (standalone(marker)) {
      at += 2;
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (length < 2 || at + 2 + length > bytes.length) break;
    segments.push({ marker, start: at, end: at + 2 + length });
    if (marker === SOS) break;
    at += 2 + length;
  }
  return segments;
}

/** The size of a JPEG that libjpeg decodes (SOF0–SOF2), else null. */
export function decodableJpegFrame(bytes: Uint8Array): JpegFrame | null {
  for (const segment of headerSegments(bytes)) {
    if (segment.marker >= 0xc0 && segment.marker <= 0xcf && segment.marker !== 0xc4 && segment.marker !== 0xc8 && segment.marker !== 0xcc) {
      if (segment.marker > 0xc2) return null; // lossless, hierarchical or arithmetic-coded
      if (segment.end - segment.start < 9) return null;
      const height = (bytes[segment.start + 5]! << 8) | bytes[segment.start + 6]!;
      const width = (bytes[segment.start + 7]! << 8) | bytes[segment.start + 8]!;
      return width > 0 && height > 0 ? { width, height } : null;
    }
  }
  return null;
}

function isExifSegment(bytes: Uint8Array, segment: Segment): boolean {
  return segment.marker === APP1 && Buffer.from(bytes.buffer, bytes.byteOffset + segment.start + 4, 6).toString('latin1') === 'Exif\0\0';
}

/** An APP1 segment holding only an EXIF orientation (big-endian TIFF, one IFD, one entry). */
function orientationSegment(orientation: number): Buffer {
  const segment = Buffer.alloc(36);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(34, 2);
  segment.write('Exif\0\0', 4, 'latin1');
  segment.write('MM\0*', 10, 'latin1');
  segment.writeUInt32BE(8, 14); // IFD0 right after the header
  segment.writeUInt16BE(1, 18); // one entry
  segment.writeUInt16BE(0x0112, 20); // Orientation
  segment.writeUInt16BE(3, 22); // SHORT
  segment.writeUInt32BE(1, 24);
  segment.writeUInt16BE(orientation, 28);
  segment.writeUInt32BE(0, 32); // no next IFD
  return segment;
}

/** The JPEG with `orientation` as its only EXIF (any EXIF segment it had is left out). */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Buffer {
  const exif = headerSegments(jpeg).filter((segment) => isExifSegment(jpeg, segment));
  const parts: Uint8Array[] = [jpeg.subarray(0, 2), orientationSegment(orientation)];
  let at = 2;
  for (const segment of exif) {
    parts.push(jpeg.subarray(at, segment.start));
    at = segment.end;
  }
  parts.push(jpeg.subarray(at));
  return Buffer.concat(parts);
}

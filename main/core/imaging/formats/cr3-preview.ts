/**
 * Canon CR3 (an ISO base media file, like HEIF and MP4): its preview JPEG and its orientation.
 *
 * Laid out as Canon's files are (see lclevy's "Describing the Canon Raw v3 format"): a top-level
 * `uuid` box eaf42b5e-1c98-4b88-b9fb-b7dc406e4d16 holds a `PRVW` box, whose JPEG (1620 px wide in
 * Canon's cameras) starts 24 bytes in; `moov` holds a `uuid` box 85c0b687-820f-11e0-8111-f4ce462b6a48
 * whose `CMT1` box is a TIFF structure with the orientation. The full-size JPEG in the first track
 * is not read: the preview is more than the index and the viewer need.
 */
import { TiffStructure } from './tiff-structure';

const PREVIEW_UUID = 'eaf42b5e1c984b88b9fbb7dc406e4d16';
const CANON_UUID = '85c0b687820f11e08111f4ce462b6a48';

interface Box {
  type: string;
  /** Where the box's payload starts (after the size, type and any uuid). */
  payload: number;
  end: number;
  uuid?: string;
}

/** The boxes between `start` and `end` (stops at a box that does not fit). */
export function boxesIn(bytes: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end && boxes.length < 256) {
    let size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) break;
      const big = bytes.readBigUInt64BE(at + 8);
      if (big > BigInt(end - at)) break;
      size = Number(big);
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) break;
    let uuid: string | undefined;
    if (type === 'uuid') {
      if (header + 16 > size) break;
      uuid = bytes.toString('hex', at + header, at + header + 16);
      header += 16;
    }
    boxes.push({ type, payload: at + header, end: at + size, uuid });
    at += size;
  }
  return boxes;
}

export function isCr3(bytes: Buffer): boolean {
  return bytes.length >= 12 && bytes.toString('latin1', 4, 12) === 'ftypcrx ';
}

export interface EmbeddedJpeg {
  jpeg: Buffer;
  /** The RAW's EXIF orientation (1–8). */
  orientation: number;
}

export function cr3Preview(bytes: Buffer): EmbeddedJpeg | null {
  const top = boxesIn(bytes, 0, bytes.length);
  let orientation = 1;
  const moov = top.find((box) => box.type === 'moov');
  const canon = moov && boxesIn(bytes, moov.payload, moov.end).find((box) => box.uuid === CANON_UUID);
  const cmt1 = canon && boxesIn(bytes, canon.payload, canon.end).find((box) => box.type === 'CMT1');
  if (cmt1) orientation = TiffStructure.read(bytes.subarray(0, cmt1.end), cmt1.payload)?.orientation() ?? 1;

  const container = top.find((box) => box.uuid === PREVIEW_UUID);
  // The preview uuid box's payload starts with 8 bytes of its own before the PRVW box.
  const prvw = container && boxesIn(bytes, container.payload + 8, container.end).find((box) => box.type === 'PRVW');
  if (!prvw || prvw.payload + 16 > prvw.end) return null;
  const length = bytes.readUInt32BE(prvw.payload + 12);
  const start = prvw.payload + 16;
  if (length === 0 || start + length > prvw.end) return null;
  return { jpeg: bytes.subarray(start, start + length), orientation };
}

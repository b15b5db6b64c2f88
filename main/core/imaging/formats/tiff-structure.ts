/**
 * The image file directories (IFDs) of a TIFF structure — which most camera RAW formats are (DNG,
 * CR2, NEF, ARW, ORF, RW2, PEF), and which CR3 carries for its EXIF — read only as far as finding
 * embedded JPEG previews and the orientation. Every offset is bounds-checked: a damaged or hostile
 * file yields fewer entries, never a throw or a loop (each IFD is visited once, at most 64).
 */

export const TAG = {
  subfileType: 0xfe,
  compression: 0x103,
  stripOffsets: 0x111,
  orientation: 0x112,
  stripByteCounts: 0x117,
  subIfds: 0x14a,
  jpegOffset: 0x201,
  jpegLength: 0x202,
  exifIfd: 0x8769,
  dngVersion: 0xc612,
  /** Panasonic RW2: the whole preview JPEG stored as one value. */
  panasonicJpegFromRaw: 0x2e,
} as const;

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Where the value's bytes start (inline in the entry when they fit in 4 bytes). */
  valueOffset: number;
}

export interface Ifd {
  offset: number;
  entries: Map<number, IfdEntry>;
}

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
const MAX_IFDS = 64;

export class TiffStructure {
  readonly ifds: Ifd[] = [];

  private constructor(
    readonly bytes: Buffer,
    /** Where the TIFF header starts in `bytes` (offsets in the structure count from here). */
    readonly base: number,
    readonly littleEndian: boolean,
  ) {}

  /** Parse the TIFF structure starting at `base`; null when there is no TIFF header there. */
  static read(bytes: Buffer, base = 0): TiffStructure | null {
    if (bytes.length < base + 8) return null;
    const order = bytes.toString('latin1', base, base + 2);
    if (order !== 'II' && order !== 'MM') return null;
    const tiff = new TiffStructure(bytes, base, order === 'II');
    // The magic is 42 in TIFF, other values in ORF ('RO', 'RS') and RW2 (0x55): any is accepted.
    const first = tiff.u32(base + 4);
    if (first === null) return null;
    tiff.walk(first);
    return tiff;
  }

  u16(at: number): number | null {
    if (at < 0 || at + 2 > this.bytes.length) return null;
    return this.littleEndian ? this.bytes.readUInt16LE(at) : this.bytes.readUInt16BE(at);
  }

  u32(at: number): number | null {
    if (at < 0 || at + 4 > this.bytes.length) return null;
    return this.littleEndian ? this.bytes.readUInt32LE(at) : this.bytes.readUInt32BE(at);
  }

  /** The first integer value of an entry (SHORT or LONG). */
  value(entry: IfdEntry | undefined, index = 0): number | null {
    if (!entry) return null;
    if (entry.type === 3) return this.u16(entry.valueOffset + 2 * index);
    if (entry.type === 4 || entry.type === 13) return this.u32(entry.valueOffset + 4 * index);
    return null;
  }

  /** IFD0's orientation (1–8), 1 when absent or invalid. */
  orientation(): number {
    const value = this.value(this.ifds[0]?.entries.get(TAG.orientation));
    return value !== null && value >= 1 && value <= 8 ? value : 1;
  }

  private walk(start: number): void {
    const seen = new Set<number>();
    const pending = [start];
    while (pending.length > 0 && this.ifds.length < MAX_IFDS) {
      const relative = pending.shift()!;
      if (relative === 0 || seen.has(relative)) continue;
      seen.add(relative);
      const at = this.base + relative;
      const count = this.u16(at);
      if (count === null || count === 0 || at + 2 + count * 12 + 4 > this.bytes.length) continue;
      const entries = new Map<number, IfdEntry>();
      for (let i = 0; i < count; i++) {
        const e = at + 2 + i * 12;
        const tag = this.u16(e)!;
        const type = this.u16(e + 2)!;
        const n = this.u32(e + 4)!;
        const size = (TYPE_SIZES[type] ?? 0) * n;
        const valueOffset = size <= 4 ? e + 8 : this.base + this.u32(e + 8)!;
        if (size > 4 && valueOffset + size > this.bytes.length) continue;
        entries.set(tag, { tag, type, count: n, valueOffset });
      }
      this.ifds.push({ offset: relative, entries });
      // The next IFD in the chain, then the sub-IFDs (where DNG and NEF keep their large previews)
      // and the EXIF IFD.
      const next = this.u32(at + 2 + count * 12);
      if (next) pending.push(next);
      const subs = entries.get(TAG.subIfds);
      if (subs) for (let i = 0; i < Math.min(subs.count, 16); i++) pending.push(this.value({ ...subs, type: 4 }, i) ?? 0);
      const exif = this.value(entries.get(TAG.exifIfd));
      if (exif) pending.push(exif);
    }
  }
}

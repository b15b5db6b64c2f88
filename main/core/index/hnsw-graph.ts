/**
 * The bottom layer of a saved HNSW index, read straight from the file hnswlib writes: every
 * element's code, label and links to its nearest elements. For a pass over every code (duplicate
 * grouping) this is what the index already knows, for the cost of reading one file: asking
 * hnswlib-node for each code and its neighbours instead costs ~0.1–0.2 ms of N-API copying and
 * searching per photo (`bench duplicates --n 100000`).
 *
 * The layout is hnswlib's saveIndex (hnswalg.h, unchanged since hnswlib 0.5): a 96-byte header,
 * then per element [link count: u16, flags: u8 (bit 0 = deleted), u8][maxM0 × u32 links]
 * [dim × f32 code][u64 label], then the upper layers (not read). A file that does not match this
 * layout for the expected dimension gives null, and the caller searches the index instead.
 */
import { readFileSync } from 'node:fs';

export interface HnswGraph {
  /** Elements in the file, deleted ones included. */
  count: number;
  dim: number;
  /** Links per element at most (hnswlib maxM0). */
  maxLinks: number;
  /** The label of element e. */
  labels: Float64Array;
  /** Whether element e is marked deleted. */
  deleted: Uint8Array;
  /** The links of element e: links[e * maxLinks + i] for i < linkCount[e] (element numbers, not labels). */
  links: Uint32Array;
  linkCount: Uint16Array;
  /** Element e's code (unit length in a cosine index) is codes[e * dim … (e + 1) * dim). */
  codes: Float32Array;
}

const HEADER_BYTES = 96;
const DELETE_MARK = 0x01;

export function readHnswGraph(file: string, dim: number): HnswGraph | null {
  const bytes = readFileSync(file);
  if (bytes.length < HEADER_BYTES) return null;
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const size = (at: number) => Number(header.getBigUint64(at, true));
  const offsetLevel0 = size(0);
  const count = size(16);
  const bytesPerElement = size(24);
  const labelOffset = size(32);
  const dataOffset = size(40);
  const maxLinks = size(64);
  const linkBytes = 4 + 4 * maxLinks;
  // The layout the rest of this reader assumes; anything else is another version or another file.
  const layoutMatches =
    offsetLevel0 === 0 &&
    dataOffset === linkBytes &&
    labelOffset === linkBytes + 4 * dim &&
    bytesPerElement === labelOffset + 8 &&
    maxLinks > 0 &&
    maxLinks < 65536 &&
    bytes.length >= HEADER_BYTES + count * bytesPerElement;
  if (!layoutMatches) return null;

  // Every field is 4-byte aligned in the file (96-byte header, rows of whole words), so the rows are
  // read through word views; a Buffer that does not start on a word boundary is copied first.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  const words = Math.floor(aligned.length / 4);
  const asU32 = new Uint32Array(aligned.buffer, aligned.byteOffset, words);
  const asF32 = new Float32Array(aligned.buffer, aligned.byteOffset, words);
  const labels = new Float64Array(count);
  const deleted = new Uint8Array(count);
  const links = new Uint32Array(count * maxLinks);
  const linkCount = new Uint16Array(count);
  const codes = new Float32Array(count * dim);
  for (let e = 0; e < count; e++) {
    const row = (HEADER_BYTES + e * bytesPerElement) / 4;
    const head = asU32[row]!;
    const n = head & 0xffff;
    if (n > maxLinks) return null;
    linkCount[e] = n;
    deleted[e] = (head >>> 16) & DELETE_MARK;
    const rowLinks = asU32.subarray(row + 1, row + 1 + n);
    for (const link of rowLinks) if (link >= count) return null;
    links.set(rowLinks, e * maxLinks);
    codes.set(asF32.subarray(row + dataOffset / 4, row + dataOffset / 4 + dim), e * dim);
    const label = row + labelOffset / 4;
    labels[e] = asU32[label]! + asU32[label + 1]! * 2 ** 32;
  }
  return { count, dim, maxLinks, labels, deleted, links, linkCount, codes };
}

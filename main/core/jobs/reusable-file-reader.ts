/**
 * Reads whole files into one buffer that is kept and reused: an indexing worker reads a 3 MB
 * photo every few tens of milliseconds, and a fresh buffer each time (fs.readFile) costs page
 * faults and garbage collection — 1.3–2.7 ms of CPU per 12 MP JPEG here, against 0.7 ms.
 *
 * The bytes returned are valid until the next read: one reader per worker, which finishes with a
 * photo before reading the next.
 */
import { open } from 'node:fs/promises';

/** A file larger than this gets a buffer of its own, not kept (a huge TIFF must not pin its size per worker). */
const LARGEST_KEPT_BYTES = 64 * 1024 ** 2;

export class ReusableFileReader {
  private buffer = Buffer.alloc(0);

  /** `path`: a string, or the bytes of a name that is not UTF-8 (../file-names.ts). */
  async read(path: string | Buffer): Promise<Buffer> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      let buffer = this.buffer;
      if (buffer.length < size) {
        buffer = Buffer.allocUnsafe(size > LARGEST_KEPT_BYTES ? size : Math.min(LARGEST_KEPT_BYTES, Math.max(size, 2 * buffer.length)));
        if (size <= LARGEST_KEPT_BYTES) this.buffer = buffer;
      }
      let length = 0;
      // The file may be shorter than its stat (being rewritten): stop at its end. Longer: the
      // caller sees the bytes up to the size read now, and the next change triggers a new run.
      while (length < size) {
        const { bytesRead } = await handle.read(buffer, length, size - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }
}

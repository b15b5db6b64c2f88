/**
 * Fujifilm RAF: a fixed header ('FUJIFILMCCD-RAW ') whose big-endian words at 84 and 88 give the
 * offset and length of the embedded JPEG (full size in Fujifilm's cameras). That JPEG carries the
 * camera's EXIF, orientation included, so it is used as it is.
 */

const MAGIC = 'FUJIFILMCCD-RAW ';

export function isRaf(bytes: Buffer): boolean {
  return bytes.length >= 16 && bytes.toString('latin1', 0, 16) === MAGIC;
}

/** The embedded JPEG, or null when the header points outside the file. */
export function rafPreview(bytes: Buffer): Buffer | null {
  if (bytes.length < 92) return null;
  const offset = bytes.readUInt32BE(84);
  const length = bytes.readUInt32BE(88);
  if (offset < 92 || length === 0 || offset + length > bytes.length) return null;
  return bytes.subarray(offset, offset + length);
}

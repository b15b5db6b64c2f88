/**
 * Photo → encoder input, with sharp.
 *
 * One decode per photo: EXIF auto-orient, shrink on load (JPEG/WebP decode at 1/2, 1/4, 1/8 scale)
 * to a small working copy the size of the thumbnail, alpha flattened on white, sRGB RGB. From that
 * copy, cheaply: the encoder's square input (centre square, area-averaged, float32 in [-0.5, 0.5],
 * NHWC; see ./area-resize) and the JPEG thumbnail. So indexing decodes each photo once, and a
 * search decodes a photo to the very same pixels it had when it was indexed.
 *
 * Every way a file can be bad ends in a DecodeError with a short human reason; the header is
 * inspected first (from the bytes themselves where image-size reads the format, else by sharp) so
 * an oversized image is refused before any pixel is allocated.
 */
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { coverAreaResize } from './area-resize';
import { DecodeError } from './decode-error';
import { formatSource, type FormatSource } from './formats/route';

// libvips's operation cache keeps the last 100 operations (and the images they made) alive and
// hashes every call's arguments to find repeats; the app never repeats one (each photo is decoded
// once per run), so it only costs memory and time (~0.7 ms of CPU a photo while indexing).
sharp.cache(false);

export const DEFAULT_MAX_PIXELS = 100_000_000;
export const DEFAULT_THUMBNAIL_SIZE = 256;

export { DecodeError, type DecodeErrorKind } from './decode-error';

export interface DecodeOptions {
  /** Refuse images with more pixels than this (width × height from the header). */
  maxPixels?: number;
  /** The file's name, for RAW files that only their extension tells from a TIFF (DNG, NEF, ARW, PEF). */
  name?: string;
  /** Longest a HEIC decode may take before it is stopped (a hostile file). */
  timeLimitMs?: number;
}

export interface ImageHeader {
  format: string;
  /** Size after EXIF orientation. */
  width: number;
  height: number;
}

export interface ModelInput {
  /** inputSize × inputSize × 3 float32 in [-0.5, 0.5], NHWC. */
  pixels: Float32Array;
  /** The photo's own size (after orientation). */
  width: number;
  height: number;
}

export interface ModelInputWithThumbnail extends ModelInput {
  /** JPEG bytes, long side at most the thumbnail size. */
  thumbnail: Buffer;
}

type Input = string | Buffer;

const FORMAT_NAMES: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  tiff: 'TIFF',
  gif: 'GIF',
  heif: 'AVIF/HEIF',
  avif: 'AVIF',
};

function formatName(format: string | undefined): string {
  return (format && FORMAT_NAMES[format]) ?? (format ? format.toUpperCase() : 'image');
}

/** The format a buffer's magic bytes announce (only to name it in an error). */
export function sniffFormat(bytes: Buffer): string | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && bytes.toString('latin1', 0, 3) === 'GIF') return 'gif';
  if (bytes.length >= 4 && (bytes.toString('latin1', 0, 4) === 'II*\0' || bytes.toString('latin1', 0, 4) === 'MM\0*')) return 'tiff';
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp') return 'heif';
  return undefined;
}

/** Turn whatever sharp/libvips threw into a DecodeError with a reason a user can act on. */
export function toDecodeError(error: unknown, format?: string): DecodeError {
  if (error instanceof DecodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || /Input file is missing/i.test(message)) return new DecodeError('unreadable', 'file not found');
  if (code === 'EACCES' || code === 'EPERM') return new DecodeError('unreadable', 'permission denied');
  if (code === 'EISDIR') return new DecodeError('unreadable', 'is a folder');
  if (/Input (Buffer|file) (is|contains) (empty|no data)|Input Buffer is empty/i.test(message)) {
    return new DecodeError('empty', 'empty file (0 bytes)');
  }
  if (/unsupported image format/i.test(message)) return new DecodeError('not-image', 'not an image');
  if (/pixel limit/i.test(message)) return new DecodeError('too-large', 'too large: exceeds the pixel limit');
  const name = formatName(format);
  if (/premature end|truncated|unexpected end|not enough data|short read|end of (file|stream)|read error/i.test(message)) {
    return new DecodeError('corrupt', `truncated or corrupt ${name}`);
  }
  const detail = message
    .split('\n')[0]!
    .replace(/^Input (buffer|file) has corrupt header:\s*/i, '')
    .replace(/^(VipsJpeg|VipsForeignLoad\w*|vips\w*|\w+load\w*):\s*/i, '');
  return new DecodeError('corrupt', `corrupt ${name}: ${detail}`);
}

function open(input: Input, maxPixels: number): sharp.Sharp {
  // failOn 'error': truncation and real decode errors fail, harmless warnings (stray bytes after
  // the end marker, odd but readable metadata) do not. The pixel limit is enforced by sharp too,
  // in case a header lies about its size.
  return sharp(input, { failOn: 'error', limitInputPixels: maxPixels, autoOrient: true });
}

/** Read the header only: format and oriented size; refuses empty, non-image and oversized files. */
export async function inspectImage(input: Input, options: DecodeOptions = {}): Promise<ImageHeader> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (Buffer.isBuffer(input) && input.length === 0) throw new DecodeError('empty', 'empty file (0 bytes)');
  let meta: sharp.Metadata;
  try {
    // The header read is not limited: we want its claimed size to explain the refusal.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw toDecodeError(error, Buffer.isBuffer(input) ? sniffFormat(input) : undefined);
  }
  if (!meta.format || !meta.width || !meta.height) throw new DecodeError('not-image', 'not an image');
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  if (width * height > maxPixels) throw tooLarge(width, height, maxPixels);
  return { format: meta.format, width, height };
}

function tooLarge(width: number, height: number, maxPixels: number): DecodeError {
  return new DecodeError('too-large', `too large: ${width}×${height} exceeds the limit of ${(maxPixels / 1e6).toLocaleString('en')} megapixels`);
}

/** The formats whose headers are read from the bytes (image-size's name → sharp's). */
const QUICK_HEADER_FORMATS: Record<string, string> = { jpg: 'jpeg', png: 'png', webp: 'webp' };

/**
 * The header of a JPEG, PNG or WebP read from its bytes by image-size: microseconds, against
 * ~0.2 ms of CPU and a trip through libuv's thread pool for sharp's metadata(), for every photo
 * indexed. Null where it cannot tell (another format, a damaged header): sharp then reads it and
 * names the problem. The size is the stored one turned by the EXIF orientation image-size finds;
 * orientedLike() settles it against the decoded pixels, which sharp always orients itself.
 */
export function quickHeader(bytes: Buffer): ImageHeader | null {
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    return null;
  }
  const format = size.type ? QUICK_HEADER_FORMATS[size.type] : undefined;
  if (!format || !(size.width > 0) || !(size.height > 0)) return null;
  const swap = (size.orientation ?? 1) >= 5;
  return { format, width: swap ? size.height : size.width, height: swap ? size.width : size.height };
}

/** The header a decode starts from: quick where possible, else sharp's; oversized images refused. */
async function headerOf(input: Input, options: DecodeOptions): Promise<ImageHeader> {
  const header = Buffer.isBuffer(input) && input.length > 0 ? quickHeader(input) : null;
  if (!header) return inspectImage(input, options);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (header.width * header.height > maxPixels) throw tooLarge(header.width, header.height, maxPixels);
  return header;
}

/** The header's size turned to match the decoded copy, where the two disagree about which side is long. */
function orientedLike(header: ImageHeader, copy: { width: number; height: number }): ImageHeader {
  const turned = (header.width > header.height && copy.width < copy.height) || (header.width < header.height && copy.width > copy.height);
  return turned ? { ...header, width: header.height, height: header.width } : header;
}

/**
 * The size of the working copy every decode makes first. It fits the thumbnail box (so the
 * thumbnail is that copy, JPEG-encoded, with no resize of its own), except that its short side is
 * never under twice the encoder's input (a panorama is kept tall enough to cut the input from).
 * It depends only on the photo's size and the input size, so a photo decoded for a search gives
 * exactly the pixels it had when it was indexed; and only on which side is long, not on which
 * side that is, so sharp (which applies the EXIF orientation before it resizes) places the box.
 */
export function workingCopyResize(width: number, height: number, inputSize: number): sharp.ResizeOptions {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const minShort = 2 * inputSize;
  const byLong = short * (DEFAULT_THUMBNAIL_SIZE / long) >= minShort;
  return byLong
    ? { width: DEFAULT_THUMBNAIL_SIZE, height: DEFAULT_THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true }
    : { width: minShort, height: minShort, fit: 'outside', withoutEnlargement: true };
}

interface WorkingCopy {
  data: Buffer;
  width: number;
  height: number;
}

/** The one full decode: oriented, shrunk on load to the working copy, alpha on white, sRGB, RGB. */
async function decodeWorkingCopy(input: Input, header: ImageHeader, inputSize: number, maxPixels: number): Promise<WorkingCopy> {
  return workingCopyOf(open(input, maxPixels), header, inputSize);
}

async function workingCopyOf(image: sharp.Sharp, header: ImageHeader, inputSize: number): Promise<WorkingCopy> {
  const { data, info } = await image
    .resize(workingCopyResize(header.width, header.height, inputSize))
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new DecodeError('corrupt', `unexpected decode output (${info.channels} channels)`);
  return { data, width: info.width, height: info.height };
}

function fromWorkingCopy(copy: WorkingCopy): sharp.Sharp {
  return sharp(copy.data, { raw: { width: copy.width, height: copy.height, channels: 3 } });
}

function modelInputFrom(copy: WorkingCopy, inputSize: number): Float32Array {
  return coverAreaResize(copy.data, copy.width, copy.height, inputSize);
}

/** Decode one photo to the encoder's input: inputSize² RGB float32 in [-0.5, 0.5], NHWC. */
export async function decodeForModel(input: Input, inputSize: number, options: DecodeOptions = {}): Promise<ModelInput> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const other = isJpeg(input) ? null : await formatSource(input, { ...options, maxPixels, enough: enoughFor(inputSize) });
  if (other?.kind === 'jpeg') return decodeForModel(other.bytes, inputSize, options);
  const header = other ? pixelsHeader(other) : await headerOf(input, options);
  try {
    const copy = other ? await workingCopyOf(fromPixels(other), header, inputSize) : await decodeWorkingCopy(input, header, inputSize, maxPixels);
    const { width, height } = orientedLike(header, copy);
    return { pixels: modelInputFrom(copy, inputSize), width, height };
  } catch (error) {
    throw toDecodeError(error, header.format);
  }
}

/** decodeForModel's pixels alone: the decoder handed to ml's evaluation and measurement (ml never decodes files). */
export async function decodeModelPixels(input: Input, inputSize: number): Promise<Float32Array> {
  return (await decodeForModel(input, inputSize)).pixels;
}

/** One decode of the photo, two outputs: the encoder input and a JPEG thumbnail. */
export async function decodeForModelAndThumbnail(
  input: Input,
  inputSize: number,
  options: DecodeOptions & { thumbnailSize?: number } = {},
): Promise<ModelInputWithThumbnail> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const thumbnailSize = options.thumbnailSize ?? DEFAULT_THUMBNAIL_SIZE;
  const other = isJpeg(input) ? null : await formatSource(input, { ...options, maxPixels, enough: enoughFor(inputSize, thumbnailSize) });
  if (other?.kind === 'jpeg') return decodeForModelAndThumbnail(other.bytes, inputSize, options);
  const header = other ? pixelsHeader(other) : await headerOf(input, options);
  try {
    const copy = other ? await workingCopyOf(fromPixels(other), header, inputSize) : await decodeWorkingCopy(input, header, inputSize, maxPixels);
    // The JPEG encode runs off the JS thread while the input is cut here (the async body runs now).
    const [thumbnail, pixels] = await Promise.all([
      thumbnailPipeline(fromWorkingCopy(copy), thumbnailSize).toBuffer(),
      (async () => modelInputFrom(copy, inputSize))(),
    ]);
    const { width, height } = orientedLike(header, copy);
    return { pixels, width, height, thumbnail };
  } catch (error) {
    throw toDecodeError(error, header.format);
  }
}

/** JPEG bytes, the common case, take the path they always took, without a look at other formats. */
function isJpeg(input: Input): boolean {
  return Buffer.isBuffer(input) && input.length >= 2 && input[0] === 0xff && input[1] === 0xd8;
}

/** How big a HEIC's embedded thumbnail must be to stand in for the image: the working copy's size. */
function enoughFor(inputSize: number, thumbnailSize = DEFAULT_THUMBNAIL_SIZE): { long: number; short: number } {
  return { long: Math.max(thumbnailSize, DEFAULT_THUMBNAIL_SIZE), short: 2 * inputSize };
}

/** A HEIC's header: its primary image's size (its pixels may be the smaller thumbnail's). */
function pixelsHeader(source: Extract<FormatSource, { kind: 'pixels' }>): ImageHeader {
  return { format: 'heic', width: source.pixels.fullWidth, height: source.pixels.fullHeight };
}

function fromPixels(source: Extract<FormatSource, { kind: 'pixels' }>): sharp.Sharp {
  const { data, width, height } = source.pixels;
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/**
 * Any photo the library indexes, opened for sharp at full size and oriented: sharp's own formats
 * as they are, a RAW as its preview, a HEIC decoded (its primary image). For thumbnails made after
 * the fact and for the full-size copies the viewer shows of formats browsers cannot display.
 */
export async function openAnyImage(input: Input, options: DecodeOptions = {}): Promise<sharp.Sharp> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const other = await formatSource(input, { ...options, maxPixels });
  if (!other) return open(input, maxPixels);
  return other.kind === 'jpeg' ? open(other.bytes, maxPixels) : fromPixels(other);
}

/**
 * Thumbnails are baseline JPEGs: at 256 px sharp encodes one in about 1 ms of CPU against about
 * 5 ms for a WebP at effort 2 (measured here), and indexing pays it for every photo; every browser
 * shows it. Huffman tables are not optimised: that second pass costs 0.6 ms for 3.5 % of bytes.
 * From a working copy that already fits, the resize is a no-op.
 */
export function thumbnailPipeline(image: sharp.Sharp, size: number): sharp.Sharp {
  return image
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .jpeg({ quality: 82, mozjpeg: false, optimiseCoding: false });
}

/** Pack decoded inputs into one NHWC batch buffer for ImageEncoder.encode. */
export function packBatch(inputs: readonly Float32Array[], inputSize: number): Float32Array {
  const per = inputSize * inputSize * 3;
  const batch = new Float32Array(per * inputs.length);
  inputs.forEach((pixels, i) => {
    if (pixels.length !== per) throw new Error(`packBatch: input ${i} has ${pixels.length} values, expected ${per}`);
    batch.set(pixels, i * per);
  });
  return batch;
}

/**
 * Worker thread: decodes one HEIC/HEIF image per message with libheif compiled to wasm
 * (libheif-js, LGPL, loaded only here so it stays a separate, replaceable module).
 *
 * libheif's C API is called directly on the wasm heap rather than through the package's JS
 * wrapper, because only the C API reaches what indexing needs: the primary image's size before
 * any decode (a file declaring a huge image is refused without allocating it) and its embedded
 * thumbnails (a 320 px thumbnail serves the encoder's 32 px input and the 256 px grid thumbnail at
 * a tenth of the cost of the 12 MP image). libheif applies the file's rotation and mirroring, so
 * the pixels come out oriented.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

export interface HeicRequest {
  id: number;
  bytes: Uint8Array;
  maxPixels: number;
  /**
   * Decode an embedded thumbnail instead of the image when one is at least this big (long and
   * short side, each capped by the image's own); omitted: always the full image.
   */
  enough?: { long: number; short: number };
}

export type HeicReply =
  | { id: number; ok: true; data: Uint8Array; width: number; height: number; fullWidth: number; fullHeight: number; fromThumbnail: boolean }
  | { id: number; ok: false; kind: 'corrupt' | 'too-large'; reason: string };

interface LibheifModule {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _heif_context_alloc(): number;
  _heif_context_free(ctx: number): void;
  _heif_context_read_from_memory_without_copy(err: number, ctx: number, mem: number, size: number, options: number): void;
  _heif_context_get_primary_image_handle(err: number, ctx: number, out: number): void;
  _heif_image_handle_release(handle: number): void;
  _heif_image_handle_get_width(handle: number): number;
  _heif_image_handle_get_height(handle: number): number;
  _heif_image_handle_get_number_of_thumbnails(handle: number): number;
  _heif_image_handle_get_list_of_thumbnail_IDs(handle: number, ids: number, count: number): number;
  _heif_image_handle_get_thumbnail(err: number, handle: number, id: number, out: number): void;
  _heif_decode_image(err: number, handle: number, out: number, colorspace: number, chroma: number, options: number): void;
  _heif_image_get_plane_readonly(image: number, channel: number, stride: number): number;
  _heif_image_get_width(image: number, channel: number): number;
  _heif_image_get_height(image: number, channel: number): number;
  _heif_image_release(image: number): void;
}

// libheif's enum values (heif_colorspace_RGB, heif_chroma_interleaved_RGB, heif_channel_interleaved).
const COLORSPACE_RGB = 1;
const CHROMA_INTERLEAVED_RGB = 10;
const CHANNEL_INTERLEAVED = 10;

const libheif = createRequire(import.meta.url)('libheif-js/wasm-bundle') as LibheifModule;

class HeifFailure extends Error {
  constructor(
    readonly kind: 'corrupt' | 'too-large',
    reason: string,
  ) {
    super(reason);
  }
}

/** Scratch memory for libheif's out-parameters: a heif_error (3 words) and a pointer. */
const scratch = libheif._malloc(32);
const errorAt = scratch;
const outAt = scratch + 16;
const strideAt = scratch + 20;

function check(what: string): void {
  const code = libheif.HEAP32[errorAt >> 2]!;
  if (code === 0) return;
  const messagePtr = libheif.HEAP32[(errorAt >> 2) + 2]!;
  let message = '';
  if (messagePtr) {
    const heap = libheif.HEAPU8;
    let end = messagePtr;
    while (heap[end] !== 0 && end - messagePtr < 300) end++;
    message = Buffer.from(heap.subarray(messagePtr, end)).toString('utf8');
  }
  // libheif's messages run long (with offsets and a newline): its first line is the reason.
  const detail = message.split('\n')[0]!.trim().slice(0, 160);
  throw new HeifFailure('corrupt', `${what}: ${detail || `libheif error ${code}`}`);
}

function pointerOut(): number {
  return libheif.HEAP32[outAt >> 2]!;
}

/** Decode a handle to interleaved RGB, copied out of the wasm heap. */
function decodeRgb(handle: number): { data: Uint8Array; width: number; height: number } {
  libheif._heif_decode_image(errorAt, handle, outAt, COLORSPACE_RGB, CHROMA_INTERLEAVED_RGB, 0);
  check('cannot decode the image');
  const image = pointerOut();
  try {
    const width = libheif._heif_image_get_width(image, CHANNEL_INTERLEAVED);
    const height = libheif._heif_image_get_height(image, CHANNEL_INTERLEAVED);
    const plane = libheif._heif_image_get_plane_readonly(image, CHANNEL_INTERLEAVED, strideAt);
    const stride = libheif.HEAP32[strideAt >> 2]!;
    if (!plane || width <= 0 || height <= 0) throw new HeifFailure('corrupt', 'decoder returned no pixels');
    const data = new Uint8Array(width * height * 3);
    const heap = libheif.HEAPU8;
    for (let y = 0; y < height; y++) data.set(heap.subarray(plane + y * stride, plane + y * stride + width * 3), y * width * 3);
    return { data, width, height };
  } finally {
    libheif._heif_image_release(image);
  }
}

/** The smallest embedded thumbnail of `primary` that is at least `enough`, with the image's aspect. */
function usableThumbnail(primary: number, width: number, height: number, enough: { long: number; short: number }): number | null {
  const count = libheif._heif_image_handle_get_number_of_thumbnails(primary);
  if (count <= 0) return null;
  const ids = libheif._malloc(4 * count);
  try {
    const n = libheif._heif_image_handle_get_list_of_thumbnail_IDs(primary, ids, count);
    let best: { handle: number; pixels: number } | null = null;
    const needLong = Math.min(enough.long, Math.max(width, height));
    const needShort = Math.min(enough.short, Math.min(width, height));
    for (let i = 0; i < n; i++) {
      libheif._heif_image_handle_get_thumbnail(errorAt, primary, libheif.HEAP32[(ids >> 2) + i]!, outAt);
      if (libheif.HEAP32[errorAt >> 2] !== 0) continue;
      const thumb = pointerOut();
      const w = libheif._heif_image_handle_get_width(thumb);
      const h = libheif._heif_image_handle_get_height(thumb);
      // Same shape (a thumbnail turned or cropped differently would give other pixels).
      const sameAspect = Math.abs(w / h - width / height) < 0.02 && (w >= h) === (width >= height);
      const bigEnough = Math.max(w, h) >= needLong && Math.min(w, h) >= needShort;
      if (sameAspect && bigEnough && (!best || w * h < best.pixels)) {
        if (best) libheif._heif_image_handle_release(best.handle);
        best = { handle: thumb, pixels: w * h };
      } else {
        libheif._heif_image_handle_release(thumb);
      }
    }
    return best?.handle ?? null;
  } finally {
    libheif._free(ids);
  }
}

function decode(request: HeicRequest): HeicReply {
  const { id, bytes, maxPixels, enough } = request;
  const ctx = libheif._heif_context_alloc();
  const mem = libheif._malloc(bytes.length);
  let primary = 0;
  let thumbnail: number | null = null;
  try {
    libheif.HEAPU8.set(bytes, mem);
    libheif._heif_context_read_from_memory_without_copy(errorAt, ctx, mem, bytes.length, 0);
    check('cannot read the file');
    libheif._heif_context_get_primary_image_handle(errorAt, ctx, outAt);
    check('no primary image');
    primary = pointerOut();
    const fullWidth = libheif._heif_image_handle_get_width(primary);
    const fullHeight = libheif._heif_image_handle_get_height(primary);
    if (!(fullWidth > 0 && fullHeight > 0)) throw new HeifFailure('corrupt', 'the image has no size');
    if (fullWidth * fullHeight > maxPixels) {
      throw new HeifFailure(
        'too-large',
        `too large: ${fullWidth}×${fullHeight} exceeds the limit of ${(maxPixels / 1e6).toLocaleString('en')} megapixels`,
      );
    }
    thumbnail = enough ? usableThumbnail(primary, fullWidth, fullHeight, enough) : null;
    const decoded = decodeRgb(thumbnail ?? primary);
    return { id, ok: true, ...decoded, fullWidth, fullHeight, fromThumbnail: thumbnail !== null };
  } catch (error) {
    if (error instanceof HeifFailure) return { id, ok: false, kind: error.kind, reason: error.message };
    // A wasm trap (out of bounds, out of memory) on a hostile file: this worker's heap is suspect.
    throw error;
  } finally {
    if (thumbnail) libheif._heif_image_handle_release(thumbnail);
    if (primary) libheif._heif_image_handle_release(primary);
    libheif._heif_context_free(ctx);
    libheif._free(mem);
  }
}

parentPort?.on('message', (request: HeicRequest) => {
  let reply: HeicReply;
  try {
    reply = decode(request);
  } catch (error) {
    reply = { id: request.id, ok: false, kind: 'corrupt', reason: `decoder failed: ${(error as Error).message}` };
    parentPort!.postMessage(reply);
    // Start over with a fresh heap: the pool replaces a worker that exits.
    process.exit(1);
  }
  parentPort!.postMessage(reply, reply.ok ? [reply.data.buffer as ArrayBuffer] : []);
});
parentPort?.postMessage({ ready: true });

/**
 * What saving a photo as JPEG does to it, without writing the file: JFIF colour conversion, 4:2:0
 * chroma subsampling, the 8×8 DCT quantised by the standard tables scaled to a quality as libjpeg
 * scales them, and the way back (chroma upsampled by libjpeg's "fancy" triangle filter). The entropy
 * coding that a real encoder adds is lossless, so it is left out. Used by the photo augmentation
 * (recompressed copies); synchronous and allocation-light because it runs for every training view.
 * Checked against sharp's real JPEG round trip (test/unit/ml/jpeg-loss.test.ts). Why not a library:
 * jpeg-js, the pure-JS codec, spends ~50 ms building its tables on every encode, 100× this.
 */

/** ITU T.81 Annex K tables, natural (row-major) order. */
const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_TABLE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** libjpeg's jpeg_quality_scaling and jpeg_add_quant_table (baseline: entries clamped to 1..255). */
export function quantisationTable(base: readonly number[], quality: number): Float64Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return Float64Array.from(base, (b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

/** cosines[u * 8 + x] = c(u) cos((2x + 1)uπ / 16) / 2: the orthonormal 8-point DCT-II matrix. */
const COSINES = (() => {
  const m = new Float64Array(64);
  for (let u = 0; u < 8; u++) for (let x = 0; x < 8; x++) m[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * 0.5;
  return m;
})();

/** Quantise one plane in place, block by block (the plane is padded to whole blocks by repeating its edge, as encoders do). */
function quantisePlane(plane: Float64Array, width: number, height: number, table: Float64Array, block: Float64Array, temp: Float64Array): void {
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const sy = Math.min(height - 1, by + y);
        for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[sy * width + Math.min(width - 1, bx + x)]! - 128;
      }
      // Forward DCT (rows then columns), quantise, inverse DCT.
      for (let y = 0; y < 8; y++)
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += COSINES[u * 8 + x]! * block[y * 8 + x]!;
          temp[y * 8 + u] = s;
        }
      for (let v = 0; v < 8; v++)
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += COSINES[v * 8 + y]! * temp[y * 8 + u]!;
          const q = table[v * 8 + u]!;
          block[v * 8 + u] = Math.round(s / q) * q;
        }
      for (let v = 0; v < 8; v++)
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let u = 0; u < 8; u++) s += COSINES[u * 8 + x]! * block[v * 8 + u]!;
          temp[v * 8 + x] = s;
        }
      for (let y = 0; y < 8 && by + y < height; y++)
        for (let x = 0; x < 8 && bx + x < width; x++) {
          let s = 0;
          for (let v = 0; v < 8; v++) s += COSINES[v * 8 + y]! * temp[v * 8 + x]!;
          plane[(by + y) * width + bx + x] = Math.min(255, Math.max(0, Math.round(s + 128)));
        }
    }
  }
}

/** A chroma sample upsampled: ¾ its own, ¼ the next one toward the pixel, per axis (a function, not a closure per pixel: this runs for every pixel of every recompressed view). */
function fancy(p: Float64Array, cw: number, cy: number, cx: number, ny: number, nx: number): number {
  return (9 * p[cy * cw + cx]! + 3 * p[cy * cw + nx]! + 3 * p[ny * cw + cx]! + p[ny * cw + nx]!) / 16;
}

/**
 * An RGB image (interleaved, values 0–255, width × height) as it reads back after being saved as a
 * baseline JPEG at `quality` (1–100) with 4:2:0 chroma, rounded to whole levels. Returns a new array.
 */
export function jpegRoundTrip(rgb: Float32Array, width: number, height: number, quality: number): Float32Array {
  const n = width * height;
  if (rgb.length !== n * 3) throw new Error(`jpegRoundTrip: expected ${n * 3} values, got ${rgb.length}`);
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const luma = new Float64Array(n);
  const cb = new Float64Array(cw * ch);
  const cr = new Float64Array(cw * ch);
  const counts = new Float64Array(cw * ch);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const [r, g, b] = [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
      luma[y * width + x] = 0.299 * r + 0.587 * g + 0.114 * b;
      // 4:2:0: each chroma sample is the mean of its 2 × 2 pixels.
      const c = (y >> 1) * cw + (x >> 1);
      cb[c] += -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
      cr[c] += 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
      counts[c]++;
    }
  for (let c = 0; c < cw * ch; c++) {
    cb[c] /= counts[c]!;
    cr[c] /= counts[c]!;
  }
  const block = new Float64Array(64);
  const temp = new Float64Array(64);
  quantisePlane(luma, width, height, quantisationTable(LUMA_TABLE, quality), block, temp);
  const chromaTable = quantisationTable(CHROMA_TABLE, quality);
  quantisePlane(cb, cw, ch, chromaTable, block, temp);
  quantisePlane(cr, cw, ch, chromaTable, block, temp);
  const out = new Float32Array(n * 3);
  for (let y = 0; y < height; y++) {
    // Fancy upsampling: each output pixel weighs its chroma sample ¾ and the next one toward it ¼, per axis.
    const cy = (y >> 1) as number;
    const ny = Math.min(ch - 1, Math.max(0, y & 1 ? cy + 1 : cy - 1));
    for (let x = 0; x < width; x++) {
      const cx = x >> 1;
      const nx = Math.min(cw - 1, Math.max(0, x & 1 ? cx + 1 : cx - 1));
      const yy = luma[y * width + x]!;
      const b = fancy(cb, cw, cy, cx, ny, nx) - 128;
      const r = fancy(cr, cw, cy, cx, ny, nx) - 128;
      const i = (y * width + x) * 3;
      out[i] = Math.min(255, Math.max(0, Math.round(yy + 1.402 * r)));
      out[i + 1] = Math.min(255, Math.max(0, Math.round(yy - 0.344136 * b - 0.714136 * r)));
      out[i + 2] = Math.min(255, Math.max(0, Math.round(yy + 1.772 * b)));
    }
  }
  return out;
}

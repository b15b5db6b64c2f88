/**
 * The encoder's square input cut from a decoded RGB working copy: the centred square (what
 * sharp's fit 'cover' keeps), resampled by area averaging — each output pixel is the mean of the
 * input area it covers, edge pixels weighted by the fraction inside. Rounded to 8 bits like a
 * decoded image, then scaled to [-0.5, 0.5].
 *
 * Why not a second sharp call: a sharp pipeline costs about 1 ms of fixed overhead (buffer copy,
 * pipeline and thread set-up) on a 256 px copy, against about 0.2 ms for this in JS, and indexing
 * pays it for every photo.
 */

/** For each output index, the input indices it overlaps and the share of each (summing to 1). */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  /** Offset of output i's weights in `weights` is i × stride. */
  stride: number;
}

function areaTaps(start: number, span: number, outSize: number, limit: number): Taps {
  const scale = span / outSize;
  const stride = Math.ceil(scale) + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const from = start + i * scale;
    // Rounding must not reach past the image's last pixel.
    const to = Math.min(from + scale, limit);
    const j0 = Math.floor(from);
    let n = 0;
    for (let j = j0; j < to && n < stride; j++, n++) {
      weights[i * stride + n] = (Math.min(to, j + 1) - Math.max(from, j)) / scale;
    }
    first[i] = j0;
    count[i] = n;
  }
  return { first, count, weights, stride };
}

/** The horizontal pass's rows, kept between calls (150 KB a photo would be garbage otherwise). */
let rowsScratch = new Float64Array(0);
function scratch(length: number): Float64Array {
  if (rowsScratch.length < length) rowsScratch = new Float64Array(length);
  return rowsScratch;
}

/**
 * `rgb` is width × height × 3 bytes (row-major, interleaved). Returns size × size × 3 float32 in
 * [-0.5, 0.5] (NHWC). An image already size × size comes back pixel for pixel.
 */
export function coverAreaResize(rgb: Uint8Array, width: number, height: number, size: number): Float32Array {
  if (rgb.length !== width * height * 3) throw new Error(`coverAreaResize: ${rgb.length} bytes for ${width}×${height}×3`);
  const side = Math.min(width, height);
  const xs = areaTaps((width - side) / 2, side, size, width);
  const ys = areaTaps((height - side) / 2, side, size, height);
  // Horizontal pass over only the rows the vertical pass reads.
  const rowFirst = ys.first[0]!;
  const rowLast = ys.first[size - 1]! + ys.count[size - 1]! - 1;
  const rows = scratch((rowLast - rowFirst + 1) * size * 3);
  for (let y = rowFirst; y <= rowLast; y++) {
    const src = y * width * 3;
    const dst = (y - rowFirst) * size * 3;
    for (let i = 0; i < size; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      const w0 = i * xs.stride;
      for (let n = 0, p = src + xs.first[i]! * 3; n < xs.count[i]!; n++, p += 3) {
        const w = xs.weights[w0 + n]!;
        r += w * rgb[p]!;
        g += w * rgb[p + 1]!;
        b += w * rgb[p + 2]!;
      }
      rows[dst + i * 3] = r;
      rows[dst + i * 3 + 1] = g;
      rows[dst + i * 3 + 2] = b;
    }
  }
  const out = new Float32Array(size * size * 3);
  const rowLength = size * 3;
  for (let k = 0; k < size; k++) {
    const w0 = k * ys.stride;
    const base = (ys.first[k]! - rowFirst) * rowLength;
    for (let c = 0; c < rowLength; c++) {
      let sum = 0;
      for (let n = 0; n < ys.count[k]!; n++) sum += ys.weights[w0 + n]! * rows[base + n * rowLength + c]!;
      out[k * rowLength + c] = Math.round(sum) / 255 - 0.5;
    }
  }
  return out;
}

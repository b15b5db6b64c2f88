/**
 * Mutual information between two equally long arrays of values, estimated from their joint
 * histogram (the plug-in estimator):
 *
 *   I(A; B) = Σ_ab p(a,b) · log( p(a,b) / (p(a) p(b)) )   in nats,
 *
 * with p the bin frequencies of B equal-width bins per variable spanning each array's range.
 * Used to ask "how much does this feature-map channel say about the photo's grey levels",
 * as in the classic pictures of what MI-maximising features look like. The plug-in estimate is
 * biased upwards for few samples per bin (roughly (B-1)²/(2N) nats), so compare channels of one
 * photo with one another, not across image sizes or bin counts.
 */

export interface HistogramOptions {
  /** Bins per variable (default 16). */
  bins?: number;
  /** Value range of the first array's bins; default its [min, max]. */
  rangeA?: readonly [number, number];
  /** Value range of the second array's bins; default its [min, max]. */
  rangeB?: readonly [number, number];
}

/** Bin index of each value: equal-width bins over [lo, hi], values outside clamped to the end bins. */
export function binIndices(values: ArrayLike<number>, bins: number, range?: readonly [number, number]): Int32Array {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`);
  const [lo, hi] = range ?? minMax(values);
  if (!(hi >= lo)) throw new Error(`invalid range [${lo}, ${hi}]`);
  const out = new Int32Array(values.length);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`value ${i} is not finite (${v})`);
    // A constant array (width 0) falls entirely in bin 0.
    const bin = width > 0 ? Math.floor((v - lo) / width) : 0;
    out[i] = bin < 0 ? 0 : bin >= bins ? bins - 1 : bin;
  }
  return out;
}

/** Joint bin counts (bins × bins, row = bin of a, column = bin of b). */
export function jointHistogram(a: ArrayLike<number>, b: ArrayLike<number>, options: HistogramOptions = {}): Float64Array {
  if (a.length !== b.length) throw new Error(`arrays differ in length (${a.length} vs ${b.length})`);
  if (a.length === 0) throw new Error('arrays are empty');
  const bins = options.bins ?? 16;
  const ia = binIndices(a, bins, options.rangeA);
  const ib = binIndices(b, bins, options.rangeB);
  const counts = new Float64Array(bins * bins);
  for (let i = 0; i < ia.length; i++) counts[ia[i] * bins + ib[i]] += 1;
  return counts;
}

/** Mutual information (nats) of a joint count or probability table of shape rows × cols. */
export function mutualInformationFromJoint(joint: ArrayLike<number>, rows: number, cols: number): number {
  if (joint.length !== rows * cols) throw new Error(`joint table has ${joint.length} cells, expected ${rows}×${cols}`);
  let total = 0;
  for (let i = 0; i < joint.length; i++) {
    if (!(joint[i] >= 0)) throw new Error(`joint table cell ${i} is negative or not a number`);
    total += joint[i];
  }
  if (total <= 0) throw new Error('joint table is empty');
  const rowSum = new Float64Array(rows);
  const colSum = new Float64Array(cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      rowSum[r] += joint[r * cols + c];
      colSum[c] += joint[r * cols + c];
    }
  let mi = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const n = joint[r * cols + c];
      if (n === 0) continue; // 0 · log 0 = 0
      // p(a,b) / (p(a) p(b)) = n·total / (rowSum·colSum)
      mi += (n / total) * Math.log((n * total) / (rowSum[r] * colSum[c]));
    }
  return Math.max(0, mi); // rounding can leave -1e-17 for independent tables
}

/** Histogram estimate of I(A; B) in nats. */
export function histogramMutualInformation(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: HistogramOptions = {},
): number {
  const bins = options.bins ?? 16;
  return mutualInformationFromJoint(jointHistogram(a, b, { ...options, bins }), bins, bins);
}

/** Histogram (plug-in) entropy in nats of one array, with the same binning as above. */
export function histogramEntropy(values: ArrayLike<number>, bins = 16, range?: readonly [number, number]): number {
  if (values.length === 0) throw new Error('array is empty');
  const counts = new Float64Array(bins);
  for (const bin of binIndices(values, bins, range)) counts[bin] += 1;
  let h = 0;
  for (const n of counts) if (n > 0) h -= (n / values.length) * Math.log(n / values.length);
  return h;
}

/**
 * Bilinear resize of one h × w map to H × W (pixel centres aligned, as image resizers do), so a
 * coarse feature-map channel can be compared pixel by pixel with the photo it came from.
 */
export function resizeBilinear(map: ArrayLike<number>, h: number, w: number, H: number, W: number): Float32Array {
  if (map.length !== h * w) throw new Error(`map has ${map.length} values, expected ${h}×${w}`);
  const out = new Float32Array(H * W);
  const sy = h / H;
  const sx = w / W;
  for (let Y = 0; Y < H; Y++) {
    const y = Math.min(Math.max((Y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(y);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = y - y0;
    for (let X = 0; X < W; X++) {
      const x = Math.min(Math.max((X + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(x);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = x - x0;
      const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
      const bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
      out[Y * W + X] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Grey level (ITU-R BT.601 luma) of each pixel of an H × W × 3 RGB image, in the image's own units. */
export function greyLevels(rgb: ArrayLike<number>, pixels: number): Float32Array {
  if (rgb.length !== pixels * 3) throw new Error(`image has ${rgb.length} values, expected ${pixels}×3`);
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  return out;
}

/**
 * Histogram MI between a photo's grey levels and each channel of its feature map.
 * image: H × W × 3 RGB (any units); featureMap: h × w × c, channels last (NHWC without N).
 * Each channel is resized bilinearly to H × W first. Returns c values in nats.
 */
export function channelMutualInformation(
  image: ArrayLike<number>,
  H: number,
  W: number,
  featureMap: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
  bins = 16,
): Float64Array {
  if (featureMap.length !== h * w * c) throw new Error(`feature map has ${featureMap.length} values, expected ${h}×${w}×${c}`);
  const grey = greyLevels(image, H * W);
  const out = new Float64Array(c);
  const channel = new Float32Array(h * w);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < h * w; i++) channel[i] = featureMap[i * c + k];
    out[k] = histogramMutualInformation(grey, resizeBilinear(channel, h, w, H, W), { bins });
  }
  return out;
}

function minMax(values: ArrayLike<number>): [number, number] {
  if (values.length === 0) throw new Error('array is empty');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * What a DIM encoder's local feature map C looks like for one photo: the strongest channels as
 * small pictures, a three-component PCA of the channel vectors shown as colour, and for every
 * channel the histogram mutual information between the photo's grey levels and that channel
 * (upsampled to the photo), as in the classic pictures of what MI-maximising features look like.
 *
 * `describeFeatureMap` is pure (arrays in, numbers out); `FeatureMapper` runs the encoder
 * (inference mode, so BatchNorm uses its running statistics) and keeps the last model loaded.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend';
import { loadDimEncoder } from './models';
import type { DimEncoder } from './dim/encoder';
import { channelMutualInformation, greyLevels, histogramEntropy } from './mi/histogram-mi';

export interface LocalMap {
  /** Row-major height × width × channels (channels last). */
  values: Float32Array;
  height: number;
  width: number;
  channels: number;
}

export interface ChannelSummary {
  channel: number;
  mean: number;
  variance: number;
  mi: number;
  values: number[];
}

export interface FeatureMapDescription {
  inputSize: number;
  height: number;
  width: number;
  channels: number;
  strongest: ChannelSummary[];
  pca: { rgb: number[]; explained: number[] };
  mi: { channel: number; mi: number }[];
  bins: number;
  greyEntropy: number;
}

export interface DescribeOptions {
  /** How many of the strongest channels to return (default 16). */
  top?: number;
  /** Histogram bins per variable (default 8: the plug-in MI's upward bias grows as bins² / samples). */
  bins?: number;
}

/** The local map C of one image (NHWC floats in [-0.5, 0.5], inputSize² × 3). */
export function localFeatureMap(encoder: DimEncoder, pixels: Float32Array): LocalMap {
  const s = encoder.options.inputSize;
  if (pixels.length !== s * s * 3) throw new Error(`expected ${s}×${s}×3 = ${s * s * 3} floats, got ${pixels.length}`);
  const local = tf.tidy(() => {
    const out = encoder.forwardInfer(tf.tensor4d(pixels, [1, s, s, 3]));
    return out.local;
  });
  try {
    const [, height, width, channels] = local.shape;
    return { values: local.dataSync() as Float32Array, height, width, channels };
  } finally {
    local.dispose();
  }
}

/** Describe a local map against the image it came from (H × W × 3, the encoder's input). */
export function describeFeatureMap(map: LocalMap, image: Float32Array, inputSize: number, options: DescribeOptions = {}): FeatureMapDescription {
  const { values, height: h, width: w, channels: c } = map;
  const n = h * w;
  if (values.length !== n * c) throw new Error(`feature map has ${values.length} values, expected ${h}×${w}×${c}`);
  const bins = options.bins ?? 8;
  const top = Math.min(options.top ?? 16, c);

  const means = new Float64Array(c);
  const variances = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[i * c + k];
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (values[i * c + k] - mean) ** 2;
    means[k] = mean;
    variances[k] = sq / n;
  }
  const mi = channelMutualInformation(image, inputSize, inputSize, values, h, w, c, bins);
  const order = Array.from({ length: c }, (_, k) => k).sort((a, b) => means[b] - means[a] || a - b);
  const strongest = order.slice(0, top).map((k) => ({
    channel: k,
    mean: means[k],
    variance: variances[k],
    mi: mi[k],
    values: Array.from({ length: n }, (_, i) => values[i * c + k]),
  }));
  const byMi = Array.from(mi, (value, channel) => ({ channel, mi: value })).sort((a, b) => b.mi - a.mi || a.channel - b.channel);
  const grey = greyLevels(image, inputSize * inputSize);
  return {
    inputSize,
    height: h,
    width: w,
    channels: c,
    strongest,
    pca: pcaColours(values, n, c),
    mi: byMi,
    bins,
    greyEntropy: histogramEntropy(grey, bins),
  };
}

/**
 * The first three principal components of the n positions' c-channel vectors, each scaled to
 * 0–255 (min to max) as the R, G and B of its position; `explained` is each component's share of
 * the total variance. Computed from the n × n Gram matrix (n is small: 16 for DIM-32).
 */
export function pcaColours(values: ArrayLike<number>, n: number, c: number): { rgb: number[]; explained: number[] } {
  const centred = new Float64Array(n * c);
  for (let k = 0; k < c; k++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += values[i * c + k];
    mean /= n;
    for (let i = 0; i < n; i++) centred[i * c + k] = values[i * c + k] - mean;
  }
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < c; k++) dot += centred[i * c + k] * centred[j * c + k];
      gram[i * n + j] = dot;
      gram[j * n + i] = dot;
    }
  const { eigenvalues, eigenvectors } = symmetricEigen(gram, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => eigenvalues[b] - eigenvalues[a]);
  const totalVariance = eigenvalues.reduce((sum, v) => sum + Math.max(0, v), 0);
  const rgb = new Array<number>(n * 3).fill(128);
  const explained: number[] = [];
  for (let component = 0; component < 3; component++) {
    const e = order[component];
    const lambda = e === undefined ? 0 : Math.max(0, eigenvalues[e]);
    explained.push(totalVariance > 0 ? lambda / totalVariance : 0);
    if (e === undefined || lambda <= totalVariance * 1e-9) continue;
    // Scores of the positions on this component: √λ · u (u the unit eigenvector of the Gram matrix).
    const scores = Array.from({ length: n }, (_, i) => Math.sqrt(lambda) * eigenvectors[i * n + e]);
    const lo = Math.min(...scores);
    const hi = Math.max(...scores);
    for (let i = 0; i < n; i++) rgb[i * 3 + component] = hi > lo ? Math.round(((scores[i] - lo) / (hi - lo)) * 255) : 128;
  }
  return { rgb, explained };
}

/** Eigen-decomposition of a symmetric n × n matrix by cyclic Jacobi rotations (columns of `eigenvectors`). */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): { eigenvalues: number[]; eigenvectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cos = 1 / Math.sqrt(t * t + 1);
        const sin = t * cos;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = cos * akp - sin * akq;
          a[k * n + q] = sin * akp + cos * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = cos * apk - sin * aqk;
          a[q * n + k] = sin * apk + cos * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = cos * vkp - sin * vkq;
          v[k * n + q] = sin * vkp + cos * vkq;
        }
      }
  }
  return { eigenvalues: Array.from({ length: n }, (_, i) => a[i * n + i]), eigenvectors: v };
}

/** Runs encoders for feature maps, keeping the last model loaded (a user looks at many photos with one model). */
export class FeatureMapper {
  private loaded: { dir: string; encoder: DimEncoder } | null = null;
  private loading: Promise<DimEncoder> | null = null;

  async describe(modelDir: string, pixels: Float32Array, options: DescribeOptions = {}): Promise<FeatureMapDescription> {
    const encoder = await this.encoderFor(modelDir);
    return describeFeatureMap(localFeatureMap(encoder, pixels), pixels, encoder.options.inputSize, options);
  }

  private async encoderFor(dir: string): Promise<DimEncoder> {
    if (this.loaded?.dir === dir) return this.loaded.encoder;
    await this.loading?.catch(() => undefined);
    if (this.loaded?.dir === dir) return this.loaded.encoder;
    this.loading = (async () => {
      await initBackend();
      const { encoder } = await loadDimEncoder(dir);
      this.loaded?.encoder.dispose();
      this.loaded = { dir, encoder };
      return encoder;
    })();
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  dispose(): void {
    this.loaded?.encoder.dispose();
    this.loaded = null;
  }
}

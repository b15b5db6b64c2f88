/**
 * The DIM encoder of REFERENCE.md ("DIM-32" / "DIM-64"), written directly with tfjs-core ops
 * and variables so it runs the same on wasm, cpu, tfjs-node and a renderer's webgl/webgpu:
 *
 *   blocks × [conv 3×3 → BatchNorm → LeakyReLU(0.2) → maxpool 2×2]   (64, 128, 256 for 32 px;
 *                                                                      32, 64, 128, 256 for 64 px)
 *   → local map C (4×4×256)
 *   → head × [conv 3×3 → BatchNorm → LeakyReLU(0.2)] (256, 256) → global max pool
 *   → Dense z_mean, Dense z_log_var (z = 256)
 *
 * Convolutions carry no bias: BatchNorm's shift makes one redundant. BatchNorm uses batch
 * statistics in training mode (and moves its running statistics), running statistics in
 * inference mode, where it is folded into the convolution for speed.
 * Plain tfjs-core; no Node imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../gradients';
import { batchNormLeakyRelu, globalMaxPool, maxPool2x2, type BatchStatistics } from './layers';

export interface EncoderOptions {
  /** Square input side in pixels. */
  inputSize: number;
  /** Channels of each conv-BN-LReLU-maxpool block; the last block's output is the local map C. */
  blockWidths: number[];
  /** Channels of each conv-BN-LReLU block after C (before the global max pool). */
  headWidths: number[];
  /** Code length (z_mean and z_log_var). */
  zDim: number;
  leakyAlpha: number;
  /** Running statistics: running = momentum · running + (1 − momentum) · batch. */
  bnMomentum: number;
  bnEpsilon: number;
}

/** REFERENCE recipe for a 32 or 64 px input; other fields may be overridden (e.g. tiny tests). */
export function encoderOptions(inputSize: number, overrides: Partial<Omit<EncoderOptions, 'inputSize'>> = {}): EncoderOptions {
  const blockWidths = overrides.blockWidths ?? (inputSize >= 64 ? [32, 64, 128, 256] : [64, 128, 256]);
  const last = blockWidths[blockWidths.length - 1];
  const options: EncoderOptions = {
    inputSize,
    blockWidths,
    headWidths: overrides.headWidths ?? [last, last],
    zDim: overrides.zDim ?? 256,
    leakyAlpha: overrides.leakyAlpha ?? 0.2,
    bnMomentum: overrides.bnMomentum ?? 0.9,
    bnEpsilon: overrides.bnEpsilon ?? 1e-3,
  };
  validateEncoderOptions(options);
  return options;
}

export function validateEncoderOptions(o: EncoderOptions): void {
  const ints = (xs: number[]) => xs.every((x) => Number.isInteger(x) && x > 0);
  if (!Number.isInteger(o.inputSize) || o.inputSize < 4) throw new Error(`inputSize must be an integer ≥ 4, got ${o.inputSize}`);
  if (o.blockWidths.length < 1 || !ints(o.blockWidths)) throw new Error('blockWidths must be positive integers');
  if (!ints(o.headWidths)) throw new Error('headWidths must be positive integers');
  if (o.inputSize % 2 ** o.blockWidths.length !== 0)
    throw new Error(`inputSize ${o.inputSize} is not divisible by 2^${o.blockWidths.length} (one halving per block)`);
  if (!Number.isInteger(o.zDim) || o.zDim < 1) throw new Error(`zDim must be a positive integer, got ${o.zDim}`);
}

/** Side of the local map C. */
export function localMapSize(o: EncoderOptions): number {
  return o.inputSize / 2 ** o.blockWidths.length;
}

export function localChannels(o: EncoderOptions): number {
  return o.blockWidths[o.blockWidths.length - 1];
}

export interface EncoderOutput {
  /** Local feature map C, [n, h, w, c]. */
  local: tf.Tensor4D;
  /** Code mean, [n, z]. */
  mean: tf.Tensor2D;
  /** Code log-variance, [n, z]. */
  logVar: tf.Tensor2D;
}

interface ConvLayer {
  name: string;
  kernel: tf.Variable<tf.Rank.R4>;
  gamma: tf.Variable<tf.Rank.R1>;
  beta: tf.Variable<tf.Rank.R1>;
  movingMean: tf.Variable<tf.Rank.R1>;
  movingVariance: tf.Variable<tf.Rank.R1>;
  pool: boolean;
}

/** Glorot-uniform initial values, seeded. */
export function glorotUniform(shape: number[], fanIn: number, fanOut: number, seed: number): tf.Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -limit, limit, 'float32', seed);
}

export class DimEncoder {
  readonly options: EncoderOptions;
  private readonly layers: ConvLayer[] = [];
  private readonly meanKernel: tf.Variable<tf.Rank.R2>;
  private readonly meanBias: tf.Variable<tf.Rank.R1>;
  private readonly logVarKernel: tf.Variable<tf.Rank.R2>;
  private readonly logVarBias: tf.Variable<tf.Rank.R1>;
  /** Every variable by a stable name (what model.json / weights.bin store). */
  readonly variables = new Map<string, tf.Variable>();
  private folded: { kernels: tf.Tensor4D[]; shifts: tf.Tensor1D[] } | null = null;

  /**
   * A freshly initialised encoder (seeded, so 'random' baselines are reproducible), or one
   * holding the given weights (names as in `variables`; every one must be present).
   */
  constructor(options: EncoderOptions, init: { seed: number } | { weights: tf.NamedTensorMap }) {
    validateEncoderOptions(options);
    this.options = { ...options, blockWidths: [...options.blockWidths], headWidths: [...options.headWidths] };
    const weights = 'weights' in init ? init.weights : null;
    let seed = 'seed' in init ? init.seed : 0;
    const make = <R extends tf.Rank>(name: string, shape: number[], initial: () => tf.Tensor, trainable = true): tf.Variable<R> => {
      let value: tf.Tensor;
      if (weights) {
        const w = weights[name];
        if (!w) throw new Error(`encoder weights lack '${name}'`);
        if (w.shape.join('x') !== shape.join('x'))
          throw new Error(`encoder weight '${name}' has shape [${w.shape}] but the architecture needs [${shape}]`);
        value = w;
      } else {
        value = initial();
      }
      const v = tf.variable(value, trainable, `${name}#${variableCounter++}`) as tf.Variable<R>;
      if (!weights) value.dispose();
      this.variables.set(name, v);
      return v;
    };

    let inChannels = 3;
    const specs = [
      ...this.options.blockWidths.map((w, i) => ({ name: `encoder/block${i}`, width: w, pool: true })),
      ...this.options.headWidths.map((w, i) => ({ name: `encoder/head${i}`, width: w, pool: false })),
    ];
    for (const spec of specs) {
      const c = spec.width;
      const fanIn = 9 * inChannels;
      const layerSeed = seed++;
      this.layers.push({
        name: spec.name,
        kernel: make(`${spec.name}/conv/kernel`, [3, 3, inChannels, c], () => glorotUniform([3, 3, inChannels, c], fanIn, 9 * c, layerSeed)),
        gamma: make(`${spec.name}/bn/gamma`, [c], () => tf.ones([c])),
        beta: make(`${spec.name}/bn/beta`, [c], () => tf.zeros([c])),
        movingMean: make(`${spec.name}/bn/moving_mean`, [c], () => tf.zeros([c]), false),
        movingVariance: make(`${spec.name}/bn/moving_variance`, [c], () => tf.ones([c]), false),
        pool: spec.pool,
      });
      inChannels = c;
    }
    const z = this.options.zDim;
    const s1 = seed++;
    const s2 = seed++;
    this.meanKernel = make('encoder/z_mean/kernel', [inChannels, z], () => glorotUniform([inChannels, z], inChannels, z, s1));
    this.meanBias = make('encoder/z_mean/bias', [z], () => tf.zeros([z]));
    this.logVarKernel = make('encoder/z_log_var/kernel', [inChannels, z], () => glorotUniform([inChannels, z], inChannels, z, s2));
    this.logVarBias = make('encoder/z_log_var/bias', [z], () => tf.zeros([z]));
  }

  /** Variables the optimiser updates (everything but BatchNorm's running statistics). */
  trainableVariables(): tf.Variable[] {
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  /**
   * Training-mode forward pass: BatchNorm on batch statistics; moves the running statistics
   * (an assignment outside the gradient tape's reach).
   */
  forwardTrain(x: tf.Tensor4D, { updateStatistics = true } = {}): EncoderOutput {
    this.invalidateFolded();
    const { leakyAlpha: alpha, bnMomentum: m, bnEpsilon: eps } = this.options;
    let h: tf.Tensor4D = x;
    let local: tf.Tensor4D | null = null;
    const lastBlock = this.options.blockWidths.length - 1;
    this.layers.forEach((layer, i) => {
      const conv = tf.conv2d(h, layer.kernel, 1, 'same');
      const moveStatistics = ({ mean, variance, count }: BatchStatistics) => {
        const unbiased = count > 1 ? count / (count - 1) : 1;
        tf.tidy(() => {
          layer.movingMean.assign(tf.add(tf.mul(layer.movingMean, m), tf.mul(mean, 1 - m)));
          layer.movingVariance.assign(tf.add(tf.mul(layer.movingVariance, m), tf.mul(variance, (1 - m) * unbiased)));
        });
      };
      h = batchNormLeakyRelu(conv, layer.gamma, layer.beta, eps, alpha, updateStatistics ? moveStatistics : undefined);
      if (layer.pool) h = maxPool2x2(h);
      if (i === lastBlock) local = h;
    });
    return { local: local!, ...this.head(h) };
  }

  /** Inference-mode forward pass (running statistics, folded into the convolutions). */
  forwardInfer(x: tf.Tensor4D): EncoderOutput {
    const { kernels, shifts } = this.foldedWeights();
    const alpha = this.options.leakyAlpha;
    let h: tf.Tensor4D = x;
    let local: tf.Tensor4D | null = null;
    const lastBlock = this.options.blockWidths.length - 1;
    this.layers.forEach((layer, i) => {
      h = tf.fused.conv2d({ x: h, filter: kernels[i], strides: 1, pad: 'same', bias: shifts[i], activation: 'leakyrelu', leakyreluAlpha: alpha });
      if (layer.pool) h = tf.maxPool(h, 2, 2, 'valid');
      if (i === lastBlock) local = h;
    });
    return { local: local!, ...this.head(h) };
  }

  /** Code means only (what retrieval uses), inference mode. */
  encodeMean(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const { kernels, shifts } = this.foldedWeights();
      const alpha = this.options.leakyAlpha;
      let h: tf.Tensor4D = x;
      this.layers.forEach((layer, i) => {
        h = tf.fused.conv2d({ x: h, filter: kernels[i], strides: 1, pad: 'same', bias: shifts[i], activation: 'leakyrelu', leakyreluAlpha: alpha });
        if (layer.pool) h = tf.maxPool(h, 2, 2, 'valid');
      });
      const pooled = tf.max(h, [1, 2]) as tf.Tensor2D;
      return tf.fused.matMul({ a: pooled, b: this.meanKernel, bias: this.meanBias }) as tf.Tensor2D;
    });
  }

  /** Code means and the local map's maximum over positions per channel, inference mode (search-code.ts). */
  encodeMeanAndLocalMax(x: tf.Tensor4D): { mean: tf.Tensor2D; localMax: tf.Tensor2D } {
    return tf.tidy(() => {
      const { local, mean } = this.forwardInfer(x);
      return { mean, localMax: tf.max(local, [1, 2]) as tf.Tensor2D };
    });
  }

  private head(h: tf.Tensor4D): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    const pooled = globalMaxPool(h);
    return {
      mean: tf.add(tf.matMul(pooled, this.meanKernel), this.meanBias),
      logVar: tf.add(tf.matMul(pooled, this.logVarKernel), this.logVarBias),
    };
  }

  /** BatchNorm folded into each convolution: kernel·scale and shift = beta − mean·scale. */
  private foldedWeights(): { kernels: tf.Tensor4D[]; shifts: tf.Tensor1D[] } {
    if (!this.folded) {
      const eps = this.options.bnEpsilon;
      this.folded = tf.tidy(() => {
        const kernels: tf.Tensor4D[] = [];
        const shifts: tf.Tensor1D[] = [];
        for (const layer of this.layers) {
          const scale = tf.mul(layer.gamma, tf.rsqrt(tf.add(layer.movingVariance, eps)));
          kernels.push(tf.keep(tf.mul(layer.kernel, scale)) as tf.Tensor4D);
          shifts.push(tf.keep(tf.sub(layer.beta, tf.mul(layer.movingMean, scale))) as tf.Tensor1D);
        }
        return { kernels, shifts };
      });
    }
    return this.folded;
  }

  /** Call after changing weights outside forwardTrain (e.g. an optimiser step, a load). */
  invalidateFolded(): void {
    if (this.folded) {
      tf.dispose([...this.folded.kernels, ...this.folded.shifts]);
      this.folded = null;
    }
  }

  dispose(): void {
    this.invalidateFolded();
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}

// tfjs variable names must be unique per engine; several encoders may live side by side.
let variableCounter = 0;

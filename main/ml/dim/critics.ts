/**
 * DIM's critics: networks that score (feature, code) pairs; a high score says "these belong to
 * the same image". Two families:
 *
 * - concat critics (REFERENCE recipe, Su's variant), scored on one positive and one negative
 *   pair per image:
 *     global T1: MLP 2z → 256 → 256 → 256 → 1 (ReLU) on concat[z, z'];
 *     local  T2: 1×1 convs (c + z) → 256 → 256 → 256 → 1 (ReLU) on concat[C_ij, z], every position.
 *   The first layer on a concatenation is W_a·a + W_b·b, so it is computed that way: the
 *   negatives (a rolled batch) reuse the rolled product instead of a second pass, and z is
 *   never tiled over the map. Same function, fewer FLOPs.
 * - dot critics ("encode-and-dot", DIM's official code and the augmented recipe), scored on
 *   every pair of the batch: a (learned, optional) linear map of each side, cosine similarity,
 *   divided by a temperature. Give n×n (global) or n·h·w × n (local) score matrices.
 *
 * Plain tfjs-core, no gather, no Node imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../gradients';
import { glorotUniform } from './encoder';

/** Roll the batch by one (a derangement: no image is paired with itself). Works for any rank. */
export function rollBatch<T extends tf.Tensor>(x: T): T {
  const n = x.shape[0];
  if (n < 2) throw new Error('a batch needs at least 2 images to have negatives');
  const rest = x.shape.slice(1).map(() => -1);
  const last = tf.slice(x, [n - 1, ...rest.map(() => 0)], [1, ...rest]);
  const first = tf.slice(x, [0, ...rest.map(() => 0)], [n - 1, ...rest]);
  return tf.concat([last, first], 0) as T;
}

class Params {
  readonly variables = new Map<string, tf.Variable>();
  private seed: number;
  constructor(
    private readonly prefix: string,
    seed: number,
    private readonly weights?: tf.NamedTensorMap,
  ) {
    this.seed = seed;
  }

  dense(name: string, fanIn: number, fanOut: number, bias = true): { kernel: tf.Variable<tf.Rank.R2>; bias: tf.Variable<tf.Rank.R1> | null } {
    const s = this.seed++;
    const kernel = this.make(`${name}/kernel`, [fanIn, fanOut], () => glorotUniform([fanIn, fanOut], fanIn, fanOut, s)) as tf.Variable<tf.Rank.R2>;
    const b = bias ? (this.make(`${name}/bias`, [fanOut], () => tf.zeros([fanOut])) as tf.Variable<tf.Rank.R1>) : null;
    return { kernel, bias: b };
  }

  /** A first layer on concat[a, b]: separate kernels for the two halves (one bias). */
  splitDense(name: string, fanA: number, fanB: number, fanOut: number) {
    const s1 = this.seed++;
    const s2 = this.seed++;
    const fanIn = fanA + fanB;
    return {
      kernelA: this.make(`${name}/kernel_a`, [fanA, fanOut], () => glorotUniform([fanA, fanOut], fanIn, fanOut, s1)) as tf.Variable<tf.Rank.R2>,
      kernelB: this.make(`${name}/kernel_b`, [fanB, fanOut], () => glorotUniform([fanB, fanOut], fanIn, fanOut, s2)) as tf.Variable<tf.Rank.R2>,
      bias: this.make(`${name}/bias`, [fanOut], () => tf.zeros([fanOut])) as tf.Variable<tf.Rank.R1>,
    };
  }

  private make(name: string, shape: number[], initial: () => tf.Tensor): tf.Variable {
    const full = `${this.prefix}/${name}`;
    let value: tf.Tensor;
    if (this.weights) {
      const w = this.weights[full];
      if (!w) throw new Error(`critic weights lack '${full}'`);
      if (w.shape.join('x') !== shape.join('x')) throw new Error(`critic weight '${full}' has shape [${w.shape}], needs [${shape}]`);
      value = w;
    } else {
      value = initial();
    }
    const v = tf.variable(value, true, `${full}#${counter++}`);
    if (!this.weights) value.dispose();
    this.variables.set(full, v);
    return v;
  }
}
let counter = 0;

export interface Critic {
  readonly variables: Map<string, tf.Variable>;
  dispose(): void;
}

function disposeAll(variables: Map<string, tf.Variable>): void {
  for (const v of variables.values()) v.dispose();
  variables.clear();
}

type Dense = { kernel: tf.Variable<tf.Rank.R2>; bias: tf.Variable<tf.Rank.R1> | null };

function applyMlp(h: tf.Tensor2D, layers: Dense[]): tf.Tensor2D {
  let out = h;
  layers.forEach((layer, i) => {
    const last = i === layers.length - 1;
    out = tf.fused.matMul({ a: out, b: layer.kernel, bias: layer.bias ?? undefined, activation: last ? 'linear' : 'relu' }) as tf.Tensor2D;
  });
  return out;
}

/** Global concat critic T1(z, z'): MLP on concat[z, z']. */
export class GlobalConcatCritic implements Critic {
  readonly variables: Map<string, tf.Variable>;
  private readonly first: ReturnType<Params['splitDense']>;
  private readonly rest: Dense[];

  constructor(zDim: number, hidden: number[] = [256, 256, 256], init: { seed: number } | { weights: tf.NamedTensorMap } = { seed: 1000 }) {
    const p = new Params('critic_global', 'seed' in init ? init.seed : 0, 'weights' in init ? init.weights : undefined);
    this.first = p.splitDense('dense0', zDim, zDim, hidden[0]);
    this.rest = [];
    for (let i = 1; i <= hidden.length; i++) this.rest.push(p.dense(`dense${i}`, hidden[i - 1], i < hidden.length ? hidden[i] : 1));
    this.variables = p.variables;
  }

  /** Scores of (z_i, z_i) and (z_i, z_{i−1}) — positives and rolled negatives, each [n]. */
  scoreRolled(z: tf.Tensor2D, zPrime: tf.Tensor2D = z): { pos: tf.Tensor1D; neg: tf.Tensor1D } {
    const n = z.shape[0];
    const a = tf.matMul(z, this.first.kernelA);
    const b = tf.matMul(zPrime, this.first.kernelB);
    const pos = tf.relu(tf.add(tf.add(a, b), this.first.bias)) as tf.Tensor2D;
    const neg = tf.relu(tf.add(tf.add(a, rollBatch(b)), this.first.bias)) as tf.Tensor2D;
    const scores = applyMlp(tf.concat([pos, neg], 0), this.rest);
    return { pos: tf.reshape(tf.slice(scores, [0, 0], [n, 1]), [n]), neg: tf.reshape(tf.slice(scores, [n, 0], [n, 1]), [n]) };
  }

  dispose(): void {
    disposeAll(this.variables);
  }
}

/** Local concat critic T2(C_ij, z): 1×1 convolutions on concat[C_ij, z] at every position. */
export class LocalConcatCritic implements Critic {
  readonly variables: Map<string, tf.Variable>;
  private readonly first: ReturnType<Params['splitDense']>;
  private readonly rest: Dense[];

  constructor(channels: number, zDim: number, hidden: number[] = [256, 256, 256], init: { seed: number } | { weights: tf.NamedTensorMap } = { seed: 2000 }) {
    const p = new Params('critic_local', 'seed' in init ? init.seed : 0, 'weights' in init ? init.weights : undefined);
    this.first = p.splitDense('conv0', channels, zDim, hidden[0]);
    this.rest = [];
    for (let i = 1; i <= hidden.length; i++) this.rest.push(p.dense(`conv${i}`, hidden[i - 1], i < hidden.length ? hidden[i] : 1));
    this.variables = p.variables;
  }

  /**
   * Scores of (C_i at every position, z_i) and (C_{i−1} at every position, z_i): [n·h·w] each.
   * A 1×1 convolution is a matmul over the flattened positions.
   */
  scoreRolled(local: tf.Tensor4D, z: tf.Tensor2D): { pos: tf.Tensor1D; neg: tf.Tensor1D } {
    const [n, h, w, c] = local.shape;
    const hidden = this.first.bias.shape[0];
    const fromMap = tf.reshape(tf.matMul(tf.reshape(local, [n * h * w, c]), this.first.kernelA), [n, h * w, hidden]);
    const fromCode = tf.reshape(tf.add(tf.matMul(z, this.first.kernelB), this.first.bias), [n, 1, hidden]);
    const pos = tf.reshape(tf.relu(tf.add(fromMap, fromCode)), [n * h * w, hidden]) as tf.Tensor2D;
    const neg = tf.reshape(tf.relu(tf.add(rollBatch(fromMap), fromCode)), [n * h * w, hidden]) as tf.Tensor2D;
    const scores = applyMlp(tf.concat([pos, neg], 0), this.rest);
    const m = n * h * w;
    return { pos: tf.reshape(tf.slice(scores, [0, 0], [m, 1]), [m]), neg: tf.reshape(tf.slice(scores, [m, 0], [m, 1]), [m]) };
  }

  dispose(): void {
    disposeAll(this.variables);
  }
}

function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D;
}

/** Cosine similarity of every row of a with every row of b, divided by the temperature. */
export function cosineScores(a: tf.Tensor2D, b: tf.Tensor2D, temperature: number): tf.Tensor2D {
  return tf.div(tf.matMul(l2Normalize(a), l2Normalize(b), false, true), temperature) as tf.Tensor2D;
}

/**
 * Dot critics (encode-and-dot): global scores cos(φ(a_i), ψ(b_j)) / τ over all pairs; local
 * scores cos(conv1×1(C_i at p), lin(z_j)) / τ for every position of every image against every code.
 * `projectGlobal` false gives the parameter-free global score of the augmented recipe.
 */
export class DotCritic implements Critic {
  readonly variables: Map<string, tf.Variable>;
  private readonly globalA: Dense | null;
  private readonly globalB: Dense | null;
  private readonly localMap: Dense | null;
  private readonly localCode: Dense | null;

  constructor(
    channels: number,
    zDim: number,
    readonly options: { embedDim?: number; temperature?: number; projectGlobal?: boolean; global?: boolean; local?: boolean } = {},
    init: { seed: number } | { weights: tf.NamedTensorMap } = { seed: 3000 },
  ) {
    const d = options.embedDim ?? 256;
    const p = new Params('critic_dot', 'seed' in init ? init.seed : 0, 'weights' in init ? init.weights : undefined);
    const project = (options.projectGlobal ?? true) && (options.global ?? true);
    const local = options.local ?? true;
    this.globalA = project ? p.dense('global_a', zDim, d, false) : null;
    this.globalB = project ? p.dense('global_b', zDim, d, false) : null;
    this.localMap = local ? p.dense('local_map', channels, d, true) : null;
    this.localCode = local ? p.dense('local_code', zDim, d, false) : null;
    this.variables = p.variables;
  }

  get temperature(): number {
    return this.options.temperature ?? 0.2;
  }

  /** [n, n]: row i = anchor a_i against every b_j (positives on the diagonal). */
  globalScores(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    const fa: tf.Tensor2D = this.globalA ? tf.matMul(a, this.globalA.kernel) : a;
    const fb: tf.Tensor2D = this.globalB ? tf.matMul(b, this.globalB.kernel) : b;
    return cosineScores(fa, fb, this.temperature);
  }

  /** [n·h·w, n]: every local feature of image i against every code j (positive where j = i). */
  localScores(local: tf.Tensor4D, z: tf.Tensor2D): tf.Tensor2D {
    if (!this.localMap || !this.localCode) throw new Error('this dot critic was built without its local part');
    const [n, h, w, c] = local.shape;
    const features = tf.fused.matMul({ a: tf.reshape(local, [n * h * w, c]), b: this.localMap.kernel, bias: this.localMap.bias ?? undefined }) as tf.Tensor2D;
    const codes: tf.Tensor2D = tf.matMul(z, this.localCode.kernel);
    return cosineScores(features, codes, this.temperature);
  }

  dispose(): void {
    disposeAll(this.variables);
  }
}

/**
 * The DIM objective: α·global + β·local + γ·KL (REFERENCE defaults α = 0.5, β = 1.5, γ = 0.01).
 *
 * Two recipes:
 * - one view (REFERENCE "DIM-32", Su's variant): z is sampled from the encoder's Gaussian;
 *   global MI between z and z, local MI between every position of C and z; negatives are the
 *   batch rolled by one (a derangement, never an image with itself) scored by the concat critics.
 *   With InfoNCE (which needs many negatives per positive) the dot critics score all pairs.
 * - two views (REFERENCE's augmented recipe): each image seen as two augmented views; codes are
 *   the mean vectors; global term = InfoNCE between the two views' codes (cosine / τ, both
 *   directions); local term = every local feature of one view against every code of the other
 *   (1×1 conv and linear map, cosine / τ, both directions); no prior by default.
 *
 * `objective` picks the terms: both | global | local. The estimator (jsd | infonce | dv) is
 * applied to whichever scores the critics produce (estimators.ts).
 * Plain tfjs-core, no Node imports: a renderer-side backend can run it unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../gradients';
import { DotCritic, GlobalConcatCritic, LocalConcatCritic, type Critic } from './critics';
import { DimEncoder, localChannels } from './encoder';
import { createDvState, disposeDvState, estimate, fromScoreMatrix, type DvState, type EstimatorName, type PairScores } from './estimators';
import { gaussianKl, sampleCode } from './prior';

export type ObjectiveName = 'both' | 'global' | 'local';
export const objectiveNames: readonly ObjectiveName[] = ['both', 'global', 'local'];
export type CriticKind = 'concat' | 'dot';

export interface ObjectiveOptions {
  objective: ObjectiveName;
  estimator: EstimatorName;
  alpha: number;
  beta: number;
  gamma: number;
  /** concat (REFERENCE, rolled negatives) or dot (all pairs). */
  critic: CriticKind;
  /** 1: the REFERENCE recipe; 2: two augmented views (the caller supplies both). */
  views: 1 | 2;
  /** Temperature of the dot critics' cosine scores. */
  temperature: number;
  /** MINE's moving-average rate for the DV estimator. */
  dvRate: number;
  /** Hidden widths of the concat critics. */
  criticHidden: number[];
}

export function objectiveOptions(partial: Partial<ObjectiveOptions> = {}): ObjectiveOptions {
  const views = partial.views ?? 1;
  const estimator = partial.estimator ?? (views === 2 ? 'infonce' : 'jsd');
  const critic = partial.critic ?? (views === 2 || estimator === 'infonce' ? 'dot' : 'concat');
  const o: ObjectiveOptions = {
    objective: partial.objective ?? 'both',
    estimator,
    alpha: partial.alpha ?? 0.5,
    beta: partial.beta ?? 1.5,
    gamma: partial.gamma ?? (views === 2 ? 0 : 0.01),
    critic,
    views,
    temperature: partial.temperature ?? 0.2,
    dvRate: partial.dvRate ?? 0.01,
    criticHidden: partial.criticHidden ?? [256, 256, 256],
  };
  if (!objectiveNames.includes(o.objective)) throw new Error(`objective must be one of ${objectiveNames.join(', ')}, got '${o.objective}'`);
  if (o.views === 2 && o.critic !== 'dot') throw new Error('two views are scored by the dot critics (critic: dot)');
  if (o.critic === 'concat' && o.estimator === 'infonce')
    throw new Error('InfoNCE needs many negatives per positive: use the dot critics (critic: dot)');
  for (const k of ['alpha', 'beta', 'gamma', 'temperature'] as const)
    if (!(o[k] >= 0) || !Number.isFinite(o[k])) throw new Error(`${k} must be a non-negative number, got ${o[k]}`);
  return o;
}

export interface LossTerms {
  loss: tf.Scalar;
  /** Named scalars: global, local, kl (loss terms) and miGlobal, miLocal (MI estimates, nats). */
  terms: Record<string, tf.Scalar>;
}

export class DimObjective {
  readonly options: ObjectiveOptions;
  readonly critics: Critic[] = [];
  private readonly globalConcat: GlobalConcatCritic | null = null;
  private readonly localConcat: LocalConcatCritic | null = null;
  private readonly dot: DotCritic | null = null;
  private readonly dvGlobal: DvState;
  private readonly dvLocal: DvState;
  private readonly masks = new Map<string, { pos: tf.Tensor2D; neg: tf.Tensor2D }>();

  constructor(
    readonly encoder: DimEncoder,
    options: Partial<ObjectiveOptions> = {},
    init: { seed: number } | { weights: tf.NamedTensorMap } = { seed: 7 },
  ) {
    this.options = objectiveOptions(options);
    const { zDim } = encoder.options;
    const channels = localChannels(encoder.options);
    const seed = 'seed' in init ? init.seed : 0;
    const pick = (offset: number) => ('weights' in init ? { weights: init.weights } : { seed: seed * 101 + offset });
    const wantGlobal = this.options.objective !== 'local';
    const wantLocal = this.options.objective !== 'global';
    if (this.options.critic === 'concat') {
      if (wantGlobal) this.critics.push((this.globalConcat = new GlobalConcatCritic(zDim, this.options.criticHidden, pick(1000))));
      if (wantLocal) this.critics.push((this.localConcat = new LocalConcatCritic(channels, zDim, this.options.criticHidden, pick(2000))));
    } else {
      this.dot = new DotCritic(
        channels,
        zDim,
        { temperature: this.options.temperature, projectGlobal: this.options.views === 1, global: wantGlobal, local: wantLocal },
        pick(3000),
      );
      this.critics.push(this.dot);
    }
    this.dvGlobal = createDvState(this.options.dvRate);
    this.dvLocal = createDvState(this.options.dvRate);
  }

  /** Every critic variable by name (for checkpoints). */
  criticVariables(): Map<string, tf.Variable> {
    const all = new Map<string, tf.Variable>();
    for (const c of this.critics) for (const [k, v] of c.variables) all.set(k, v);
    return all;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableVariables(), ...this.criticVariables().values()];
  }

  /**
   * The loss of one batch and its named terms. `x2` is the second view (two-view recipe only).
   * Call inside a gradient scope (tf.variableGrads / optimizer.minimize); moves BatchNorm's
   * running statistics and the DV moving averages.
   */
  lossTerms(x: tf.Tensor4D, x2: tf.Tensor4D | null = null, seed?: number): LossTerms {
    return this.options.views === 2 ? this.twoViews(x, x2, seed) : this.oneView(x, seed);
  }

  private oneView(x: tf.Tensor4D, seed?: number): LossTerms {
    const o = this.options;
    const { local, mean, logVar } = this.encoder.forwardTrain(x);
    const z = sampleCode(mean, logVar, seed);
    const terms: Record<string, tf.Scalar> = {};
    const parts: tf.Scalar[] = [];
    if (o.objective !== 'local') {
      let scores: PairScores;
      if (this.globalConcat) {
        const { pos, neg } = this.globalConcat.scoreRolled(z);
        scores = { pos, neg: tf.reshape(neg, [neg.shape[0], 1]) };
      } else {
        scores = fromScoreMatrix(this.dot!.globalScores(z, z));
      }
      const r = estimate(o.estimator, scores, this.dvGlobal);
      terms.global = r.loss;
      terms.miGlobal = r.bound;
      parts.push(tf.mul(o.alpha, r.loss));
    }
    if (o.objective !== 'global') {
      let scores: PairScores;
      if (this.localConcat) {
        const { pos, neg } = this.localConcat.scoreRolled(local, z);
        scores = { pos, neg: tf.reshape(neg, [neg.shape[0], 1]) };
      } else {
        scores = this.localMatrix(this.dot!.localScores(local, z), local.shape[1] * local.shape[2]);
      }
      const r = estimate(o.estimator, scores, this.dvLocal);
      terms.local = r.loss;
      terms.miLocal = r.bound;
      parts.push(tf.mul(o.beta, r.loss));
    }
    terms.kl = gaussianKl(mean, logVar);
    if (o.gamma > 0) parts.push(tf.mul(o.gamma, terms.kl));
    return { loss: tf.addN(parts) as tf.Scalar, terms };
  }

  private twoViews(x: tf.Tensor4D, x2: tf.Tensor4D | null, seed?: number): LossTerms {
    void seed;
    if (!x2) throw new Error('the two-view recipe needs a second view of the batch');
    if (x2.shape.join() !== x.shape.join()) throw new Error('the two views must have the same shape');
    const o = this.options;
    const a = this.encoder.forwardTrain(x);
    const b = this.encoder.forwardTrain(x2);
    const dot = this.dot!;
    const terms: Record<string, tf.Scalar> = {};
    const parts: tf.Scalar[] = [];
    const both = (f: (dir: 0 | 1) => { loss: tf.Scalar; bound: tf.Scalar }) => {
      const r0 = f(0);
      const r1 = f(1);
      return { loss: tf.mul(0.5, tf.add(r0.loss, r1.loss)) as tf.Scalar, bound: tf.mul(0.5, tf.add(r0.bound, r1.bound)) as tf.Scalar };
    };
    if (o.objective !== 'local') {
      const s = dot.globalScores(a.mean, b.mean);
      const r = both((dir) => estimate(o.estimator, fromScoreMatrix(dir === 0 ? s : (tf.transpose(s) as tf.Tensor2D)), this.dvGlobal));
      terms.global = r.loss;
      terms.miGlobal = r.bound;
      parts.push(tf.mul(o.alpha, r.loss));
    }
    if (o.objective !== 'global') {
      const hw = a.local.shape[1] * a.local.shape[2];
      const r = both((dir) =>
        estimate(o.estimator, this.localMatrix(dir === 0 ? dot.localScores(a.local, b.mean) : dot.localScores(b.local, a.mean), hw), this.dvLocal),
      );
      terms.local = r.loss;
      terms.miLocal = r.bound;
      parts.push(tf.mul(o.beta, r.loss));
    }
    terms.kl = tf.mul(0.5, tf.add(gaussianKl(a.mean, a.logVar), gaussianKl(b.mean, b.logVar))) as tf.Scalar;
    if (o.gamma > 0) parts.push(tf.mul(o.gamma, terms.kl));
    return { loss: tf.addN(parts) as tf.Scalar, terms };
  }

  /** Scores [n·hw, n] of every local feature against every code → positives (own image) and masked negatives. */
  private localMatrix(scores: tf.Tensor2D, hw: number): PairScores {
    const n = scores.shape[1];
    const { pos, neg } = this.localMasks(n, hw);
    return { pos: tf.sum(tf.mul(scores, pos), 1) as tf.Tensor1D, neg: scores, negMask: neg };
  }

  private localMasks(n: number, hw: number): { pos: tf.Tensor2D; neg: tf.Tensor2D } {
    const key = `${n}x${hw}`;
    let m = this.masks.get(key);
    if (!m) {
      const data = new Float32Array(n * hw * n);
      for (let i = 0; i < n; i++) for (let p = 0; p < hw; p++) data[(i * hw + p) * n + i] = 1;
      const pos = tf.keep(tf.tensor2d(data, [n * hw, n]));
      const neg = tf.keep(tf.sub(1, pos) as tf.Tensor2D);
      m = { pos, neg };
      this.masks.set(key, m);
    }
    return m;
  }

  /** The DV moving averages (checkpointed so a resumed run continues them). */
  dvStates(): { global: DvState; local: DvState } {
    return { global: this.dvGlobal, local: this.dvLocal };
  }

  dispose(): void {
    for (const c of this.critics) c.dispose();
    for (const m of this.masks.values()) tf.dispose([m.pos, m.neg]);
    this.masks.clear();
    disposeDvState(this.dvGlobal);
    disposeDvState(this.dvLocal);
  }
}

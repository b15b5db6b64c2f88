/**
 * MI estimation from samples with a trained critic (MINE and friends).
 *
 * Given a source of paired samples (X, Y), a separable critic T(x, y) = f(x)·g(y) is trained with
 * Adam to maximise the chosen lower bound (main/ml/dim/estimators: DV with MINE's moving-average
 * gradient correction, JSD, or InfoNCE) on batches where the other n−1 rows of the batch are the
 * negatives of each row. The estimate is then measured on *fresh* samples the critic never saw,
 * averaged over several evaluation batches, so it cannot be inflated by overfitting:
 * - dv and jsd report the Donsker–Varadhan value mean T(pos) − log mean exp T(neg) of the trained
 *   critic (for jsd that is the MI at its optimum, whose critic is the log density ratio);
 * - infonce reports its own bound, which can never exceed log(evaluation batch size).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  createDvState,
  disposeDvState,
  estimate,
  fromScoreMatrix,
  type EstimatorName,
} from '../dim/estimators';
import { SeparableCritic } from './critic';
import type { PairSampler } from './gaussian';
import { createRandom } from './random';

export interface MiTrainingOptions {
  estimator: EstimatorName;
  /** Training steps (default 3000). */
  steps?: number;
  /** Pairs per training batch (default 256). */
  batch?: number;
  /** Adam learning rate (default 1e-3, decayed linearly to a tenth over the second half). */
  learningRate?: number;
  /** Hidden units of the critic's MLPs (default 128) and embedding length (default 32). */
  hidden?: number;
  embed?: number;
  /** MINE's moving-average rate for dv (default 0.01). */
  emaRate?: number;
  /** Fresh evaluation batches (default 8) of this many pairs (default 1024). */
  evalBatches?: number;
  evalBatch?: number;
  /**
   * Where the evaluation batches come from (default: fresh draws from `sampler`). Give a sampler
   * over a held-out pool when the samples are a finite set rather than a distribution.
   */
  evalSampler?: PairSampler;
  /**
   * Early stopping for finite samples: every `every` steps (and before the first) the critic's
   * bound is read on `batches` batches drawn once from `sampler` (a validation pool apart from
   * both training and evaluation pools), and the critic that scored best is the one evaluated.
   * A constant critic (no information, whatever the estimator makes of that) is a candidate too,
   * so a critic must beat it on validation to be trusted. Keeps a critic that memorised its few
   * training pairs from reporting a meaningless, very negative bound. The batches stay the same
   * so that critics are compared on the same pairs: fresh draws would reward whichever check drew
   * the easiest ones.
   */
  validation?: { sampler: PairSampler; batch: number; batches?: number; every?: number };
  /** Seed of the critic's initial weights (default 0). The sampler carries its own seed. */
  seed?: number;
  signal?: AbortSignal;
  /** Called every `progressEvery` steps (default 50) and at the end of training. */
  onProgress?: (progress: MiProgress) => void;
  progressEvery?: number;
}

export interface MiProgress {
  step: number;
  steps: number;
  /** The training batch's bound at this step. */
  bound: number;
  stepsPerSecond: number;
  etaSeconds: number;
}

export interface MiEstimate {
  estimator: EstimatorName;
  /** Mean bound over the fresh evaluation batches, in nats. */
  estimate: number;
  /** Standard deviation of the bound across evaluation batches. */
  evalStd: number;
  /** For infonce: log(evalBatch), the most it can report. */
  cap: number | null;
  steps: number;
  batch: number;
  evalBatch: number;
  evalBatches: number;
  /** Training bound per step (on the training batches). */
  curve: number[];
  trainSeconds: number;
  backend: string;
}

export async function estimateMutualInformation(
  sampler: PairSampler,
  dims: { dx: number; dy: number },
  options: MiTrainingOptions,
): Promise<MiEstimate> {
  const steps = positiveInt('steps', options.steps ?? 3000);
  const batch = positiveInt('batch', options.batch ?? 256);
  const evalBatches = positiveInt('evalBatches', options.evalBatches ?? 8);
  const evalBatch = positiveInt('evalBatch', options.evalBatch ?? 1024);
  if (batch < 2 || evalBatch < 2) throw new Error('batches need at least 2 pairs (one positive, one negative each)');
  const learningRate = options.learningRate ?? 1e-3;
  if (!(learningRate > 0)) throw new Error(`learning rate must be positive, got ${learningRate}`);
  const progressEvery = options.progressEvery ?? 50;
  const { estimator, signal } = options;

  const critic = new SeparableCritic(
    dims.dx,
    dims.dy,
    { hidden: options.hidden ?? 128, embed: options.embed ?? 32 },
    createRandom(options.seed ?? 0),
  );
  const optimizer = new ScheduledAdam(learningRate);
  const dvState = estimator === 'dv' ? createDvState(options.emaRate ?? 0.01) : undefined;
  const curve: number[] = [];
  const started = performance.now();
  const validate = options.validation;
  // weights null: the constant critic.
  let best: { bound: number; weights: tf.Tensor[] | null } | null = null;
  const validationPairs = validate ? Array.from({ length: validate.batches ?? 4 }, () => validate.sampler(validate.batch)) : [];
  const meanBound = async (scoresOf: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor2D) => {
    let sum = 0;
    for (const { x, y } of validationPairs) {
      const bound = tf.tidy(() => estimate(estimator, fromScoreMatrix(scoresOf(tf.tensor2d(x, [validate!.batch, dims.dx]), tf.tensor2d(y, [validate!.batch, dims.dy])))).bound);
      sum += (await bound.data())[0]!;
      bound.dispose();
    }
    return sum / validationPairs.length;
  };
  const checkValidation = async () => {
    if (!validate) return;
    const value = await meanBound((x, y) => critic.scores(x, y));
    if (best && !(value > best.bound)) return;
    if (best?.weights) tf.dispose(best.weights);
    best = { bound: value, weights: critic.variables.map((v) => tf.clone(v)) };
  };
  try {
    if (validate) best = { bound: await meanBound(() => tf.zeros([validate.batch, validate.batch])), weights: null };
    await checkValidation();
    for (let step = 1; step <= steps; step++) {
      signal?.throwIfAborted();
      optimizer.setLearningRate(learningRate * decay(step, steps));
      const { x, y } = sampler(batch);
      const bound = tf.tidy(() => {
        let stepBound: tf.Scalar | null = null;
        const { grads } = tf.variableGrads(() => {
          const scores = critic.scores(tf.tensor2d(x, [batch, dims.dx]), tf.tensor2d(y, [batch, dims.dy]));
          const result = estimate(estimator, fromScoreMatrix(scores), dvState);
          stepBound = tf.keep(result.bound);
          return result.loss;
        }, critic.variables);
        optimizer.applyGradients(grads as Parameters<ScheduledAdam['applyGradients']>[0]);
        return stepBound!;
      });
      const value = (await bound.data())[0];
      bound.dispose();
      if (!Number.isFinite(value)) throw new Error(`MI estimation diverged at step ${step} (bound ${value}); lower the learning rate`);
      curve.push(value);
      if (validate && (step % (validate.every ?? 25) === 0 || step === steps)) await checkValidation();
      if (options.onProgress && (step % progressEvery === 0 || step === steps)) {
        const elapsed = (performance.now() - started) / 1000;
        const rate = step / elapsed;
        options.onProgress({ step, steps, bound: value, stepsPerSecond: rate, etaSeconds: (steps - step) / rate });
      }
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const chosen = best as { bound: number; weights: tf.Tensor[] | null } | null;
    const constant = chosen !== null && chosen.weights === null;
    if (chosen?.weights) critic.variables.forEach((v, i) => v.assign(chosen.weights![i]!));

    const bounds: number[] = [];
    for (let b = 0; b < evalBatches; b++) {
      signal?.throwIfAborted();
      const { x, y } = (options.evalSampler ?? sampler)(evalBatch);
      const bound = tf.tidy(() => {
        const scores = constant ? tf.zeros([evalBatch, evalBatch]) : critic.scores(tf.tensor2d(x, [evalBatch, dims.dx]), tf.tensor2d(y, [evalBatch, dims.dy]));
        return estimate(estimator, fromScoreMatrix(scores as tf.Tensor2D)).bound;
      });
      bounds.push((await bound.data())[0]);
      bound.dispose();
    }
    const mean = bounds.reduce((s, v) => s + v, 0) / bounds.length;
    const std = Math.sqrt(bounds.reduce((s, v) => s + (v - mean) ** 2, 0) / bounds.length);
    return {
      estimator,
      estimate: mean,
      evalStd: std,
      cap: estimator === 'infonce' ? Math.log(evalBatch) : null,
      steps,
      batch,
      evalBatch,
      evalBatches,
      curve,
      trainSeconds,
      backend: tf.getBackend(),
    };
  } finally {
    const kept = (best as { weights: tf.Tensor[] | null } | null)?.weights;
    if (kept) tf.dispose(kept);
    critic.dispose();
    optimizer.dispose();
    if (dvState) disposeDvState(dvState);
  }
}

/**
 * Constant rate for the first half, then linear decay to a tenth: the critic first learns, then
 * settles, so the evaluated critic is not a noisy snapshot of a still-jumping one.
 */
function decay(step: number, steps: number): number {
  const half = steps / 2;
  return step <= half ? 1 : 1 - 0.9 * ((step - half) / (steps - half));
}

/** Adam whose learning rate can follow a schedule. */
class ScheduledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999);
  }

  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

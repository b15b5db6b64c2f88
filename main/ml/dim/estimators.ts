/**
 * Mutual-information estimators on critic scores — the one implementation, used by DIM training
 * and by the MI-estimation room (main/ml/mi).
 *
 * Input: for each of n "positive" pairs a score pos[i] = T(x_i, y_i), and for each row m scores
 * of "negative" pairs neg[i, j] = T(x_j', y_i) (optionally masked: negMask[i, j] = 1 for a real
 * negative). A full n×n score matrix S with the positives on its diagonal is passed as
 * pos = diag(S), neg = S, negMask = 1 − I (see `fromScoreMatrix`).
 *
 * Output: `loss` (a scalar to minimise) and `bound` (an MI estimate in nats):
 * - jsd:     loss = mean softplus(−pos) + mean softplus(neg) (DIM's default, bounded).
 *            bound = the Donsker–Varadhan value of the same critic, mean(pos) − log mean exp(neg):
 *            a true lower bound for any critic, and equal to the MI at the JSD optimum (whose
 *            critic is the log density ratio). The raw JSD value is reported as `jsd`.
 * - infonce: per row, −log softmax of pos against its real negatives; loss = mean.
 *            bound = mean over rows of log(m_real + 1) − loss_row (never above log(m + 1)).
 * - dv:      bound = mean(pos) − log mean exp(neg) (MINE). The loss has the same value (negated),
 *            but the gradient of the log-term uses an exponential moving average of mean exp(neg)
 *            as its denominator (MINE's bias correction, rate ~0.01), kept in `DvState`.
 *
 * Plain tfjs-core: no gather, no Node imports, so a renderer-side backend can run it too.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered separately from tfjs-core's ops; training and MINE need them.
import '../gradients';

export type EstimatorName = 'jsd' | 'infonce' | 'dv';
export const estimatorNames: readonly EstimatorName[] = ['jsd', 'infonce', 'dv'];

export interface PairScores {
  /** [n] scores of the positive pairs. */
  pos: tf.Tensor1D;
  /** [n, m] scores of the negative pairs of each row. */
  neg: tf.Tensor2D;
  /** [n, m], 1 where neg holds a real negative, 0 where it must be ignored (e.g. the diagonal). */
  negMask?: tf.Tensor2D;
}

export interface Estimate {
  /** Scalar to minimise. */
  loss: tf.Scalar;
  /** MI estimate in nats (see the module note for what each estimator reports). */
  bound: tf.Scalar;
  /** jsd only: the raw Jensen–Shannon value E_pos[−softplus(−T)] − E_neg[softplus(T)] (≤ 2·JSD − log 4). */
  jsd?: tf.Scalar;
}

/** MINE's moving average of mean exp(neg), kept in log space so large scores cannot overflow. */
export interface DvState {
  readonly rate: number;
  /** log of the moving average; null before the first step. A non-trainable variable. */
  logEma: tf.Variable<tf.Rank.R0> | null;
}

export function createDvState(rate = 0.01): DvState {
  if (!(rate > 0 && rate <= 1)) throw new Error(`DV moving-average rate must be in (0, 1], got ${rate}`);
  return { rate, logEma: null };
}

export function disposeDvState(state: DvState): void {
  state.logEma?.dispose();
  state.logEma = null;
}

export function isEstimatorName(name: string): name is EstimatorName {
  return (estimatorNames as readonly string[]).includes(name);
}

/** Scores of an n×n matrix (row i: anchor i against every candidate j; positives on the diagonal). */
export function fromScoreMatrix(scores: tf.Tensor2D): PairScores {
  const [n, m] = scores.shape;
  if (n !== m) throw new Error(`score matrix must be square, got ${n}×${m}`);
  if (n < 2) throw new Error('a score matrix needs at least 2 rows to have negatives');
  const eye = tf.eye(n) as tf.Tensor2D;
  return { pos: tf.sum(tf.mul(scores, eye), 1) as tf.Tensor1D, neg: scores, negMask: tf.sub(1, eye) as tf.Tensor2D };
}

/** Identity in the forward pass, no gradient in the backward pass (tfjs-core has no stopGradient). */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as never) as unknown as <T extends tf.Tensor>(x: T) => T;

/**
 * f(x) carrying no gradient, computed off the tape. stopGradient(f(x)) gives the same value but
 * leaves f on the tape, so backprop still runs f's own backward pass, on zeros: for a max, a
 * broadcasting Equal that cost 2 % of the photo training step on wasm.
 */
function detached<T extends tf.Tensor>(x: tf.Tensor, f: (x: tf.Tensor) => T): T {
  const op = tf.customGrad(((input: tf.Tensor) => ({ value: f(input), gradFunc: () => tf.zerosLike(input) })) as never) as unknown as (x: tf.Tensor) => T;
  return op(x);
}

const MASKED = -1e9;

export function estimate(name: EstimatorName, scores: PairScores, state?: DvState): Estimate {
  checkShapes(scores);
  switch (name) {
    case 'jsd':
      return jsd(scores);
    case 'infonce':
      return infoNce(scores);
    case 'dv':
      return donskerVaradhan(scores, state);
    default:
      throw new Error(`unknown estimator '${String(name)}' (one of ${estimatorNames.join(', ')})`);
  }
}

function checkShapes({ pos, neg, negMask }: PairScores): void {
  if (pos.rank !== 1) throw new Error(`pos must be [n], got [${pos.shape.join(', ')}]`);
  if (neg.rank !== 2 || neg.shape[0] !== pos.shape[0])
    throw new Error(`neg must be [n, m] with n = ${pos.shape[0]}, got [${neg.shape.join(', ')}]`);
  if (negMask && (negMask.shape[0] !== neg.shape[0] || negMask.shape[1] !== neg.shape[1]))
    throw new Error(`negMask must match neg [${neg.shape.join(', ')}], got [${negMask.shape.join(', ')}]`);
}

/** Mean of x over the real negatives. */
function maskedMean(x: tf.Tensor2D, mask: tf.Tensor2D | undefined): tf.Scalar {
  if (!mask) return tf.mean(x);
  return tf.div(tf.sum(tf.mul(x, mask)), tf.sum(mask));
}

/** log mean exp(neg) over the real negatives, shifted by the max so it cannot overflow. */
function logMeanExp(neg: tf.Tensor2D, mask: tf.Tensor2D | undefined): { value: tf.Scalar; shift: tf.Scalar; scaled: tf.Scalar } {
  const masked = mask ? tf.add(tf.mul(neg, mask), tf.mul(tf.sub(1, mask), MASKED)) : neg;
  const shift = detached(masked, (m) => tf.max(m) as tf.Scalar);
  const scaled = maskedMean(tf.exp(tf.sub(masked, shift)) as tf.Tensor2D, mask);
  return { value: tf.add(tf.log(scaled), shift) as tf.Scalar, shift, scaled };
}

function jsd({ pos, neg, negMask }: PairScores): Estimate {
  const posTerm = tf.mean(tf.softplus(tf.neg(pos)));
  const negTerm = maskedMean(tf.softplus(neg), negMask);
  const loss = tf.add(posTerm, negTerm) as tf.Scalar;
  const bound = tf.sub(tf.mean(pos), logMeanExp(neg, negMask).value) as tf.Scalar;
  return { loss, bound, jsd: tf.neg(loss) };
}

/**
 * log Σ_j exp(x[i, j]) per row, shifted by the row max. The shift carries no gradient (it cancels
 * out): tf.logSumExp lets it through Max's gradient, a broadcasting Equal that is slow on wasm.
 */
function rowLogSumExp(x: tf.Tensor2D): tf.Tensor1D {
  const shift = detached(x, (m) => tf.max(m, 1, true));
  return tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, shift)), 1)), tf.reshape(shift, [-1])) as tf.Tensor1D;
}

function infoNce({ pos, neg, negMask }: PairScores): Estimate {
  const m = neg.shape[1];
  const negatives = negMask ? tf.add(tf.mul(neg, negMask), tf.mul(tf.sub(1, negMask), MASKED)) : neg;
  const logits = tf.concat([tf.expandDims(pos, 1), negatives], 1);
  const rowLoss = tf.sub(rowLogSumExp(logits as tf.Tensor2D), pos);
  const loss = tf.mean(rowLoss) as tf.Scalar;
  const realNegatives = negMask ? tf.sum(negMask, 1) : tf.fill([pos.shape[0]], m);
  const bound = tf.mean(tf.sub(tf.log(tf.add(realNegatives, 1)), rowLoss)) as tf.Scalar;
  return { loss, bound };
}

function donskerVaradhan({ pos, neg, negMask }: PairScores, state?: DvState): Estimate {
  const { value: logTerm, shift, scaled } = logMeanExp(neg, negMask);
  const bound = tf.sub(tf.mean(pos), logTerm) as tf.Scalar;
  if (!state) return { loss: tf.neg(bound), bound };

  // MINE: ∇ log E[e^T] ≈ ∇E[e^T] / EMA(E[e^T]). The loss keeps the value −bound and gets that gradient.
  const current = stopGradient(logTerm);
  if (!state.logEma) {
    state.logEma = tf.variable(tf.clone(current) as tf.Scalar, false);
  } else {
    const r = state.rate;
    const updated = tf.logSumExp(
      tf.stack([tf.add(state.logEma, Math.log(1 - r)), tf.add(current, Math.log(r))]),
    ) as tf.Scalar;
    state.logEma.assign(updated);
  }
  // E[e^T] = e^shift · scaled, so ∇E[e^T] / EMA = e^(shift − logEma) · ∇scaled.
  const weight = stopGradient(tf.exp(tf.sub(shift, state.logEma)));
  const corrected = tf.mul(weight, tf.sub(scaled, stopGradient(scaled)));
  const loss = tf.add(tf.sub(current, tf.mean(pos)), corrected) as tf.Scalar;
  return { loss, bound };
}

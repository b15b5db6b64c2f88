import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createDvState, disposeDvState, estimate, fromScoreMatrix, type EstimatorName } from '../../../main/ml/dim/estimators';

await tf.setBackend('cpu');

/** Deterministic standard normals (mulberry32 + Box–Muller). */
function normals(count: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/**
 * n samples of correlated Gaussians (d dims, corr rho per dim) scored by the optimal critic
 * T*(x, y) = log p(x, y) / (p(x) p(y)) over all n×n pairs. True MI = −d/2 · log(1 − rho²).
 */
function optimalCriticMatrix(n: number, d: number, rho: number, seed: number): { scores: tf.Tensor2D; trueMi: number } {
  const e1 = normals(n * d, seed);
  const e2 = normals(n * d, seed + 1);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n * d);
  for (let k = 0; k < n * d; k++) {
    x[k] = e1[k];
    y[k] = rho * e1[k] + Math.sqrt(1 - rho * rho) * e2[k];
  }
  const s = new Float32Array(n * n);
  const c = 1 - rho * rho;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let k = 0; k < d; k++) {
        const xv = x[j * d + k];
        const yv = y[i * d + k];
        t += -0.5 * Math.log(c) - (xv * xv + yv * yv - 2 * rho * xv * yv) / (2 * c) + (xv * xv + yv * yv) / 2;
      }
      s[i * n + j] = t;
    }
  return { scores: tf.tensor2d(s, [n, n]), trueMi: (-d / 2) * Math.log(c) };
}

function run(name: EstimatorName, scores: tf.Tensor2D): { loss: number; bound: number } {
  return tf.tidy(() => {
    const r = estimate(name, fromScoreMatrix(scores));
    return { loss: r.loss.arraySync(), bound: r.bound.arraySync() };
  });
}

test('jsd on constant scores: loss is 2·log 2 and the bound is 0', () => {
  const scores = tf.zeros([8, 8]) as tf.Tensor2D;
  const r = run('jsd', scores);
  assert.ok(Math.abs(r.loss - 2 * Math.log(2)) < 1e-6, `loss ${r.loss}`);
  assert.ok(Math.abs(r.bound) < 1e-6, `bound ${r.bound}`);
  scores.dispose();
});

test('the mask hides the diagonal from the negative terms', () => {
  // Diagonal (positives) 10, off-diagonal −10: every estimator should see a perfect critic.
  const n = 6;
  const scores = tf.tidy(() => tf.sub(tf.mul(tf.eye(n), 20), 10)) as tf.Tensor2D;
  const j = run('jsd', scores);
  assert.ok(j.loss < 2 * Math.log1p(Math.exp(-10)) + 1e-6, `jsd loss ${j.loss}`);
  const nce = run('infonce', scores);
  // loss_row = log(1 + 5 e^-20) ≈ 0, so the bound reaches log(n).
  assert.ok(Math.abs(nce.bound - Math.log(n)) < 1e-6, `infonce bound ${nce.bound}`);
  const dv = run('dv', scores);
  assert.ok(Math.abs(dv.bound - 20) < 1e-5, `dv bound ${dv.bound}`); // 10 − log e^−10
  scores.dispose();
});

test('infonce bound never exceeds log(m + 1)', () => {
  const scores = tf.tidy(() => tf.mul(tf.eye(16), 1000)) as tf.Tensor2D;
  const r = run('infonce', scores);
  assert.ok(r.bound <= Math.log(16) + 1e-6);
  scores.dispose();
});

test('with the optimal critic of correlated Gaussians each estimator recovers the true MI', () => {
  const { scores, trueMi } = optimalCriticMatrix(400, 2, 0.5, 7); // MI = 0.2877 nats, log n = 5.99
  const dv = run('dv', scores);
  const jsd = run('jsd', scores);
  const nce = run('infonce', scores);
  for (const [name, r] of Object.entries({ dv, jsd, nce })) {
    assert.ok(Math.abs(r.bound - trueMi) < 0.06, `${name}: bound ${r.bound.toFixed(4)} vs true ${trueMi.toFixed(4)}`);
  }
  // A shuffled (useless) critic gives a bound near zero.
  const useless = tf.tidy(() => tf.zerosLike(scores)) as tf.Tensor2D;
  assert.ok(Math.abs(run('dv', useless).bound) < 1e-6);
  scores.dispose();
  useless.dispose();
});

test('separate pos/neg with explicit negatives (no mask) match the matrix form', () => {
  const n = 5;
  const data = tf.tidy(() => tf.randomNormal([n, n], 0, 1, 'float32', 3)) as tf.Tensor2D;
  // Hand-build the off-diagonal negatives as an [n, n-1] matrix.
  const s = data.arraySync();
  const pos = tf.tensor1d(s.map((row, i) => row[i]));
  const neg = tf.tensor2d(s.map((row, i) => row.filter((_, j) => j !== i)));
  for (const name of ['jsd', 'infonce', 'dv'] as const) {
    const a = run(name, data);
    const b = tf.tidy(() => {
      const r = estimate(name, { pos, neg });
      return { loss: r.loss.arraySync(), bound: r.bound.arraySync() };
    });
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5 && Math.abs(a.bound - b.bound) < 1e-5, `${name}: ${JSON.stringify({ a, b })}`);
  }
  tf.dispose([data, pos, neg]);
});

test('dv with MINE state: same value, moving-average gradient, no leaks', () => {
  const state = createDvState(0.5);
  const scoresA = tf.tensor2d([[2, 0], [0, 2]]);
  const scoresB = tf.tensor2d([[2, 3], [3, 2]]);
  const before = tf.memory().numTensors;
  const value = (s: tf.Tensor2D) => tf.tidy(() => estimate('dv', fromScoreMatrix(s), state).loss.arraySync());
  const plain = (s: tf.Tensor2D) => tf.tidy(() => estimate('dv', fromScoreMatrix(s)).loss.arraySync());
  assert.ok(Math.abs(value(scoresA) - plain(scoresA)) < 1e-6);
  // Second step: E[e^neg] jumps from 1 to e^3; the EMA (rate .5) is log((1 + e^3)/2).
  const x = tf.variable(tf.scalar(3));
  const grad = tf.tidy(() => {
    const g = tf.grad((t: tf.Tensor) => {
      const s = tf.add(tf.mul(tf.eye(2), 2), tf.mul(tf.sub(1, tf.eye(2)), t)) as tf.Tensor2D;
      return estimate('dv', fromScoreMatrix(s), state).loss;
    });
    return g(x).arraySync() as number;
  });
  // d/dt of mean e^t over the negatives = e^3, divided by the EMA (1 + e^3)/2.
  const expected = Math.exp(3) / ((1 + Math.exp(3)) / 2);
  assert.ok(Math.abs(grad - expected) < 1e-3, `grad ${grad} vs ${expected}`);
  assert.ok(Math.abs(Math.exp(state.logEma!.arraySync()) - (1 + Math.exp(3)) / 2) < 1e-3);
  void scoresB;
  disposeDvState(state);
  tf.dispose([scoresA, scoresB, x]);
  assert.ok(tf.memory().numTensors <= before, `leaked ${tf.memory().numTensors - before} tensors`);
});

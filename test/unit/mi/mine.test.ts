import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../main/ml/backend';
import { correlatedGaussianSampler, gaussianTrueMI } from '../../../main/ml/mi/gaussian';
import { estimateMutualInformation } from '../../../main/ml/mi/mine';
import { estimatorNames } from '../../../main/ml/dim/estimators';

before(async () => {
  await initBackend();
});

test('true MI of correlated Gaussians: −(d/2)·log(1−ρ²)', () => {
  assert.ok(Math.abs(gaussianTrueMI(20, 0.5) - 2.876820724517809) < 1e-12);
  assert.equal(gaussianTrueMI(3, 0), 0);
  assert.throws(() => gaussianTrueMI(20, 1), /strictly between/);
  assert.throws(() => gaussianTrueMI(0, 0.5), /positive integer/);
});

test('the sampler draws the stated correlation, reproducibly', () => {
  const { x, y } = correlatedGaussianSampler(4, 0.6, 5)(5000);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += x[i] * y[i];
    sxx += x[i] * x[i];
    syy += y[i] * y[i];
  }
  const corr = sxy / Math.sqrt(sxx * syy);
  assert.ok(Math.abs(corr - 0.6) < 0.02, `sample correlation ${corr}`);
  assert.ok(Math.abs(sxx / x.length - 1) < 0.03, `variance of X ${sxx / x.length}`);
  assert.deepEqual(correlatedGaussianSampler(4, 0.6, 5)(3).y, correlatedGaussianSampler(4, 0.6, 5)(3).y);
});

// Fast settings (d = 5, 200 steps): the full check (d = 20, defaults) is `mi-check`.
// Every estimate is a lower bound measured on fresh samples: it must come close to the truth from
// below and never exceed it by more than the sampling noise of the evaluation batches.
for (const estimator of estimatorNames) {
  test(`${estimator} tracks the Gaussian truth at ρ = 0.2, 0.5, 0.8 (d = 5, fast settings)`, async () => {
    const dim = 5;
    const estimates: number[] = [];
    for (const rho of [0.2, 0.5, 0.8]) {
      const truth = gaussianTrueMI(dim, rho);
      const result = await estimateMutualInformation(correlatedGaussianSampler(dim, rho, 11), { dx: dim, dy: dim }, {
        estimator,
        steps: 200,
        learningRate: 2e-3,
        batch: 128,
        hidden: 64,
        embed: 16,
        evalBatch: 512,
        evalBatches: 4,
        seed: 3,
      });
      const noise = 3 * (result.evalStd / Math.sqrt(result.evalBatches)) + 0.02;
      assert.ok(result.estimate <= truth + noise, `${estimator} ρ=${rho}: estimate ${result.estimate} above truth ${truth} + noise ${noise}`);
      assert.ok(result.estimate >= 0.7 * truth - 0.03, `${estimator} ρ=${rho}: estimate ${result.estimate} far below truth ${truth}`);
      assert.equal(result.curve.length, 200);
      estimates.push(result.estimate);
    }
    assert.ok(estimates[0] < estimates[1] && estimates[1] < estimates[2], `estimates grow with ρ: ${estimates.join(', ')}`);
  });
}

test('InfoNCE never reports more than log(batch size), even when the truth is far above it', async () => {
  // d = 20, ρ = 0.8: true MI 10.2 nats, while log 16 = 2.77.
  const result = await estimateMutualInformation(correlatedGaussianSampler(20, 0.8, 2), { dx: 20, dy: 20 }, {
    estimator: 'infonce',
    steps: 150,
    batch: 16,
    hidden: 64,
    evalBatch: 16,
    evalBatches: 16,
  });
  assert.equal(result.cap, Math.log(16));
  assert.ok(result.estimate <= Math.log(16) + 1e-6, `estimate ${result.estimate} above log 16`);
  assert.ok(result.estimate > 0.6 * Math.log(16), `estimate ${result.estimate} should approach the cap`);
});

test('estimation can be cancelled and refuses bad settings', async () => {
  const sampler = correlatedGaussianSampler(2, 0.5, 0);
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await assert.rejects(estimateMutualInformation(sampler, { dx: 2, dy: 2 }, { estimator: 'dv', steps: 5, signal: controller.signal }), /stop/);
  await assert.rejects(estimateMutualInformation(sampler, { dx: 2, dy: 2 }, { estimator: 'dv', batch: 1 }), /at least 2/);
  await assert.rejects(estimateMutualInformation(sampler, { dx: 2, dy: 2 }, { estimator: 'dv', steps: 0 }), /positive integer/);
});

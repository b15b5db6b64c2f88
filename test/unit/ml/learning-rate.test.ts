/** The end-of-run decay: constant before it, cosine to the final share at the planned end, held after; Adam takes the rate it is given. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { checkLearningRateDecay, describeLearningRate, learningRateAt } from '../../../main/ml/dim/learning-rate';
import { ScheduledAdam } from '../../../main/ml/dim/scheduled-adam';
import { registerGradients } from '../../../main/ml/gradients';

const decay = { fromEpoch: 30, finalFraction: 0.1 };

test('the rate is the base rate without a decay and before it starts', () => {
  assert.equal(learningRateAt(1e-3, 40, null, 39.5), 1e-3);
  assert.equal(learningRateAt(1e-3, 40, decay, 0), 1e-3);
  assert.equal(learningRateAt(1e-3, 40, decay, 30), 1e-3);
});

test('the decay is a cosine from the base rate to the final share, held past the planned end', () => {
  // Halfway through the decay the cosine is at its midpoint: (1 + 0.1) / 2 of the base.
  assert.ok(Math.abs(learningRateAt(1e-3, 40, decay, 35) - 0.55e-3) < 1e-12);
  assert.ok(Math.abs(learningRateAt(1e-3, 40, decay, 40) - 1e-4) < 1e-12);
  assert.ok(Math.abs(learningRateAt(1e-3, 40, decay, 44) - 1e-4) < 1e-12);
  let previous = Infinity;
  for (let e = 30; e <= 40; e += 0.25) {
    const rate = learningRateAt(1e-3, 40, decay, e);
    assert.ok(rate <= previous, `the rate never rises (epoch ${e})`);
    previous = rate;
  }
});

test('a decay that starts at or after the last epoch, or a share outside [0, 1], is refused', () => {
  assert.throws(() => checkLearningRateDecay({ fromEpoch: 40, finalFraction: 0.1 }, 40), /before the last epoch/);
  assert.throws(() => checkLearningRateDecay({ fromEpoch: 10, finalFraction: 1.5 }, 40), /\[0, 1\]/);
  assert.doesNotThrow(() => checkLearningRateDecay(null, 1));
  assert.match(describeLearningRate(1e-3, 40, decay), /cosine decay to 0\.0001 \(10 %\) at epoch 40/);
});

test('Adam moves a weight by the rate it was last given (its first step is ±rate)', async () => {
  await tf.setBackend('cpu');
  registerGradients();
  const x = tf.variable(tf.scalar(1));
  const adam = new ScheduledAdam(0.1);
  adam.minimize(() => tf.square(x) as tf.Scalar);
  assert.ok(Math.abs((await x.data())[0] - 0.9) < 1e-4, 'first step at 0.1');
  adam.setLearningRate(0.01);
  assert.equal(adam.currentLearningRate(), 0.01);
  const before = (await x.data())[0];
  adam.minimize(() => tf.square(x) as tf.Scalar);
  const moved = before - (await x.data())[0];
  // Adam's normalised step is about one rate when the gradient keeps its sign.
  assert.ok(moved > 0.005 && moved < 0.015, `second step moved ${moved}, about the new rate 0.01`);
  adam.dispose();
  x.dispose();
});

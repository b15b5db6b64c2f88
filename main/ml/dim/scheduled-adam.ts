/**
 * tfjs's Adam with a rate that can change between steps (a learning-rate schedule). tfjs reads
 * `learningRate` on every update but keeps it protected; this is the one place that sets it.
 * The moment estimates and the iteration count are untouched, so a checkpoint resumes as before.
 */
import * as tf from '@tensorflow/tfjs-core';

export class ScheduledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    // tf.train.adam's defaults (beta1 0.9, beta2 0.999, the backend's epsilon).
    super(learningRate, 0.9, 0.999);
  }

  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }

  currentLearningRate(): number {
    return this.learningRate;
  }
}

/** Critics: the split first layer equals the REFERENCE concat form; negatives are a derangement. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GlobalConcatCritic, LocalConcatCritic, rollBatch } from '../../../main/ml/dim/critics';
import { DimEncoder, encoderOptions } from '../../../main/ml/dim/encoder';
import { DimObjective } from '../../../main/ml/dim/objective';

await tf.setBackend('cpu');

function mlp(h: tf.Tensor2D, vars: Map<string, tf.Variable>, prefix: string, first: string, count: number): tf.Tensor2D {
  const v = (n: string) => vars.get(`${prefix}/${n}`)!;
  let out = tf.relu(tf.add(tf.matMul(h, tf.concat([v(`${first}0/kernel_a`), v(`${first}0/kernel_b`)], 0) as tf.Tensor2D), v(`${first}0/bias`))) as tf.Tensor2D;
  for (let i = 1; i <= count; i++) {
    out = tf.add(tf.matMul(out, v(`${first}${i}/kernel`) as tf.Tensor2D), v(`${first}${i}/bias`)) as tf.Tensor2D;
    if (i < count) out = tf.relu(out);
  }
  return out;
}

test('rollBatch pairs every row with another row (a derangement)', () => {
  const ids = tf.tidy(() => rollBatch(tf.reshape(tf.range(0, 6), [6, 1])).dataSync());
  assert.deepEqual(Array.from(ids), [5, 0, 1, 2, 3, 4]);
  ids.forEach((v, i) => assert.notEqual(v, i));
});

test('global concat critic: split first layer = MLP on concat[z, z] and concat[z, rolled z]', () => {
  const critic = new GlobalConcatCritic(5, [7, 6], { seed: 1 });
  tf.tidy(() => {
    const z = tf.randomNormal([4, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
    const { pos, neg } = critic.scoreRolled(z);
    const refPos = mlp(tf.concat([z, z], 1) as tf.Tensor2D, critic.variables, 'critic_global', 'dense', 2);
    const refNeg = mlp(tf.concat([z, rollBatch(z)], 1) as tf.Tensor2D, critic.variables, 'critic_global', 'dense', 2);
    assert.ok((tf.max(tf.abs(tf.sub(pos, tf.reshape(refPos, [4])))).arraySync() as number) < 1e-5);
    assert.ok((tf.max(tf.abs(tf.sub(neg, tf.reshape(refNeg, [4])))).arraySync() as number) < 1e-5);
  });
  critic.dispose();
});

test('local concat critic: split first layer = 1×1 convs on concat[C, tile(z)] (and rolled C)', () => {
  const critic = new LocalConcatCritic(3, 5, [6, 4], { seed: 3 });
  tf.tidy(() => {
    const c = tf.randomNormal([4, 2, 2, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const z = tf.randomNormal([4, 5], 0, 1, 'float32', 5) as tf.Tensor2D;
    const { pos, neg } = critic.scoreRolled(c, z);
    const tiled = tf.tile(tf.reshape(z, [4, 1, 1, 5]), [1, 2, 2, 1]);
    const ref = (map: tf.Tensor4D) => tf.reshape(mlp(tf.reshape(tf.concat([map, tiled], 3), [16, 8]) as tf.Tensor2D, critic.variables, 'critic_local', 'conv', 2), [16]);
    assert.ok((tf.max(tf.abs(tf.sub(pos, ref(c)))).arraySync() as number) < 1e-5);
    assert.ok((tf.max(tf.abs(tf.sub(neg, ref(rollBatch(c))))).arraySync() as number) < 1e-5);
  });
  critic.dispose();
});

test('objective: every recipe yields finite terms with gradients for every trainable variable', () => {
  const encoder = new DimEncoder(encoderOptions(8, { blockWidths: [4], headWidths: [4], zDim: 3 }), { seed: 1 });
  const x = tf.randomUniform([4, 8, 8, 3], -0.5, 0.5, 'float32', 6) as tf.Tensor4D;
  for (const options of [
    { estimator: 'jsd' as const },
    { estimator: 'dv' as const, objective: 'local' as const },
    { estimator: 'infonce' as const, objective: 'global' as const },
    { views: 2 as const },
  ]) {
    const objective = new DimObjective(encoder, { ...options, criticHidden: [8, 8] }, { seed: 2 });
    const vars = objective.trainableVariables();
    const { value, grads } = tf.variableGrads(() => objective.lossTerms(x, options.views === 2 ? x : null, 1).loss, vars);
    assert.ok(Number.isFinite(value.arraySync() as number), JSON.stringify(options));
    for (const v of vars) {
      if (v.name.includes('z_log_var') && options.views === 2) continue; // no prior term: log-variance unused
      assert.ok(grads[v.name], `${JSON.stringify(options)}: no gradient for ${v.name}`);
    }
    tf.dispose([value, ...Object.values(grads)]);
    objective.dispose();
  }
  encoder.dispose();
  x.dispose();
});

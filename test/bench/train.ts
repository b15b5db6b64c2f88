/**
 * `bench train --size 32 --batch 64 [--steps 5] [--recipe reference|photo] [--peer] [--json]`:
 * throughput of one full DIM training step and of inference (code means, BatchNorm folded) on the
 * active backend. `reference` (default): REFERENCE's one-view recipe (encoder + global and local
 * concat critics + KL, JSD, Adam). `photo`: the shipped photo encoders' step (two views of the
 * batch, global and local InfoNCE with the dot critics, no prior; photos per second, two views
 * each). With --peer, the PyTorch peer of the same step (shared/peers/torch_dim_step.py, or for
 * `photo` its extension test/bench/peers/torch_dim_photo_step.py; same size and batch) runs in the
 * same invocation and the ratios are reported. Repeat on a quiet box before quoting numbers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { backendDescription, initBackend } from '../../main/ml/backend';
import { DimEncoder, encoderOptions } from '../../main/ml/dim/encoder';
import { DimObjective } from '../../main/ml/dim/objective';
import { printJson } from '../../main/cli/output';

type Recipe = 'reference' | 'photo';

const PEERS: Record<Recipe, string> = {
  reference: process.env.DIMSEARCH_PEER_SCRIPT ?? fileURLToPath(new URL('../../../shared/peers/torch_dim_step.py', import.meta.url)),
  photo: fileURLToPath(new URL('./peers/torch_dim_photo_step.py', import.meta.url)),
};

function peer(recipe: Recipe, size: number, batch: number, steps: number): { train: number; infer: number } {
  const script = PEERS[recipe];
  if (!existsSync(script)) throw new Error(`peer script not found at ${script} (set DIMSEARCH_PEER_SCRIPT)`);
  const r = spawnSync('/usr/bin/python3', [script, '--size', String(size), '--batch', String(batch), '--steps', String(steps)], { encoding: 'utf8' });
  const m = /train img\/s=([\d.]+) infer img\/s=([\d.]+)/.exec(r.stdout ?? '');
  if (!m) throw new Error(`peer failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`);
  return { train: Number(m[1]), infer: Number(m[2]) };
}

async function ours(recipe: Recipe, size: number, batch: number, steps: number): Promise<{ train: number; infer: number }> {
  const encoder = new DimEncoder(encoderOptions(size), { seed: 0 });
  const objective =
    recipe === 'photo'
      ? new DimObjective(encoder, { views: 2, estimator: 'infonce', objective: 'both', alpha: 0.5, beta: 1.5, gamma: 0 })
      : new DimObjective(encoder, { estimator: 'jsd', objective: 'both' });
  const optimizer = tf.train.adam(1e-3);
  const variables = objective.trainableVariables();
  const x = tf.randomUniform([batch, size, size, 3], -0.5, 0.5, 'float32', 1) as tf.Tensor4D;
  const x2 = recipe === 'photo' ? (tf.randomUniform([batch, size, size, 3], -0.5, 0.5, 'float32', 2) as tf.Tensor4D) : null;
  const step = async (i: number) => {
    const cost = optimizer.minimize(() => objective.lossTerms(x, x2, i).loss, true, variables)!;
    await cost.data();
    cost.dispose();
  };
  for (let i = 0; i < 2; i++) await step(i);
  let t = performance.now();
  for (let i = 0; i < steps; i++) await step(100 + i);
  const train = (batch * steps) / ((performance.now() - t) / 1000);

  encoder.invalidateFolded();
  const infer = async () => {
    const codes = encoder.encodeMean(x);
    await codes.data();
    codes.dispose();
  };
  await infer();
  t = performance.now();
  for (let i = 0; i < steps; i++) await infer();
  const inferRate = (batch * steps) / ((performance.now() - t) / 1000);
  tf.dispose([x, ...(x2 ? [x2] : [])]);
  objective.dispose();
  encoder.dispose();
  optimizer.dispose();
  return { train, infer: inferRate };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      size: { type: 'string', default: '32' },
      batch: { type: 'string', default: '64' },
      steps: { type: 'string', default: '5' },
      recipe: { type: 'string', default: 'reference' },
      peer: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const recipe = values.recipe as Recipe;
  if (!(recipe in PEERS)) throw new Error(`--recipe must be reference or photo, got ${values.recipe}`);
  const size = Number(values.size);
  const batch = Number(values.batch);
  const steps = Number(values.steps);
  if (![32, 64].includes(size)) throw new Error(`--size must be 32 or 64, got ${values.size}`);
  if (!Number.isInteger(batch) || batch < 2) throw new Error(`--batch must be an integer ≥ 2`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer`);
  await initBackend();
  const backend = backendDescription();
  const round = (v: number) => Math.round(v * 10) / 10;
  const result: Record<string, unknown> = { backend, recipe, size, batch };
  let peerRates: { train: number; infer: number } | null = null;
  if (values.peer) {
    process.stderr.write(`peer: ${PEERS[recipe]} --size ${size} --batch ${batch} --steps ${steps}\n`);
    peerRates = peer(recipe, size, batch, steps);
  }
  process.stderr.write(`dimsearch: ${backend}, DIM-${size} ${recipe} step, batch ${batch}, ${steps} steps\n`);
  const mine = await ours(recipe, size, batch, steps);
  result.trainImagesPerSecond = round(mine.train);
  result.inferImagesPerSecond = round(mine.infer);
  if (peerRates) {
    result.peerTrain = round(peerRates.train);
    result.peerInfer = round(peerRates.infer);
    result.trainRatio = Math.round((mine.train / peerRates.train) * 1000) / 1000;
    result.inferRatio = Math.round((mine.infer / peerRates.infer) * 1000) / 1000;
  }
  if (values.json) printJson(result);
  else
    process.stdout.write(
      `${backend}: train ${result.trainImagesPerSecond} img/s, infer ${result.inferImagesPerSecond} img/s` +
        (peerRates ? ` · peer train ${result.peerTrain}, infer ${result.peerInfer} · ratio train ${result.trainRatio}×, infer ${result.inferRatio}×` : '') +
        '\n',
    );
}

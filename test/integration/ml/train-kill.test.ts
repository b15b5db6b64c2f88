/**
 * Crash safety of training: `dimsearch train` (tiny settings) is killed with SIGKILL at a seeded
 * random moment after its first checkpoint. The last checkpoint must load (its state and every
 * weight it lists), and `--resume` must finish the run into a model that loads and encodes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadEncoder } from '../../../main/ml/models';
import { rng, writePhotos } from '../../fixtures/photos';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
let root: string;
let photos: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-train-kill-'));
  photos = join(root, 'photos');
  await writePhotos(photos, 8, 70);
});

after(() => rm(root, { recursive: true, force: true }));

// Enough epochs that a kill shortly after the first checkpoint always lands mid-run, even on a fast box.
const EPOCHS = 10;
const trainArgs = (out: string) => ['train', photos, '--out', out, '--epochs', String(EPOCHS), '--batch', '4', '--size', '32', '--seed', '5', '--json'];

function cli(args: string[], killAfter?: { trigger: RegExp; delayMs: number }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DIMSEARCH_PROGRESS: '1' },
    });
    let stdout = '';
    let stderr = '';
    let armed = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (killAfter && !armed && killAfter.trigger.test(stderr)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfter.delayMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('a training run killed after its first checkpoint leaves a checkpoint that loads, and --resume finishes it', async () => {
  const out = join(root, 'model');
  const checkpoint = `${out}.checkpoint`;
  const delayMs = Math.floor(rng(42)() * 300);
  const killed = await cli(trainArgs(out), { trigger: new RegExp(`checkpoint: epoch 1 of ${EPOCHS} done`), delayMs });
  assert.equal(killed.signal, 'SIGKILL', `the run was killed (exit ${killed.code}): ${killed.stderr.slice(-400)}`);
  assert.ok(!existsSync(out), 'no model directory before the run finished');

  // The last checkpoint is whole: its state names every weight, and the weights decode.
  const state = JSON.parse(await readFile(join(checkpoint, 'state.json'), 'utf8')) as {
    format: string;
    weightsManifest: tf.io.WeightsManifestEntry[];
  };
  assert.equal(state.format, 'dimsearch-dim-checkpoint');
  const bytes = await readFile(join(checkpoint, 'weights.bin'));
  const tensors = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, state.weightsManifest);
  assert.equal(Object.keys(tensors).length, state.weightsManifest.length);
  for (const tensor of Object.values(tensors)) {
    assert.ok((tensor.dataSync() as Float32Array).every(Number.isFinite));
    tensor.dispose();
  }

  const resumed = await cli([...trainArgs(out), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-800));
  const result = JSON.parse(resumed.stdout.trim().split('\n').pop()!) as { status: string; epochs: number; modelId: string };
  assert.equal(result.status, 'done');
  assert.equal(result.epochs, EPOCHS);
  assert.doesNotMatch(resumed.stderr, new RegExp(`epoch 1/${EPOCHS} step`), 'the resumed run does not redo epoch 1');
  assert.match(resumed.stderr, new RegExp(`epoch ${EPOCHS}/${EPOCHS} step`));
  const encoder = await loadEncoder(out);
  try {
    assert.equal(encoder.modelId, result.modelId);
    const codes = await encoder.encode(new Float32Array(32 * 32 * 3).fill(0.1), 1);
    assert.equal(codes.length, encoder.dim);
    assert.ok(codes.every(Number.isFinite));
  } finally {
    encoder.dispose();
  }
});

/**
 * The compute window's path, in headless Chromium: the built compute page (dist/renderer/compute.html)
 * starts tfjs's webgpu backend (or webgl), and the trainer drives it through remoteStepExecutor.
 * - One step there gives the loss terms and weights of the same step on the `cpu` backend here.
 * - A whole run through the page trains (loss falls), saves a model that loads and encodes here,
 *   and a run cancelled there resumes from its checkpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { encoderOptions } from '../../main/ml/dim/encoder';
import { objectiveOptions } from '../../main/ml/dim/objective';
import { remoteStepExecutor, type ComputeChannel } from '../../main/ml/dim/step-executor';
import { DimTrainStep, type StepSetup } from '../../main/ml/dim/train-step';
import { train } from '../../main/ml/dim/trainer';
import { folderPhotoSource } from '../../main/core/training/photo-sources';
import { loadEncoder } from '../../main/ml/models';
import { createBackend } from '../../main/core/backend';
import type { JobFinished, JobProgress } from '../../main/api/contract';
import { writePhotos } from '../fixtures/photos';
import { makeDataset } from '../integration/ml/dataset';

const rendererDist = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));
const chromiumPath = process.env.DIMSEARCH_CHROMIUM ?? '/usr/bin/chromium';
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

let server: Server;
let origin: string;
let browser: Browser;
let folder: string;

before(async () => {
  assert.ok(existsSync(join(rendererDist, 'compute.html')), 'run `npm run build` first: dist/renderer/compute.html is missing');
  server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
    try {
      const body = await readFile(join(rendererDist, path));
      response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // WebGPU and WebGL on SwiftShader: the GPU APIs a desktop's compute window gets from its driver.
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-first-run'],
  });
  folder = await makeDataset(16);
  await tf.setBackend('cpu');
});

after(async () => {
  await browser?.close();
  await new Promise((done) => server?.close(done));
});

async function openComputePage(backend?: 'webgl' | 'webgpu'): Promise<{ page: Page; channel: ComputeChannel; backend: string }> {
  const page = await browser.newPage();
  await page.goto(`${origin}/compute.html${backend ? `?backend=${backend}` : ''}`);
  const started = await page.evaluate(() => window.dimsearchCompute!.ready);
  const channel: ComputeChannel = {
    call: (method, payload) => page.evaluate(([m, p]) => window.dimsearchCompute!.call(m, p), [method, payload] as const),
  };
  return { page, channel, backend: started };
}

const tinyEncoder = encoderOptions(16, { blockWidths: [8, 16], headWidths: [16], zDim: 16 });

function setup(estimator: 'jsd' | 'infonce'): StepSetup {
  return {
    encoder: tinyEncoder,
    objective: objectiveOptions({ estimator, criticHidden: [32, 32], ...(estimator === 'infonce' ? { views: 2 } : {}) }),
    learningRate: 1e-3,
    seeds: { encoder: 11, objective: 12 },
    state: null,
  };
}

function batchOf(n: number, size: number, seed: number): Float32Array {
  const out = new Float32Array(n * size * size * 3);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) - 0.5;
  }
  return out;
}

for (const pinned of ['webgpu', 'webgl'] as const) {
  test(`one training step in the compute page (${pinned}) matches the same step on the cpu backend`, async () => {
    await tf.setBackend('cpu');
    const { page, channel, backend } = await openComputePage(pinned);
    try {
      assert.equal(backend, pinned, `the page started ${pinned}`);
      for (const estimator of ['jsd', 'infonce'] as const) {
        const s = setup(estimator);
        const views = estimator === 'infonce' ? [batchOf(8, 16, 1), batchOf(8, 16, 2)] : [batchOf(8, 16, 1)];
        const batch = { views, batchSize: 8, size: 16, seed: 3 };
        const here = await DimTrainStep.create(s);
        const remote = await remoteStepExecutor(channel, 'compute window')(s);
        assert.equal(remote.backend, `${pinned} (compute window)`);
        try {
          const expected = await here.run(batch);
          const got = await remote.run(batch);
          assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort());
          for (const k of Object.keys(expected))
            assert.ok(Math.abs(got[k] - expected[k]) <= 2e-3 * Math.max(1, Math.abs(expected[k])), `${estimator} ${k}: ${got[k]} there vs ${expected[k]} here`);
          const [a, b] = [await here.exportState(), await remote.exportState()];
          assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
          let worst = { by: 0, name: '' };
          for (const [k, w] of Object.entries(a.tensors)) {
            const v = b.tensors[k];
            assert.deepEqual(v.shape, w.shape, k);
            for (let i = 0; i < w.data.length; i++) {
              const d = Math.abs(v.data[i] - w.data[i]);
              if (d > worst.by) worst = { by: d, name: `${k}[${i}]: ${v.data[i]} there, ${w.data[i]} here` };
            }
          }
          assert.ok(worst.by < 1e-3, `${estimator}: weights after one step differ by up to ${worst.by} (${worst.name})`);
        } finally {
          here.dispose();
          await remote.dispose();
        }
      }
    } finally {
      await page.close();
    }
  });
}

test('a run trained in the compute page lowers its loss, saves a model that encodes here, and resumes after a cancel', async () => {
  const { page, channel, backend } = await openComputePage();
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-compute-'));
  try {
    assert.match(backend, /^(webgpu|webgl)$/);
    const options = {
      photos: folderPhotoSource(folder), inputSize: 16, blockWidths: [8, 16], headWidths: [16], zDim: 16, criticHidden: [32, 32], batchSize: 8,
      epochs: 6, estimator: 'jsd' as const, learningRate: 3e-3, executor: remoteStepExecutor(channel, 'compute window'),
    };
    const out = join(base, 'model');
    const controller = new AbortController();
    let steps = 0;
    const first = await train({
      ...options, out, signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'training' && ++steps === 5) controller.abort();
      },
    });
    assert.equal(first.status, 'cancelled');
    assert.equal(first.backend, `${backend} (compute window)`);
    assert.ok(first.checkpoint && existsSync(join(first.checkpoint, 'state.json')), 'a cancelled run leaves its checkpoint');
    const done = await train({ ...options, out, resume: true });
    assert.equal(done.status, 'done');
    assert.equal(done.steps, 6 * 2, 'the resumed run finishes the same 12 steps');
    assert.ok(done.history[5].loss < done.history[0].loss, `loss ${done.history[0].loss} → ${done.history[5].loss}`);
    const card = JSON.parse(await readFile(join(out, 'card.json'), 'utf8')) as { backend: string };
    assert.equal(card.backend, `${backend} (compute window)`);
    const encoder = await loadEncoder(out);
    const codes = await encoder.encode(new Float32Array(2 * 16 * 16 * 3).fill(0.1), 2);
    assert.equal(codes.length, 2 * 16);
    assert.ok(Array.from(codes).every(Number.isFinite));
    encoder.dispose();
  } finally {
    await page.close();
    await rm(base, { recursive: true, force: true });
  }
});

test('the app trains in the compute window when asked: progress names the GPU backend, the model is listed with it', async () => {
  const { page, channel, backend } = await openComputePage();
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-compute-app-'));
  let opened = 0;
  const app = await createBackend({
    libraryDir: join(base, 'library'),
    // The desktop shell's part, with this test's browser page standing in for Electron's hidden window.
    desktop: { pickFolder: async () => null, showItemInFolder: () => {}, openComputeChannel: async () => (opened++, channel) },
  });
  try {
    assert.equal((await app.handlers.libraryInfo({})).gpuWindow, true);
    const photos = join(base, 'photos');
    await writePhotos(photos, 8);
    const messages: string[] = [];
    const finished = new Promise<JobFinished>((resolve) =>
      app.subscribe((event, payload) => {
        if (event === 'jobProgress') {
          const p = payload as JobProgress;
          if (p.kind === 'train' && p.message) messages.push(p.message);
        }
        if (event === 'jobFinished' && (payload as JobFinished).kind === 'train') resolve(payload as JobFinished);
      }),
    );
    await app.handlers.startTraining({ folder: photos, objective: 'both', estimator: 'jsd', epochs: 1, batchSize: 4, compute: 'gpu-window', name: 'gpu-tiny' });
    const result = await finished;
    assert.equal(result.status, 'done', result.error);
    assert.equal(opened, 1, 'the compute window was used');
    assert.ok(messages.some((m) => m.includes(`${backend} (compute window)`)), `progress shows the backend: ${messages.join(' | ')}`);
    const model = (await app.handlers.listModels({})).find((m) => m.id === result.modelId);
    assert.equal(model?.card.backend, `${backend} (compute window)`);
  } finally {
    await app.close();
    await page.close();
    await rm(base, { recursive: true, force: true });
  }
});

/**
 * Runs the DIM trainer (main/ml/dim/trainer.ts) in a worker thread, so a training never blocks
 * the thread that serves the UI, and the caller keeps the usual shape: progress callback,
 * AbortSignal, a promise of the result.
 *
 * The worker is ./train-worker.ts under tsx (development, tests) or the bundled train-worker.js
 * beside the built main process (main/app/build.mjs builds it).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainProgress, TrainResult } from '../../ml/dim/trainer';
import type { WorkerOptions } from './train-worker';

export class TrainingCancelled extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'AbortError';
  }
}

/**
 * The worker to start: the built train-worker.js beside this bundle, or in development the .ts
 * source, started through tsx's ESM API (Node's loader hooks from --import do not reach a worker's
 * entry module on every Node version).
 */
function startWorker(options: WorkerOptions): Worker {
  const source = new URL('./train-worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(source))) {
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); })`;
    return new Worker(bootstrap, { eval: true, workerData: { options } });
  }
  return new Worker(new URL('./train-worker.js', import.meta.url), { workerData: { options } });
}

export interface WorkerTrainingHooks {
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
}

/** Train in a worker thread. Resolves with the trainer's result; a cancelled run resolves too (status 'cancelled'). */
export function trainInWorker(options: WorkerOptions, hooks: WorkerTrainingHooks = {}): Promise<TrainResult> {
  const worker = startWorker(options);
  return new Promise<TrainResult>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', cancel);
      outcome();
      // The trainer has returned: nothing of value is left in the worker (wasm threads included).
      void worker.terminate();
    };
    const cancel = () => worker.postMessage({ type: 'cancel' });
    if (hooks.signal?.aborted) cancel();
    else hooks.signal?.addEventListener('abort', cancel, { once: true });
    worker.on('message', (message: { type: string; progress?: TrainProgress; result?: TrainResult; message?: string; cancelled?: boolean }) => {
      if (message.type === 'progress' && message.progress) hooks.onProgress?.(message.progress);
      else if (message.type === 'result') finish(() => resolve(message.result!));
      else if (message.type === 'error') finish(() => reject(message.cancelled ? new TrainingCancelled() : new Error(message.message)));
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the training worker stopped unexpectedly (exit code ${code})`))));
  });
}

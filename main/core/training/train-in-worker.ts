/**
 * Run a training in a worker thread (./train-worker.ts) so the caller's event loop — the app's
 * main process or a server — stays responsive. Same options and result as train(), except that
 * the photos are described as plain data (a PhotoSourceSpec: functions cannot cross to a worker),
 * which the worker turns back into core's photo source. Progress arrives through onProgress,
 * cancel through the AbortSignal.
 */
import { Worker } from 'node:worker_threads';
import type { PhotoSourceSpec } from '../../ml/data/photo-source';
import type { TrainOptions, TrainProgress, TrainResult } from '../../ml/dim/trainer';

export type WorkerTrainOptions = Omit<TrainOptions, 'photos' | 'executor'> & { photos: PhotoSourceSpec };

export function runTrainingInWorker(options: WorkerTrainOptions): Promise<TrainResult> {
  const { signal, onProgress, ...data } = options;
  // Beside this file in the sources; beside main.js in the built app (main/app/build.mjs bundles it there).
  const entry = new URL(`./train-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  return new Promise<TrainResult>((resolve, reject) => {
    // Running from TypeScript sources: the worker registers tsx before importing its entry
    // (an inherited `--import tsx` does not reach a worker's entry module on Node 20).
    const worker = entry.pathname.endsWith('.ts')
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
            `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })` +
            `.catch((e) => require('node:worker_threads').parentPort.postMessage({ type: 'error', message: String((e && e.stack) || e) }));`,
          { eval: true, workerData: data },
        )
      : new Worker(entry, { workerData: data });
    let settled = false;
    const cancel = () => worker.postMessage({ type: 'cancel' });
    if (signal?.aborted) cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', cancel);
      fn();
    };
    worker.on('message', (m: { type: string; progress?: TrainProgress; result?: TrainResult; message?: string }) => {
      if (m.type === 'progress' && m.progress) onProgress?.(m.progress);
      else if (m.type === 'done' && m.result) finish(() => resolve(m.result!));
      else if (m.type === 'error') finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited (code ${code}) without a result`))));
  });
}

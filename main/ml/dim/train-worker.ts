/**
 * worker_threads entry that runs one training run off the caller's thread.
 *
 * workerData: TrainOptions without signal/onProgress (plain, cloneable data).
 * Messages to the parent: { type: 'progress', progress }, { type: 'done', result },
 * { type: 'error', message }. Message from the parent: { type: 'cancel' } (the run stops after the
 * current step, checkpoints, and reports 'done' with status 'cancelled').
 * Use runTrainingInWorker (./train-in-worker) rather than posting these by hand.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { train, type TrainOptions } from './trainer';

if (!parentPort) throw new Error('train-worker must be started as a worker thread');
const port = parentPort;
const controller = new AbortController();
port.on('message', (message: { type?: string }) => {
  if (message?.type === 'cancel') controller.abort();
});

const options = workerData as Omit<TrainOptions, 'signal' | 'onProgress'>;
train({ ...options, signal: controller.signal, onProgress: (progress) => port.postMessage({ type: 'progress', progress }) })
  .then((result) => port.postMessage({ type: 'done', result }))
  .catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
  .finally(() => port.close());

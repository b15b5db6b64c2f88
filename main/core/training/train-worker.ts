/**
 * worker_threads entry that runs one training run off the caller's thread. It lives in core
 * because it composes both sides: ml's trainer and core's photo source (rebuilt here from its
 * plain description, since a source's functions cannot be posted to a worker).
 *
 * workerData: WorkerTrainOptions without signal/onProgress (plain, cloneable data).
 * Messages to the parent: { type: 'progress', progress }, { type: 'done', result },
 * { type: 'error', message }. Message from the parent: { type: 'cancel' } (the run stops after the
 * current step, checkpoints, and reports 'done' with status 'cancelled').
 * Use runTrainingInWorker (./train-in-worker) rather than posting these by hand.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { train } from '../../ml/dim/trainer';
import { photoSourceFromSpec } from './photo-sources';
import type { WorkerTrainOptions } from './train-in-worker';

if (!parentPort) throw new Error('train-worker must be started as a worker thread');
const port = parentPort;
const controller = new AbortController();
port.on('message', (message: { type?: string }) => {
  if (message?.type === 'cancel') controller.abort();
});

const { photos, ...options } = workerData as Omit<WorkerTrainOptions, 'signal' | 'onProgress'>;
train({ ...options, photos: photoSourceFromSpec(photos), signal: controller.signal, onProgress: (progress) => port.postMessage({ type: 'progress', progress }) })
  .then((result) => port.postMessage({ type: 'done', result }))
  .catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
  .finally(() => port.close());

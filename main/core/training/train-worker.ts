/**
 * Worker-thread entry of a training run (see ./train-in-worker.ts): the whole trainer runs here, off
 * the thread that answers the UI. Messages in: { type: 'cancel' }. Messages out: 'progress'
 * (every TrainProgress), then one 'result' (the TrainResult) or 'error' (a message).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { train, type TrainOptions } from '../../ml/dim/trainer';

export type WorkerOptions = Omit<TrainOptions, 'signal' | 'onProgress'>;

if (!parentPort) throw new Error('train-worker runs as a worker thread');
const port = parentPort;
const controller = new AbortController();
port.on('message', (message: { type?: string }) => {
  if (message?.type === 'cancel') controller.abort();
});

try {
  const result = await train({
    ...(workerData as { options: WorkerOptions }).options,
    signal: controller.signal,
    onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
  });
  port.postMessage({ type: 'result', result });
} catch (error) {
  const cancelled = controller.signal.aborted;
  port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error), cancelled });
}

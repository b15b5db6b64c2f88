/**
 * The compute window: a hidden page that trains on the GPU of any vendor through tfjs's webgpu
 * backend (webgl where WebGPU is missing). The desktop app's main process sends it training steps
 * through the preload's bridge (main/app/compute-preload.ts); a test drives it the same way from a
 * headless browser through `window.dimsearchCompute`. The step itself is main/ml/dim/train-step.ts.
 */
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { createComputeHost, startGpuBackend, type ComputeHandler } from '../../../main/ml/dim/compute-host';

declare global {
  interface Window {
    /** This page's entry points: the backend it started (or why none), and the call handler. */
    dimsearchCompute?: { ready: Promise<string>; call: ComputeHandler };
    /** Set by the desktop app's compute preload: hands the main process's calls to `serve`'s handler. */
    dimsearchComputeBridge?: { serve(handler: ComputeHandler): void };
  }
}

const status = document.getElementById('status')!;
// ?backend=webgl (or webgpu) pins one backend: a setting for drivers whose WebGPU misbehaves, and for tests.
const pinned = new URLSearchParams(location.search).get('backend');
const ready = startGpuBackend(pinned === 'webgl' || pinned === 'webgpu' ? [pinned] : undefined);
ready.then(
  (backend) => (status.textContent = `ready: ${backend}`),
  (error: unknown) => (status.textContent = `no GPU backend: ${error instanceof Error ? error.message : String(error)}`),
);
const host = createComputeHost();
const call: ComputeHandler = async (method, payload) => {
  await ready;
  return host(method, payload);
};
window.dimsearchCompute = { ready, call };
window.dimsearchComputeBridge?.serve(call);

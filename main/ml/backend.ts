/**
 * The tfjs backend ladder: the fastest backend that loads on this machine wins.
 *
 *   tensorflow (CUDA, @tensorflow/tfjs-node-gpu) → tensorflow (CPU, @tensorflow/tfjs-node) → wasm → cpu
 *
 * The two native packages are optional peers: they are imported dynamically and only when
 * installed, so a machine without them still starts. DIMSEARCH_BACKEND forces one rung
 * ('tensorflow' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu' | 'webgl' | 'webgpu').
 * On wasm the gradient kernels that backend lacks are registered from ./kernels, and its convolutions
 * and matrix products run on OpenBLAS where the optional native addon is built (main/ml/native).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './gradients';
import { nativeKernelsStatus, registerNativeKernels, registerWasmGradientFillers } from './kernels/register';

export type BackendChoice = 'tfjs-node-gpu' | 'tfjs-node' | 'tensorflow' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';

let ready: Promise<string> | null = null;

/** Name of the active backend after initBackend() (e.g. 'wasm', 'cpu', 'tensorflow'). */
export function backendName(): string {
  return tf.getBackend();
}

/** The active backend as the user should read it: 'wasm + OpenBLAS' when the native GEMMs run. */
export function backendDescription(): string {
  const name = tf.getBackend();
  return name === 'wasm' && nativeKernelsStatus().active ? 'wasm + OpenBLAS' : name;
}

/**
 * Pick and start a backend once; later calls return the same promise.
 * Throws a clear error when a forced backend cannot be loaded.
 */
export function initBackend(force: string | undefined = process.env.DIMSEARCH_BACKEND): Promise<string> {
  if (!ready) {
    ready = pickBackend(force?.trim().toLowerCase() || undefined).catch((error: unknown) => {
      ready = null;
      throw error;
    });
  }
  return ready;
}

async function pickBackend(force: string | undefined): Promise<string> {
  const ladder: BackendChoice[] = force ? [normalise(force)] : ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
  const failures: string[] = [];
  for (const rung of ladder) {
    try {
      if (await tryRung(rung)) return tf.getBackend();
      failures.push(`${rung}: not installed`);
    } catch (error) {
      failures.push(`${rung}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`no tfjs backend could start (${failures.join('; ')})`);
}

function normalise(name: string): BackendChoice {
  const known: Record<string, BackendChoice> = {
    'tfjs-node-gpu': 'tfjs-node-gpu',
    gpu: 'tfjs-node-gpu',
    cuda: 'tfjs-node-gpu',
    'tfjs-node': 'tfjs-node',
    node: 'tfjs-node',
    tensorflow: 'tensorflow',
    wasm: 'wasm',
    cpu: 'cpu',
    webgl: 'webgl',
    webgpu: 'webgpu',
  };
  const choice = known[name];
  if (!choice) throw new Error(`DIMSEARCH_BACKEND='${name}' is not one of ${Object.keys(known).join(', ')}`);
  return choice;
}

/** Import a package only if it resolves; a missing optional peer is not an error. */
async function importOptional(specifier: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ specifier);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return false;
    throw error;
  }
}

async function tryRung(rung: BackendChoice): Promise<boolean> {
  switch (rung) {
    case 'tfjs-node-gpu':
      if (!(await importOptional('@tensorflow/tfjs-node-gpu'))) return false;
      return tf.setBackend('tensorflow');
    case 'tfjs-node':
      if (!(await importOptional('@tensorflow/tfjs-node'))) return false;
      return tf.setBackend('tensorflow');
    case 'tensorflow':
      if (!(await importOptional('@tensorflow/tfjs-node-gpu')) && !(await importOptional('@tensorflow/tfjs-node')))
        return false;
      return tf.setBackend('tensorflow');
    case 'wasm': {
      const { startWasm } = await import('./wasm');
      if (!(await startWasm())) return false;
      registerWasmGradientFillers();
      registerNativeKernels();
      return true;
    }
    case 'cpu':
      return tf.setBackend('cpu');
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return tf.setBackend('webgl');
    case 'webgpu':
      await import('@tensorflow/tfjs-backend-webgpu');
      return tf.setBackend('webgpu');
  }
}

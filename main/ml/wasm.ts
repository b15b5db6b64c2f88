/**
 * Starting tfjs's wasm backend (XNNPACK, SIMD), multi-threaded in Node where possible.
 *
 * tfjs turns wasm threads off in Node (tfjs issue #3830): its Emscripten pthread workers are
 * created from a blob: URL, which Node's Worker refuses. Here a Worker class is put in front of
 * the one Emscripten installs: a blob: script becomes the same worker source run with
 * `eval: true`, and the module a worker is told to load becomes the package's own threaded build
 * on disk. Workers are unref'd so they never keep the process alive. The backend caps its thread
 * pool at half of os.cpus() (it assumes two hyperthreads per core); while it starts, os.cpus is
 * made to report twice the wanted count so the cap is ours. If anything fails the
 * single-threaded SIMD build is used. DIMSEARCH_WASM_THREADS=n sets the thread count (1 = off); the
 * default is one thread per core, or one in all when the native GEMM addon does the heavy kernels.
 *
 * Emscripten's Node glue also installs process-wide 'uncaughtException' / 'unhandledRejection'
 * listeners that rethrow (printing the whole minified module); they are removed again so the
 * app's own error handling stays in charge.
 */
import { createRequire } from 'node:module';
import os, { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { loadNativeKernels } from './kernels/native-addon';

let threads = 1;

/** Threads the wasm backend runs with (1 when single-threaded). */
export function wasmThreads(): number {
  return threads;
}

function wantedThreads(): number {
  const env = process.env.DIMSEARCH_WASM_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    return Number.isInteger(n) && n >= 1 ? n : 1;
  }
  // With OpenBLAS doing the GEMMs on every core, a second wasm thread pool only competes with it
  // (measured: a DIM-32 training step 14 % slower with two wasm threads than with one).
  if (loadNativeKernels().kernels) return 1;
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** Make Emscripten's pthread workers loadable by Node; returns an undo function. */
function installWorkerShim(): () => void {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  // tfjs escapes newlines the same way before turning this source into a blob.
  const workerSource = (require(join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }).wasmWorkerContents.replace(/\n/g, '\\n');
  const threadedScript = join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');

  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const fromBlob = String(url).startsWith('blob:');
      // A bare execArgv: the worker runs only Emscripten's script, which must not inherit
      // loaders (--import tsx) or --input-type=module from the main thread.
      super(fromBlob ? workerSource : url, fromBlob ? { ...options, eval: true, execArgv: [] } : options);
      this.unref();
      if (process.env.DIMSEARCH_DEBUG) {
        this.on('error', (e) => process.stderr.write(`wasm worker error: ${String(e)}\n`));
        this.on('message', (m: { cmd?: string }) => process.stderr.write(`wasm worker says: ${m?.cmd}\n`));
      }
    }
    // Emscripten re-refs a worker each time a pthread starts, and XNNPACK's pool threads never
    // return, so a finished process would never exit. Work on them is synchronous (the main thread
    // waits on atomics), so only start-up needs the event loop held: startWasm keeps a timer then.
    override ref(): this {
      return this;
    }
    override postMessage(message: unknown, transfer?: readonly never[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') message = { ...m, urlOrBlob: threadedScript };
      super.postMessage(message, transfer as never);
    }
  }
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => undefined });
  const realCpus = os.cpus;
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * wantedThreads() }, (_, i) => cpus[i % Math.max(cpus.length, 1)]);
  };
  return () => {
    os.cpus = realCpus;
    if (previous) Object.defineProperty(globalThis, 'Worker', previous);
    else delete (globalThis as { Worker?: unknown }).Worker;
  };
}

export async function startWasm(): Promise<boolean> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const before = new Map<string, Set<unknown>>();
  for (const e of events) before.set(e, new Set<unknown>(process.listeners(e as 'uncaughtException')));
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const wanted = wantedThreads();
    if (wanted > 1) {
      const undo = installWorkerShim();
      try {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
        wasm.setThreadsCount(wanted);
        const keepAlive = setInterval(() => undefined, 1000);
        const ok = await tf.setBackend('wasm').finally(() => clearInterval(keepAlive));
        if (process.env.DIMSEARCH_DEBUG) process.stderr.write(`wasm threaded start: ${ok}, threads ${wasm.getThreadsCount()}\n`);
        if (ok) {
          threads = wasm.getThreadsCount();
          return true;
        }
      } catch (error) {
        if (process.env.DIMSEARCH_DEBUG) process.stderr.write(`wasm threads unavailable: ${String(error)}\n`);
        // fall through to the single-threaded build
      } finally {
        undo();
      }
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    threads = 1;
    return await tf.setBackend('wasm');
  } finally {
    for (const event of events) {
      for (const listener of process.listeners(event as 'uncaughtException')) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as never);
      }
    }
  }
}

/**
 * Starting tfjs's wasm backend (XNNPACK, SIMD). Kept apart from backend.ts so the wasm
 * package is only imported when that rung of the ladder is tried.
 *
 * Emscripten's Node glue installs process-wide 'uncaughtException' / 'unhandledRejection'
 * listeners that rethrow (and print the whole minified module); they are removed again so the
 * app's own error handling stays in charge.
 */
import * as tf from '@tensorflow/tfjs-core';

export async function startWasm(): Promise<boolean> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const before = new Map<string, Set<unknown>>();
  for (const e of events) before.set(e, new Set<unknown>(process.listeners(e as 'uncaughtException')));
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return await tf.setBackend('wasm');
  } finally {
    for (const event of events) {
      for (const listener of process.listeners(event as 'uncaughtException')) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as never);
      }
    }
  }
}

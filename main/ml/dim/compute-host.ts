/**
 * The far side of remoteStepExecutor (step-executor.ts): holds one DimTrainStep and answers the
 * channel's calls. Runs in a compute window (renderer/src/compute/main.ts) on whichever GPU
 * backend that page could start. Plain tfjs-core, no Node or DOM imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ComputeMethod } from './step-executor';
import { DimTrainStep, type StepBatch, type StepSetup } from './train-step';

export type ComputeHandler = (method: ComputeMethod, payload: unknown) => Promise<unknown>;

export function createComputeHost(): ComputeHandler {
  let step: DimTrainStep | null = null;
  const current = () => {
    if (!step) throw new Error('no training step started in this compute window');
    return step;
  };
  return async (method, payload) => {
    switch (method) {
      case 'start':
        step?.dispose();
        step = null;
        step = await DimTrainStep.create(payload as StepSetup);
        return { backend: tf.getBackend() };
      case 'run':
        return current().run(payload as StepBatch);
      case 'export':
        return current().exportState();
      case 'dispose':
        step?.dispose();
        step = null;
        return null;
      default:
        throw new Error(`unknown compute call '${String(method)}'`);
    }
  };
}

/** Start the best GPU backend this page has: webgpu, else webgl. Resolves to its name. */
export async function startGpuBackend(order: readonly ('webgpu' | 'webgl')[] = ['webgpu', 'webgl']): Promise<string> {
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
      failures.push(`${name}: not available`);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`no GPU backend in this window (${failures.join('; ')})`);
}

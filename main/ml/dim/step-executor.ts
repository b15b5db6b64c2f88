/**
 * Where a training run's tensor work happens. The trainer hands batches to a StepExecutor and gets
 * loss terms back; it never touches the model's tensors itself.
 *
 * - localStepExecutor: in this process, on the backend ladder of ../backend.ts.
 * - remoteStepExecutor: in another JavaScript context reached through a ComputeChannel — the
 *   desktop app's hidden compute window running tfjs's webgpu or webgl backend, i.e. the GPU of any
 *   vendor. The other side answers with compute-host.ts.
 */
import { backendDescription, initBackend } from '../backend';
import { DimTrainStep, type StepBatch, type StepSetup, type StepState } from './train-step';

export interface StepExecutor {
  /** The tfjs backend doing the work (e.g. 'wasm', 'webgpu', 'webgl'), with where it runs. */
  readonly backend: string;
  run(batch: StepBatch): Promise<Record<string, number>>;
  exportState(): Promise<StepState>;
  dispose(): Promise<void>;
}

export type ComputeMethod = 'start' | 'run' | 'export' | 'dispose';

/** A request/response link to a compute host (Electron IPC to a window, or a test's browser page). */
export interface ComputeChannel {
  call(method: ComputeMethod, payload: unknown): Promise<unknown>;
}

export type StepExecutorFactory = (setup: StepSetup) => Promise<StepExecutor>;

export const localStepExecutor: StepExecutorFactory = async (setup) => {
  await initBackend();
  const step = await DimTrainStep.create(setup);
  return {
    backend: backendDescription(),
    run: (batch) => step.run(batch),
    exportState: () => step.exportState(),
    async dispose() {
      step.dispose();
    },
  };
};

/** An executor on the far side of `channel`; `where` names that side for the user (e.g. 'compute window'). */
export function remoteStepExecutor(channel: ComputeChannel, where: string): StepExecutorFactory {
  return async (setup) => {
    const { backend } = (await channel.call('start', setup)) as { backend: string };
    return {
      backend: `${backend} (${where})`,
      run: async (batch) => (await channel.call('run', batch)) as Record<string, number>,
      exportState: async () => (await channel.call('export', null)) as StepState,
      async dispose() {
        await channel.call('dispose', null);
      },
    };
  };
}

/**
 * The tensor side of a training run: encoder + objective + Adam, driven by plain data (batches of
 * floats in, loss terms out, the whole state out as named arrays). The trainer (trainer.ts: files,
 * shuffles, augmentation, checkpoints) talks to it through a StepExecutor (step-executor.ts), so
 * the same step runs in this process (wasm, cpu, tfjs-node) or in a compute window on the GPU
 * (webgpu, webgl). Plain tfjs-core, no Node imports; everything crossing the boundary is
 * structured-clone data.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DimEncoder, type EncoderOptions } from './encoder';
import { DimObjective, type ObjectiveOptions } from './objective';
import { ScheduledAdam } from './scheduled-adam';

/** A tensor as plain data (float32 or int32 values, row-major). */
export interface WireTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Everything a run needs to continue: weights (encoder + critics), Adam's slots, DV averages. */
export interface StepState {
  tensors: Record<string, WireTensor>;
  /** How many `optimizer/<i>` entries `tensors` holds (Adam's iteration count first). */
  optimizerWeights: number;
  dv: { global: number | null; local: number | null };
}

export interface StepSetup {
  encoder: EncoderOptions;
  objective: ObjectiveOptions;
  learningRate: number;
  /** Seeds of a fresh run's initial weights. */
  seeds: { encoder: number; objective: number };
  /** A saved state to continue from instead (a resume). */
  state: StepState | null;
  /**
   * A fresh run's encoder weights, taken from a trained model (fine-tuning, e.g. adapting a model
   * to a library); the critics and Adam start fresh. Ignored when `state` is given.
   */
  initialEncoder?: Record<string, WireTensor> | null;
  /**
   * That model's critics (saved beside it), so continuing it continues the same objective instead
   * of training the encoder against fresh, random critics. Used where they fit this run's
   * objective (same critic kind and sizes); otherwise the critics start fresh.
   */
  initialCritics?: Record<string, WireTensor> | null;
}

export interface StepBatch {
  /** One view, or two augmented views (same shape): batchSize × size × size × 3, NHWC. */
  views: Float32Array[];
  batchSize: number;
  size: number;
  /** The step's noise seed (the code sample of the one-view recipe). */
  seed: number;
  /** This step's Adam rate (a schedule's); the setup's rate when absent. */
  learningRate?: number;
}

/** Async read: GPU backends (webgpu) cannot be trusted with a synchronous one. */
export async function toWire(t: tf.Tensor): Promise<WireTensor> {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const values = await t.data();
  const data = dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
  return { shape: [...t.shape], dtype, data };
}

export function fromWire(w: WireTensor): tf.Tensor {
  return tf.tensor(w.data, w.shape, w.dtype);
}

/** Whether saved critic weights have every name and shape this objective's critics need. */
function criticsFit(encoder: DimEncoder, options: ObjectiveOptions, critics: tf.NamedTensorMap): boolean {
  const probe = new DimObjective(encoder, options, { seed: 0 });
  const needed = [...probe.criticVariables()].map(([name, v]) => [name, v.shape.join('x')] as const);
  probe.dispose();
  return needed.every(([name, shape]) => critics[name]?.shape.join('x') === shape);
}

export class DimTrainStep {
  private constructor(
    private readonly encoder: DimEncoder,
    private readonly objective: DimObjective,
    private readonly optimizer: ScheduledAdam,
  ) {}

  static async create(setup: StepSetup): Promise<DimTrainStep> {
    const loaded: tf.NamedTensorMap | null = setup.state
      ? Object.fromEntries(Object.entries(setup.state.tensors).map(([k, w]) => [k, fromWire(w)]))
      : null;
    const initial: tf.NamedTensorMap | null =
      !setup.state && setup.initialEncoder ? Object.fromEntries(Object.entries(setup.initialEncoder).map(([k, w]) => [k, fromWire(w)])) : null;
    try {
      const encoder = loaded
        ? new DimEncoder(setup.encoder, { weights: loaded })
        : initial
          ? new DimEncoder(setup.encoder, { weights: initial })
          : new DimEncoder(setup.encoder, { seed: setup.seeds.encoder });
      const critics = !setup.state && setup.initialCritics ? Object.fromEntries(Object.entries(setup.initialCritics).map(([k, w]) => [k, fromWire(w)])) : null;
      let objective: DimObjective;
      try {
        objective = loaded
          ? new DimObjective(encoder, setup.objective, { weights: loaded })
          : critics && criticsFit(encoder, setup.objective, critics)
            ? new DimObjective(encoder, setup.objective, { weights: critics })
            : new DimObjective(encoder, setup.objective, { seed: setup.seeds.objective });
      } finally {
        if (critics) tf.dispose(Object.values(critics));
      }
      const optimizer = new ScheduledAdam(setup.learningRate);
      if (setup.state && loaded) {
        const count = setup.state.optimizerWeights;
        const weights = Array.from({ length: count }, (_, i) => ({ name: `optimizer/${i}`, tensor: loaded[`optimizer/${i}`] }));
        if (weights.length > 0) await optimizer.setWeights(weights);
        const dv = objective.dvStates();
        if (setup.state.dv.global != null) dv.global.logEma = tf.variable(tf.scalar(setup.state.dv.global), false);
        if (setup.state.dv.local != null) dv.local.logEma = tf.variable(tf.scalar(setup.state.dv.local), false);
      }
      return new DimTrainStep(encoder, objective, optimizer);
    } finally {
      // Variables and optimizer slots hold their own copies.
      if (loaded) tf.dispose(Object.values(loaded));
      if (initial) tf.dispose(Object.values(initial));
    }
  }

  /** One Adam step on the batch; resolves to every loss term and MI estimate of the step. */
  async run(batch: StepBatch): Promise<Record<string, number>> {
    const { batchSize, size } = batch;
    if (batch.views.length < 1 || batch.views.length > 2) throw new Error(`a batch has one or two views, got ${batch.views.length}`);
    for (const v of batch.views)
      if (v.length !== batchSize * size * size * 3) throw new Error(`a view of ${batchSize} images of ${size}×${size}×3 needs ${batchSize * size * size * 3} values, got ${v.length}`);
    if (batch.learningRate !== undefined) {
      if (!(batch.learningRate > 0)) throw new Error(`a step's learning rate must be positive, got ${batch.learningRate}`);
      this.optimizer.setLearningRate(batch.learningRate);
    }
    let captured: Record<string, tf.Scalar> = {};
    tf.tidy(() => {
      const x = tf.tensor4d(batch.views[0], [batchSize, size, size, 3]);
      const x2 = batch.views[1] ? tf.tensor4d(batch.views[1], [batchSize, size, size, 3]) : null;
      this.optimizer.minimize(
        () => {
          const { loss, terms } = this.objective.lossTerms(x, x2, batch.seed);
          captured = Object.fromEntries(Object.entries({ loss, ...terms }).map(([k, v]) => [k, tf.keep(tf.clone(v))]));
          return loss;
        },
        false,
        this.objective.trainableVariables(),
      );
    });
    this.encoder.invalidateFolded();
    const values = await Promise.all(Object.entries(captured).map(async ([k, v]) => [k, (await v.data())[0]] as const));
    tf.dispose(Object.values(captured));
    return Object.fromEntries(values);
  }

  /** The whole state as plain data (checkpoints, the final model). */
  async exportState(): Promise<StepState> {
    const tensors: Record<string, WireTensor> = {};
    for (const [k, v] of [...this.encoder.variables, ...this.objective.criticVariables()]) tensors[k] = await toWire(v);
    const optimizerWeights = await this.optimizer.getWeights();
    for (const [i, w] of optimizerWeights.entries()) tensors[`optimizer/${i}`] = await toWire(w.tensor);
    optimizerWeights[0]?.tensor.dispose(); // the iteration count: a fresh scalar, not an optimizer variable
    const dv = this.objective.dvStates();
    return {
      tensors,
      optimizerWeights: optimizerWeights.length,
      dv: { global: dv.global.logEma ? (await dv.global.logEma.data())[0] : null, local: dv.local.logEma ? (await dv.local.logEma.data())[0] : null },
    };
  }

  dispose(): void {
    this.objective.dispose();
    this.encoder.dispose();
    this.optimizer.dispose();
  }
}

/**
 * Trains a DIM encoder on photos from a PhotoSource it is handed (Node side: checkpoints, model IO).
 *
 *   list → decode once (the source's decoder: core's gives the same pixels the indexer gives the
 *   model; a bad file is skipped with its reason) → epochs of shuffled batches (optionally two augmented
 *   views) → Adam on the DIM objective → a checkpoint each epoch → the model directory + card.json.
 *
 * Progress events carry every loss term, the MI estimates, images/s and time left. An AbortSignal
 * stops the run between steps; the state at that moment is checkpointed, and `resume` continues
 * the same run (same shuffles and noise, optimizer state, epoch counter, DV moving averages).
 * The model, objective and estimators are plain tfjs-core (a renderer backend could run them);
 * only this file does IO.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { saveEncoder, writeDirAtomic, recoverDirAtomic, encodeNamedTensors, loadDimEncoder, readCritics, resolveModelDir } from '../models';
import { blendWithInitial } from './weight-blend';
import type { PhotoSource } from '../data/photo-source';
import { augmentBatch } from './augment';
import { photoAugmentBatch } from './photo-augment';
import { checkLearningRateDecay, describeLearningRate, learningRateAt, type LearningRateDecay } from './learning-rate';
import { DimEncoder, encoderOptions, type EncoderOptions } from './encoder';
import { isEstimatorName, type EstimatorName } from './estimators';
import { objectiveOptions, type ObjectiveName, type ObjectiveOptions } from './objective';
import { Rng, deriveSeed, permutation } from './random';
import { defaultSearchCode, describeSearchCode, searchCodeOf, searchInputSizeOf, type SearchCode } from './search-code';
import { localStepExecutor, type StepExecutor, type StepExecutorFactory } from './step-executor';
import { fromWire, toWire, type StepState, type WireTensor } from './train-step';

export interface TrainOptions {
  /** The photos to learn from (core's folder or library source: main/core/training/photo-sources.ts). */
  photos: PhotoSource;
  /** Model directory to write. */
  out: string;
  /** Model name (default: the out folder's name). */
  name?: string;
  inputSize?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Ease the rate down over the last epochs (learning-rate.ts); a resume may set or change it. */
  learningRateDecay?: LearningRateDecay | null;
  objective?: ObjectiveName;
  estimator?: EstimatorName;
  /** Two augmented views per image (REFERENCE's augmented recipe); implied by `augmentation`. */
  augment?: boolean;
  /**
   * Which augmentation makes the two views: 'pad-crop' (REFERENCE's CIFAR recipe, default) or
   * 'photo' (random resized crops from a larger source square, flips, small turns, colour jitter,
   * grey, blur: photo-augment.ts).
   */
  augmentation?: Augmentation;
  /** Side of the square each photo is kept at for 'photo' augmentation (default 1.25 × inputSize). */
  sourceSize?: number;
  /**
   * Start the encoder from this model directory's weights instead of a random one (fine-tuning,
   * e.g. adapting a model to a library); its architecture replaces inputSize, zDim, blockWidths and
   * headWidths. Its saved critics are continued where they fit; Adam starts fresh. A resume continues from its checkpoint instead.
   */
  initialModel?: string;
  /**
   * With initialModel: the saved model's weights are this share of the starting model's plus the
   * rest of the trained ones (weight-space ensembling, weight-blend.ts). 0 or absent: the trained ones.
   */
  initialWeightShare?: number;
  alpha?: number;
  beta?: number;
  gamma?: number;
  /** Architecture overrides (tests use tiny ones). */
  zDim?: number;
  blockWidths?: number[];
  headWidths?: number[];
  criticHidden?: number[];
  /** Use at most this many photos (a seeded random subset). */
  limit?: number;
  seed?: number;
  /** Where checkpoints go (default: `${out}.checkpoint`). */
  checkpointDir?: string;
  /** Continue the run saved in checkpointDir (epochs may be raised to train longer). */
  resume?: boolean;
  /** Keep the checkpoint after a finished run (default: removed). */
  keepCheckpoint?: boolean;
  /**
   * Also checkpoint mid-epoch when this many seconds have passed since the last checkpoint, so a
   * long run killed outright (no chance to save) loses at most that much work.
   */
  checkpointEverySeconds?: number;
  /** Stop after this many steps in this call (tests; the run stays resumable). */
  maxSteps?: number;
  /** When cancelled (or stopped by maxSteps), also write the model directory from the current weights. */
  saveModelOnStop?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
  /** Where the tensor work runs (default: this process, on the backend ladder). Not for workers. */
  executor?: StepExecutorFactory;
  /** Extra card.json fields (e.g. dataset description). */
  card?: Record<string, unknown>;
  /**
   * What the saved model's index stores (search-code.ts). Default: the starting model's, else
   * 'global+2local' for photo augmentation and 'global' otherwise.
   */
  searchCode?: SearchCode;
  /** The side the saved model searches at (search-code.ts). Default: the starting model's, else the input size. */
  searchInputSize?: number;
}

export interface TrainProgress {
  phase: 'scanning' | 'decoding' | 'training' | 'checkpoint' | 'saving';
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Units done / total in this phase (images decoded, or steps trained over the whole run). */
  done: number;
  total: number;
  /** Loss terms and MI estimates of the last step: loss, global, local, kl, miGlobal, miLocal. */
  terms: Record<string, number>;
  imagesPerSecond: number;
  etaSeconds: number | null;
  message?: string;
  /** The tfjs backend doing the math (e.g. 'wasm', 'webgpu (compute window)'), once known. */
  backend?: string;
}

export interface Skip {
  path: string;
  reason: string;
}

export interface TrainResult {
  status: 'done' | 'cancelled' | 'stopped';
  /** The model directory (written only when status is 'done'). */
  model: string | null;
  modelId: string | null;
  /** Epochs completed. */
  epochs: number;
  steps: number;
  images: number;
  imagesPerSecond: number;
  backend: string;
  seconds: number;
  skipped: Skip[];
  checkpoint: string | null;
  /** Mean terms of each completed epoch. */
  history: Record<string, number>[];
}

export type Augmentation = 'none' | 'pad-crop' | 'photo';

/** Everything that defines a run (stored in the checkpoint; a resume must agree on it). */
interface RunConfig {
  folder: string;
  out: string;
  name: string;
  inputSize: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Absent in checkpoints written before the decay existed (constant rate). */
  learningRateDecay?: LearningRateDecay | null;
  augment: boolean;
  augmentation: Augmentation;
  /** Side of the square photos are kept at in memory (inputSize, or larger for 'photo' crops). */
  sourceSize: number;
  seed: number;
  limit: number | null;
  encoder: EncoderOptions;
  objective: ObjectiveOptions;
  /** Absent in checkpoints written before the choice existed (then the augmentation's default). */
  searchCode?: SearchCode;
  searchInputSize?: number;
  /** The starting model and its share of the saved weights (kept here so a resume blends the same). */
  blend?: { from: string; initialShare: number } | null;
}

interface CheckpointState {
  format: 'dimsearch-dim-checkpoint';
  formatVersion: 1;
  runId: string;
  config: RunConfig;
  files: string[];
  skipped: Skip[];
  /** Next position: epoch (0-based) and step within it. */
  epoch: number;
  step: number;
  stepsDone: number;
  imagesSeen: number;
  elapsedSeconds: number;
  history: Record<string, number>[];
  /** Sums of the terms over the steps done in the current epoch (so its mean survives a resume). */
  epochSums: Record<string, number>;
  epochCount: number;
  dv: { global: number | null; local: number | null };
  optimizerWeights: number;
  weightsManifest: tf.io.WeightsManifestEntry[];
  savedAt: string;
}

const CHECKPOINT_FORMAT = 'dimsearch-dim-checkpoint';
/** Decoded pixels kept in memory as bytes (exact: the decoder's floats are byte/255 − 0.5). */
const CACHE_LIMIT_BYTES = Number(process.env.DIMSEARCH_TRAIN_CACHE_MB ?? 2048) * 1024 * 1024;
const DECODE_CONCURRENCY = 4;

export function checkpointDirFor(options: Pick<TrainOptions, 'out' | 'checkpointDir'>): string {
  return resolve(options.checkpointDir ?? `${resolve(options.out)}.checkpoint`);
}

function buildConfig(options: TrainOptions, initial: EncoderOptions | null, initialSearch: { code: SearchCode; inputSize: number } | null): RunConfig {
  const inputSize = initial?.inputSize ?? options.inputSize ?? 32;
  // Naming an augmentation asks for two views; 'none' (or nothing) keeps the one-view recipe.
  const augment = options.augment ?? (options.augmentation !== undefined && options.augmentation !== 'none');
  if (options.augment === false && options.augmentation !== undefined && options.augmentation !== 'none')
    throw new Error(`augmentation '${options.augmentation}' needs two views (augment must not be false)`);
  options = { ...options, augment };
  const estimator = options.estimator ?? (options.augment ? 'infonce' : 'jsd');
  if (!isEstimatorName(estimator)) throw new Error(`estimator must be jsd, infonce or dv, got '${String(estimator)}'`);
  const config: RunConfig = {
    folder: resolve(options.photos.root),
    out: resolve(options.out),
    name: options.name ?? basename(resolve(options.out)),
    inputSize,
    epochs: options.epochs ?? 1,
    batchSize: options.batchSize ?? 64,
    learningRate: options.learningRate ?? 1e-3,
    learningRateDecay: options.learningRateDecay ?? null,
    augment: options.augment ?? false,
    augmentation: options.augment ? (options.augmentation ?? 'pad-crop') : 'none',
    sourceSize: options.augment && options.augmentation === 'photo' ? (options.sourceSize ?? Math.round(inputSize * 1.25)) : inputSize,
    seed: options.seed ?? 0,
    limit: options.limit ?? null,
    encoder: initial ?? encoderOptions(inputSize, { zDim: options.zDim, blockWidths: options.blockWidths, headWidths: options.headWidths }),
    objective: objectiveOptions({
      objective: options.objective,
      estimator,
      alpha: options.alpha,
      beta: options.beta,
      gamma: options.gamma,
      views: options.augment ? 2 : 1,
      criticHidden: options.criticHidden,
    }),
  };
  config.searchCode = searchCodeOf(options.searchCode ?? initialSearch?.code ?? defaultSearchCode(config.augmentation), 'training');
  config.searchInputSize = searchInputSizeOf(options.searchInputSize ?? initialSearch?.inputSize ?? config.encoder.inputSize, config.encoder, 'training');
  config.blend = blendOf(options);
  if (!Number.isInteger(config.epochs) || config.epochs < 1) throw new Error(`epochs must be a positive integer, got ${config.epochs}`);
  if (!Number.isInteger(config.batchSize) || config.batchSize < 2) throw new Error(`batch size must be an integer ≥ 2, got ${config.batchSize}`);
  if (!(config.learningRate > 0)) throw new Error(`learning rate must be positive, got ${config.learningRate}`);
  checkLearningRateDecay(config.learningRateDecay ?? null, config.epochs);
  if (!Number.isInteger(config.sourceSize) || config.sourceSize < inputSize)
    throw new Error(`source size must be an integer ≥ the input size ${inputSize}, got ${config.sourceSize}`);
  return config;
}

function blendOf(options: TrainOptions): RunConfig['blend'] {
  const share = options.initialWeightShare;
  if (share === undefined || share === 0) return null;
  if (!(share > 0 && share <= 1)) throw new Error(`the starting model's share of the weights must be within 0–1, got ${share}`);
  if (!options.initialModel) throw new Error("a share of the starting model's weights needs a starting model (initialModel)");
  return { from: resolveModelDir(options.initialModel), initialShare: share };
}

interface Dataset {
  files: string[];
  pixels: Uint8Array[];
  skipped: Skip[];
}

async function loadDataset(
  config: RunConfig,
  source: PhotoSource,
  fixedFiles: string[] | null,
  signal: AbortSignal | undefined,
  report: (p: Partial<TrainProgress>) => void,
): Promise<Dataset> {
  const skipped: Skip[] = [];
  let files: string[];
  if (fixedFiles) {
    files = fixedFiles;
  } else {
    report({ phase: 'scanning', message: `listing the photos of ${config.folder}` });
    const listed = await source.list(signal);
    skipped.push(...listed.skipped);
    files = listed.photos;
    const perImage = config.sourceSize * config.sourceSize * 3;
    const cap = Math.floor(CACHE_LIMIT_BYTES / perImage);
    const limit = Math.min(config.limit ?? Infinity, cap);
    if (files.length > limit) {
      const order = permutation(files.length, new Rng(deriveSeed(config.seed, 0x5ca1ab1e)));
      files = Array.from(order.subarray(0, limit), (i) => files[i]).sort();
      if (limit === cap && (config.limit ?? Infinity) > cap)
        report({ phase: 'scanning', message: `using a random ${cap} of the photos (memory cap DIMSEARCH_TRAIN_CACHE_MB)` });
    }
  }
  const pixels: (Uint8Array | null)[] = new Array(files.length).fill(null);
  let next = 0;
  let done = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < files.length) {
      if (signal?.aborted) return;
      const i = next++;
      try {
        const floats = await source.decodeSquare(files[i], config.sourceSize);
        const bytes = new Uint8Array(floats.length);
        for (let k = 0; k < floats.length; k++) bytes[k] = Math.round((floats[k] + 0.5) * 255);
        pixels[i] = bytes;
      } catch (error) {
        skipped.push({ path: files[i], reason: error instanceof Error ? error.message : String(error) });
      }
      done++;
      if (done % 256 === 0 || done === files.length) {
        const rate = done / ((performance.now() - started) / 1000);
        report({ phase: 'decoding', done, total: files.length, imagesPerSecond: rate, etaSeconds: (files.length - done) / rate });
      }
    }
  };
  await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, worker));
  if (signal?.aborted) throw new DOMException('training cancelled', 'AbortError');
  const good: string[] = [];
  const goodPixels: Uint8Array[] = [];
  files.forEach((f, i) => {
    if (pixels[i]) {
      good.push(f);
      goodPixels.push(pixels[i]!);
    }
  });
  return { files: good, pixels: goodPixels, skipped };
}

function toFloats(bytes: Uint8Array, out: Float32Array, offset: number): void {
  for (let k = 0; k < bytes.length; k++) out[offset + k] = bytes[k] / 255 - 0.5;
}

async function writeCheckpoint(dir: string, state: Omit<CheckpointState, 'weightsManifest' | 'optimizerWeights' | 'savedAt'>, stepState: StepState): Promise<void> {
  const tensors: tf.NamedTensorMap = Object.fromEntries(Object.entries(stepState.tensors).map(([k, w]) => [k, fromWire(w)]));
  try {
    const { data, specs } = await encodeNamedTensors(tensors);
    // Photos under the run's folder are stored relative to it, so a checkpoint can move with its data.
    const files = state.files.map((f) => relativeUnder(state.config.folder, f));
    const full: CheckpointState = { ...state, files, optimizerWeights: stepState.optimizerWeights, weightsManifest: specs, savedAt: new Date().toISOString() };
    await writeDirAtomic(dir, { 'state.json': JSON.stringify(full), 'weights.bin': data });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

function relativeUnder(folder: string, file: string): string {
  const r = relative(folder, file);
  return r.startsWith('..') || isAbsolute(r) ? file : r;
}

async function readCheckpoint(dir: string): Promise<{ state: CheckpointState; tensors: tf.NamedTensorMap }> {
  await recoverDirAtomic(dir);
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) throw new Error(`no checkpoint to resume at ${dir}`);
  const state = JSON.parse(await readFile(statePath, 'utf8')) as CheckpointState;
  if (state.format !== CHECKPOINT_FORMAT) throw new Error(`${statePath} is not a dimsearch training checkpoint`);
  const bytes = await readFile(join(dir, 'weights.bin'));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { state, tensors: tf.io.decodeWeights(buffer, state.weightsManifest) };
}

function sameRun(a: RunConfig, b: RunConfig): string | null {
  const keys: (keyof RunConfig)[] = ['folder', 'inputSize', 'batchSize', 'learningRate', 'augment', 'augmentation', 'sourceSize', 'seed', 'encoder', 'objective'];
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return k;
  return null;
}

/** A model directory's encoder: its architecture and weights as plain data (for StepSetup.initialEncoder). */
async function readInitialEncoder(
  dir: string,
): Promise<{ options: EncoderOptions; weights: Record<string, WireTensor>; critics: Record<string, WireTensor> | null; name: string; id: string; search: { code: SearchCode; inputSize: number } }> {
  const { encoder, info } = await loadDimEncoder(dir);
  const saved = await readCritics(dir).catch((error) => {
    encoder.dispose();
    throw error;
  });
  try {
    const weights: Record<string, WireTensor> = {};
    for (const [name, variable] of encoder.variables) weights[name] = await toWire(variable);
    let critics: Record<string, WireTensor> | null = null;
    if (saved) {
      critics = {};
      for (const [name, tensor] of Object.entries(saved)) critics[name] = await toWire(tensor);
    }
    return { options: encoder.options, weights, critics, name: info.name, id: info.id, search: { code: info.searchCode, inputSize: info.searchInputSize } };
  } finally {
    encoder.dispose();
    if (saved) tf.dispose(Object.values(saved));
  }
}

/** Train (or resume) a run. Resolves when it finishes, is cancelled, or hits maxSteps. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  // This side only moves weights between files and the executor; the local executor does the math here
  // (reading a starting model's weights needs a backend on this side too).
  if (!options.executor || (options.initialModel && !options.resume)) await initBackend();
  const started = performance.now();
  const checkpointDir = checkpointDirFor(options);
  let backend: string | undefined;
  const report = (p: Partial<TrainProgress>) =>
    options.onProgress?.({ phase: 'training', epoch: 0, epochs: 0, step: 0, stepsPerEpoch: 0, done: 0, total: 0, terms: {}, imagesPerSecond: 0, etaSeconds: null, backend, ...p });

  const initial = options.initialModel && !options.resume ? await readInitialEncoder(options.initialModel) : null;
  let config = buildConfig(options, initial?.options ?? null, initial?.search ?? null);
  let resumed: { state: CheckpointState; tensors: tf.NamedTensorMap } | null = null;
  if (options.resume) {
    resumed = await readCheckpoint(checkpointDir);
    const differs = sameRun(resumed.state.config, config);
    // A resume takes the run's own settings; only the epoch count may change (to train longer), and
    // its photos may have moved (a fresh machine extracts the dataset elsewhere).
    const folder = resolve(options.photos.root);
    if (differs && folder !== resumed.state.config.folder) {
      if (existsSync(resumed.state.config.folder))
        throw new Error(`checkpoint at ${checkpointDir} belongs to a run on ${resumed.state.config.folder}, not ${folder}`);
      resumed.state.config.folder = folder;
    }
    resumed.state.files = resumed.state.files.map((f) => resolve(resumed!.state.config.folder, f));
    // Checkpoints written before photo augmentation existed lack its two fields.
    const old: Omit<RunConfig, 'augmentation' | 'sourceSize'> & Partial<RunConfig> = resumed.state.config;
    config = { augmentation: old.augment ? 'pad-crop' : 'none', sourceSize: old.inputSize, ...old, epochs: options.epochs ?? resumed.state.config.epochs, out: resolve(options.out), name: options.name ?? resumed.state.config.name };
    // Like the epoch count, the end-of-run decay may be set when a run is continued.
    if (options.learningRateDecay !== undefined) config.learningRateDecay = options.learningRateDecay;
    if (options.searchCode !== undefined) config.searchCode = options.searchCode;
    if (options.searchInputSize !== undefined) config.searchInputSize = searchInputSizeOf(options.searchInputSize, config.encoder, 'training');
    checkLearningRateDecay(config.learningRateDecay ?? null, config.epochs);
  }

  const resumedStep: StepState | null = resumed
    ? {
        tensors: Object.fromEntries(await Promise.all(Object.entries(resumed.tensors).map(async ([k, t]) => [k, await toWire(t)] as const))),
        optimizerWeights: resumed.state.optimizerWeights,
        dv: resumed.state.dv,
      }
    : null;
  tf.dispose(Object.values(resumed?.tensors ?? {}));
  const executor: StepExecutor = await (options.executor ?? localStepExecutor)({
    encoder: config.encoder,
    objective: config.objective,
    learningRate: config.learningRate,
    seeds: { encoder: deriveSeed(config.seed, 1), objective: deriveSeed(config.seed, 2) % 100000 },
    state: resumedStep,
    initialEncoder: initial?.weights ?? null,
    initialCritics: initial?.critics ?? null,
  });
  backend = executor.backend;

  let dataset: Dataset;
  try {
    dataset = await loadDataset(config, options.photos, resumed ? resumed.state.files : null, options.signal, report);
  } catch (error) {
    await executor.dispose();
    if (!options.signal?.aborted) throw error;
    // Cancelled while reading photos: nothing trained, nothing new to save.
    return {
      status: 'cancelled', model: null, modelId: null, epochs: resumed?.state.epoch ?? 0, steps: resumed?.state.stepsDone ?? 0, images: 0,
      imagesPerSecond: 0, backend, seconds: (performance.now() - started) / 1000, skipped: [], checkpoint: existsSync(checkpointDir) ? checkpointDir : null,
      history: resumed?.state.history ?? [],
    };
  }
  const skipped = [...(resumed?.state.skipped ?? []), ...dataset.skipped];
  const n = dataset.files.length;
  if (n < 2) {
    await executor.dispose();
    throw new Error(`need at least 2 readable photos to train, found ${n} in ${config.folder}${skipped.length ? ` (${skipped.length} skipped)` : ''}`);
  }
  const batchSize = Math.min(config.batchSize, n);
  const stepsPerEpoch = Math.floor(n / batchSize);
  const size = config.inputSize;
  const per = config.sourceSize * config.sourceSize * 3;

  let epoch = 0;
  let step = 0;
  let stepsDone = 0;
  let imagesSeen = 0;
  let elapsedBefore = 0;
  let history: Record<string, number>[] = [];
  let epochSums: Record<string, number> = {};
  let epochCount = 0;
  const runId = resumed?.state.runId ?? randomBytes(8).toString('hex');
  if (resumed) {
    const s = resumed.state;
    ({ epoch, step, stepsDone, imagesSeen, history } = s);
    epochSums = { ...(s.epochSums ?? {}) };
    epochCount = s.epochCount ?? 0;
    elapsedBefore = s.elapsedSeconds;
  }

  const checkpointState = (dv: StepState['dv']) => {
    return {
      format: CHECKPOINT_FORMAT as typeof CHECKPOINT_FORMAT,
      formatVersion: 1 as const,
      runId,
      config,
      files: dataset.files,
      skipped,
      epoch,
      step,
      stepsDone,
      imagesSeen,
      elapsedSeconds: elapsedBefore + (performance.now() - started) / 1000,
      history,
      epochSums,
      epochCount,
      dv,
    };
  };
  const saveCheckpoint = async (message: string) => {
    const stepState = await executor.exportState();
    await writeCheckpoint(checkpointDir, checkpointState(stepState.dv), stepState);
    // Told once it is on disk: from here on a kill loses nothing before this point.
    report({ phase: 'checkpoint', epoch, epochs: config.epochs, step, stepsPerEpoch, message });
  };

  const totalSteps = config.epochs * stepsPerEpoch;
  const runStartSteps = stepsDone;
  const trainStart = performance.now();
  let lastTerms: Record<string, number> = {};
  let stepsThisCall = 0;
  let lastCheckpointAt = performance.now();
  let status: TrainResult['status'] = 'done';
  const batch = new Float32Array(batchSize * per);

  try {
    while (epoch < config.epochs) {
      const order = permutation(n, new Rng(deriveSeed(config.seed, 100, epoch)));
      for (; step < stepsPerEpoch; step++) {
        if (options.signal?.aborted) {
          status = 'cancelled';
          break;
        }
        if (options.maxSteps != null && stepsThisCall >= options.maxSteps) {
          status = 'stopped';
          break;
        }
        if (options.checkpointEverySeconds != null && step > 0 && performance.now() - lastCheckpointAt > options.checkpointEverySeconds * 1000) {
          await saveCheckpoint(`step ${step} of epoch ${epoch + 1}: periodic checkpoint`);
          lastCheckpointAt = performance.now();
        }
        for (let b = 0; b < batchSize; b++) toFloats(dataset.pixels[order[step * batchSize + b]], batch, b * per);
        const stepSeed = deriveSeed(config.seed, 200, epoch, step);
        let views: [Float32Array, Float32Array | null] = [batch, null];
        if (config.augment) {
          const rng = new Rng(stepSeed);
          views =
            config.augmentation === 'photo'
              ? [photoAugmentBatch(batch, batchSize, config.sourceSize, size, rng), photoAugmentBatch(batch, batchSize, config.sourceSize, size, rng)]
              : [augmentBatch(batch, batchSize, size, rng), augmentBatch(batch, batchSize, size, rng)];
        }
        const learningRate = learningRateAt(config.learningRate, config.epochs, config.learningRateDecay ?? null, epoch + step / stepsPerEpoch);
        lastTerms = await executor.run({ views: views[1] ? [views[0], views[1]] : [views[0]], batchSize, size, seed: stepSeed % 2 ** 31, learningRate });
        const values = Object.entries(lastTerms);
        if (!Number.isFinite(lastTerms.loss)) throw new Error(`training diverged at epoch ${epoch + 1}, step ${step + 1} (loss ${lastTerms.loss})`);
        for (const [k, v] of values) epochSums[k] = (epochSums[k] ?? 0) + v;
        epochCount++;
        stepsDone++;
        stepsThisCall++;
        imagesSeen += batchSize;
        const seconds = (performance.now() - trainStart) / 1000;
        const rate = ((stepsDone - runStartSteps) * batchSize) / seconds;
        report({
          phase: 'training',
          epoch: epoch + 1,
          epochs: config.epochs,
          step: step + 1,
          stepsPerEpoch,
          done: stepsDone,
          total: totalSteps,
          terms: lastTerms,
          imagesPerSecond: rate,
          etaSeconds: ((totalSteps - stepsDone) * batchSize) / rate,
        });
        // Let timers and messages (a cancel, a progress post) through between steps.
        await new Promise((r) => setImmediate(r));
      }
      if (status !== 'done') break;
      history.push(Object.fromEntries(Object.entries(epochSums).map(([k, v]) => [k, v / Math.max(epochCount, 1)])));
      epochSums = {};
      epochCount = 0;
      epoch++;
      step = 0;
      await saveCheckpoint(`epoch ${epoch} of ${config.epochs} done`);
      lastCheckpointAt = performance.now();
    }
    if (status !== 'done') await saveCheckpoint(status === 'cancelled' ? 'cancelled: state saved, resumable' : 'paused: state saved, resumable');

    const seconds = elapsedBefore + (performance.now() - started) / 1000;
    const trainSeconds = (performance.now() - trainStart) / 1000;
    const imagesPerSecond = stepsThisCall > 0 ? (stepsThisCall * batchSize) / trainSeconds : 0;
    let model: string | null = null;
    let modelId: string | null = null;
    if (status === 'done' || (options.saveModelOnStop && stepsDone > 0)) {
      report({ phase: 'saving', epoch, epochs: config.epochs, message: `saving ${config.out}` });
      const o = config.objective;
      const searchCode = config.searchCode ?? defaultSearchCode(config.augmentation);
      const searchInputSize = config.searchInputSize ?? config.encoder.inputSize;
      const blend = config.blend ? { initialShare: config.blend.initialShare, start: initial ?? (await readInitialEncoder(config.blend.from)) } : null;
      const card = {
        description: `Deep InfoMax encoder trained on ${n} photos from ${config.folder}.`,
        trained: true,
        data: { folder: config.folder, images: n, skipped: skipped.length },
        recipe:
          config.augmentation === 'photo'
            ? `two augmented views: random resized crops (20–100 % of the area, aspect 3/4–4/3) from ${config.sourceSize} px to ${size} px, flips, ±8° turns, colour jitter, grey, blur, shrunk to 40–90 % and recompressed as JPEG at quality 30–90 (photo-augment.ts)`
            : config.augment
              ? 'two augmented views (REFERENCE augmented recipe)'
              : 'REFERENCE DIM-32/64 (one view)',
        augmentation: config.augmentation,
        sourceSize: config.sourceSize,
        objective: o.objective,
        estimator: o.estimator,
        critic: o.critic,
        weights: { alpha: o.alpha, beta: o.beta, gamma: o.gamma },
        temperature: o.critic === 'dot' ? o.temperature : undefined,
        augment: config.augment,
        epochs: Math.round((stepsDone / stepsPerEpoch) * 1000) / 1000,
        steps: stepsDone,
        imagesSeen,
        completed: status === 'done' ? 'all epochs' : `stopped early (${status}) after ${stepsDone} steps of ${totalSteps}`,
        batchSize,
        learningRate: config.learningRate,
        ...(config.learningRateDecay ? { learningRateDecay: config.learningRateDecay, learningRateSchedule: describeLearningRate(config.learningRate, config.epochs, config.learningRateDecay) } : {}),
        optimizer: 'Adam',
        inputSize: size,
        zDim: config.encoder.zDim,
        architecture: config.encoder,
        preprocessing: options.photos.preprocessing(size),
        ...(initial ? { initialisedFrom: { name: initial.name, id: initial.id } } : {}),
        ...(blend
          ? {
              initialWeightShare: blend.initialShare,
              weightsBlended: `${Math.round(blend.initialShare * 100)} % ${blend.start.name}'s weights, ${Math.round((1 - blend.initialShare) * 100)} % this run's (weight-space ensembling, WiSE-FT): keeps what it knew about kinds of things`,
            }
          : {}),
        code: describeSearchCode(searchCode, searchInputSize, size),
        searchCode,
        searchInputSize,
        backend,
        trainingSeconds: Math.round(seconds),
        imagesPerSecond: Math.round(imagesPerSecond * 10) / 10,
        finalTerms: history[history.length - 1] ?? lastTerms,
        history,
        seed: config.seed,
        runId,
        trainedAt: new Date().toISOString(),
        ...options.card,
      };
      const { tensors: trained } = await executor.exportState();
      const tensors = blend ? blendWithInitial(trained, { ...blend.start.weights, ...(blend.start.critics ?? {}) }, blend.initialShare) : trained;
      const weights: tf.NamedTensorMap = Object.fromEntries(Object.entries(tensors).map(([k, w]) => [k, fromWire(w)]));
      const encoder = new DimEncoder(config.encoder, { weights });
      // The critics go beside the encoder, so continuing this model continues its objective.
      const critics = Object.fromEntries(Object.entries(weights).filter(([name]) => name.startsWith('critic')));
      tf.dispose(Object.values(weights).filter((t) => !Object.values(critics).includes(t)));
      try {
        const saved = await saveEncoder(config.out, encoder, card, config.name, critics, { code: searchCode, inputSize: searchInputSize });
        model = saved.dir;
        modelId = saved.id;
      } finally {
        encoder.dispose();
        tf.dispose(Object.values(critics));
      }
      if (status === 'done' && !options.keepCheckpoint) await rm(checkpointDir, { recursive: true, force: true });
    }
    return {
      status,
      model,
      modelId,
      epochs: epoch,
      steps: stepsDone,
      images: n,
      imagesPerSecond,
      backend,
      seconds,
      skipped,
      checkpoint: existsSync(checkpointDir) ? checkpointDir : null,
      history,
    };
  } finally {
    await executor.dispose();
  }
}

/**
 * Training in the app: one run at a time, on the library's photos (or one picked folder), in a
 * worker thread. Streams each step as a `trainStep` event and the run's progress as `jobProgress`,
 * records the curves, and saves the model in the library's models/ folder with curves.json beside
 * its card.json. The running state is kept so a page opened mid-run can draw the curves so far.
 *
 * A run starts from scratch or continues a model (`from`: "adapt to this library"), with the
 * shared defaults or that model's own recipe (main/ml/dim/train-defaults.ts, as `cli train`). A
 * seeded slice of the photos is held out of the training; when the run ends, the new model and
 * the one that was current are measured on it (held-out-comparison.ts) and the comparison is
 * saved beside the model (comparison.json). The search model never changes here: the user
 * chooses, with useModel.
 *
 * A cancelled run leaves no model and no checkpoint (the app offers no resume; the CLI does).
 * The trainer runs in ./train-in-worker.ts's worker thread, handed the photos as a list.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ActiveTraining, EventName, EventPayload, HeldOutComparison, JobProgress, ModelInfo, Skipped, TrainingRequest } from '../../api/contract';
import type { TrainProgress } from '../../ml/dim/trainer';
import { recipeOptions, recipeToContinue, trainingDefaults, withOverrides, type TrainingRecipe } from '../../ml/dim/train-defaults';
import { writeFileAtomic } from '../../ml/models';
import { writeCardCopies } from '../../ml/eval/copies-card';
import { Library, LibraryError } from '../library/library';
import { findModel, libraryModelsDir } from '../library/model-catalog';
import { writeCardInformation } from '../library/information-store';
import { CurveRecorder, saveCurves } from './curves';
import { compareOnHeldOut, type ComparisonSettings } from './held-out-comparison';
import { splitHeldOut, type HeldOutSplit } from './held-out';
import { folderPhotoSource, listedPhotoSource } from './photo-sources';
import { runTrainingInWorker } from './train-in-worker';
import { remoteStepExecutor, type ComputeChannel } from '../../ml/dim/step-executor';
import { train, type TrainOptions, type TrainResult } from '../../ml/dim/trainer';

type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface TrainingOutcome {
  status: 'done' | 'cancelled' | 'stopped';
  modelId?: string;
  modelDir?: string;
  skipped: Skipped[];
}

interface Prepared {
  name: string;
  out: string;
  /** The folder picked, or null for the library's own photos. */
  folder: string | null;
  /** The library's folders when training on the library (the card's sourceFolders). */
  folders: string[];
  recipe: TrainingRecipe;
  /** The model continued (adapting), or null for a model from scratch. */
  from: ModelInfo | null;
  /** The library's search model when the run started: what the new model is compared with. */
  current: ModelInfo;
}

/** Saved beside a model trained in the app: its comparison, or why there is none. */
export const COMPARISON_FILE = 'comparison.json';

export interface SavedComparison {
  comparison: HeldOutComparison | null;
  reason: string | null;
}

export async function readComparison(modelDir: string): Promise<SavedComparison> {
  const path = join(modelDir, COMPARISON_FILE);
  if (!existsSync(path)) return { comparison: null, reason: 'this model was not trained in this app, so nothing was held out to compare on' };
  return JSON.parse(await readFile(path, 'utf8')) as SavedComparison;
}

interface Active {
  jobId: string;
  name: string;
  request: TrainingRequest;
  progress: JobProgress | null;
  recorder: CurveRecorder;
}

const PROGRESS_INTERVAL_MS = 250;
const STEP_INTERVAL_MS = 50;

/** A name for a new model: the model it adapts and the time, or its objective, estimator, size and the time. */
export function trainedModelName(recipe: TrainingRecipe, from: { name: string } | null, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return from ? `${from.name.slice(0, 40)}-adapted-${stamp}` : `dim-${recipe.objective}-${recipe.estimator}-${recipe.inputSize}px-${stamp}`;
}

export class TrainingManager {
  private active: Active | null = null;
  private starting = false;

  constructor(
    private readonly library: () => Library,
    private readonly emit: Emit,
    /** The desktop shell's GPU compute window, when there is one. */
    private readonly openComputeChannel: (() => Promise<ComputeChannel>) | null = null,
    /** The library's search model now (what a new model is compared with). */
    private readonly currentModel: () => ModelInfo = () => {
      const e = this.library().encoder;
      return { id: e.modelId, name: e.name, dir: e.dir, inputSize: e.trainingInputSize, dim: e.dim, card: e.card };
    },
    /** How thoroughly the held-out comparison measures (tests shorten it). */
    private readonly comparisonSettings: ComparisonSettings | undefined = undefined,
  ) {}

  /**
   * Check the request and start its job with `startJob` (which gives the work its AbortSignal).
   * Refuses a second run while one is going, an existing model name, a missing folder.
   */
  async start(
    request: TrainingRequest,
    startJob: (work: (signal: AbortSignal) => Promise<TrainingOutcome>) => { id: string },
  ): Promise<{ jobId: string; name: string }> {
    if (this.active || this.starting) throw new LibraryError(`a training is already running (${this.active?.name ?? 'starting'}); cancel it or wait for it to finish`);
    if (request.compute === 'gpu-window' && !this.openComputeChannel)
      throw new LibraryError('training on the GPU compute window needs the desktop app; this front end trains on this machine’s CPU backend');
    this.starting = true;
    try {
      const prepared = await this.prepare(request);
      let jobId = '';
      const job = startJob((signal) => this.run(jobId, request, prepared, signal));
      jobId = job.id;
      this.active = { jobId, name: prepared.name, request, progress: null, recorder: new CurveRecorder() };
      return { jobId, name: prepared.name };
    } finally {
      this.starting = false;
    }
  }

  current(): ActiveTraining | null {
    const a = this.active;
    return a ? { jobId: a.jobId, name: a.name, request: a.request, progress: a.progress, steps: a.recorder.steps() } : null;
  }

  private async prepare(request: TrainingRequest): Promise<Prepared> {
    const library = this.library();
    const current = this.currentModel();
    const from = request.from ? await findModel(library.dir, request.from, current) : null;
    if (from && request.size !== undefined && request.size !== from.inputSize)
      throw new LibraryError(`${from.name} takes ${from.inputSize} px photos; a model continues at its own size (leave the size unset)`);
    // Explicit choices win over the continued model's recipe, which wins over the shared defaults.
    const base = from ? recipeToContinue(from.card, from.inputSize) : trainingDefaults;
    const recipe = withOverrides(base, {
      objective: request.objective,
      estimator: request.estimator,
      epochs: request.epochs,
      augmentation: request.augmentation,
      inputSize: request.size,
      batchSize: request.batchSize,
    });
    if (recipe.inputSize !== base.inputSize) recipe.sourceSize = null;
    const name = request.name ?? trainedModelName(recipe, from);
    const out = join(libraryModelsDir(library.dir), name);
    if (existsSync(out)) throw new LibraryError(`a model named '${name}' already exists in this library; pick another name`);
    let folder: string | null = null;
    let folders: string[];
    if (request.folder) {
      folder = resolve(request.folder);
      const info = await stat(folder).catch(() => null);
      if (!info) throw new LibraryError(`folder not found: ${request.folder}`);
      if (!info.isDirectory()) throw new LibraryError(`not a folder: ${request.folder}`);
      folders = [folder];
    } else {
      folders = library.folders().map((f) => f.path).filter((p) => existsSync(p));
      if (folders.length === 0 || library.photoCount() === 0) throw new LibraryError('the library has no photos to train on: add a folder, or pick one to train on');
    }
    return { name, out, folder, folders, recipe, from, current };
  }

  /** The photos of the run, split into the ones it trains on and the held-out slice. */
  private async photosOf(prepared: Prepared, signal: AbortSignal): Promise<{ root: string; split: HeldOutSplit; skipped: Skipped[] }> {
    const library = this.library();
    if (prepared.folder) {
      const listed = await folderPhotoSource(prepared.folder).list(signal);
      return { root: prepared.folder, split: splitHeldOut(listed.photos), skipped: listed.skipped };
    }
    const { photos } = library.listPhotos(0, library.photoCount());
    return { root: library.dir, split: splitHeldOut(photos.map((p) => p.path)), skipped: [] };
  }

  private async run(jobId: string, request: TrainingRequest, prepared: Prepared, signal: AbortSignal): Promise<TrainingOutcome> {
    const active = this.active;
    try {
      this.emit('jobProgress', { jobId, kind: 'train', phase: 'scanning', done: 0, total: 0, ratePerSecond: 0, etaSeconds: null, message: 'listing the photos' });
      const { root, split, skipped: listSkipped } = await this.photosOf(prepared, signal);
      const heldOutWords = split.skipped ?? `${split.heldOut.length} of ${split.heldOut.length + split.train.length} photos (${(split.share * 100).toFixed(0)} %, seeded shuffle, seed ${split.seed}) held out of the training to compare on`;
      const trainedOn = prepared.folder ? `photos in ${prepared.folder}` : 'this library';
      let lastProgress = 0;
      let lastStep = 0;
      const options: Omit<TrainOptions, 'photos'> = {
        out: prepared.out,
        name: prepared.name,
        ...recipeOptions(prepared.recipe),
        ...(prepared.from ? { initialModel: prepared.from.dir } : {}),
        ...(request.limit ? { limit: request.limit } : {}),
        card: {
          trainedIn: 'dimsearch app',
          sourceFolders: prepared.folders,
          trainedOn: prepared.from ? `${trainedOnWords(prepared.from)}, then ${trainedOn}` : trainedOn,
          heldOut: heldOutWords,
          ...(prepared.from ? { adaptedFrom: { name: prepared.from.name, id: prepared.from.id } } : {}),
        },
        signal,
        onProgress: (p) => {
          const now = performance.now();
          if (p.phase === 'training' && p.step > 0) {
            const point = { epoch: p.epoch, step: p.step, globalStep: p.done, terms: p.terms, imagesPerSecond: p.imagesPerSecond };
            active?.recorder.push(point);
            const epochEnd = p.step === p.stepsPerEpoch;
            if (now - lastStep >= STEP_INTERVAL_MS || epochEnd || p.done === p.total) {
              lastStep = now;
              this.emit('trainStep', { jobId, ...point, epochs: p.epochs, stepsPerEpoch: p.stepsPerEpoch });
            }
          }
          if (now - lastProgress >= PROGRESS_INTERVAL_MS || p.phase !== active?.progress?.phase || (p.total > 0 && p.done >= p.total)) {
            lastProgress = now;
            const progress = toJobProgress(jobId, p);
            if (active) active.progress = progress;
            this.emit('jobProgress', progress);
          }
        },
      };
      const result = await this.runTrainer(request, options, root, split.train);
      const skipped = [...listSkipped, ...result.skipped].map(({ path, reason }) => ({ path, reason }));
      if (result.status === 'done' && result.model && result.modelId) {
        await saveCurves(result.model, { steps: active?.recorder.steps() ?? [], epochs: result.history });
        await this.compare(jobId, prepared, { id: result.modelId, dir: result.model }, split, heldOutWords, signal);
        return { status: 'done', modelId: result.modelId, modelDir: result.model, skipped };
      }
      return { status: result.status, skipped };
    } finally {
      // No resume in the app: a stopped run's checkpoint would only take space.
      if (!existsSync(join(prepared.out, 'model.json'))) await rm(prepared.out, { recursive: true, force: true });
      await rm(`${prepared.out}.checkpoint`, { recursive: true, force: true });
      if (this.active === active) this.active = null;
    }
  }

  /**
   * Off the UI thread either way: in a worker thread on this machine's backend, or here with
   * the tensor work in the GPU compute window (the trainer's side is only file IO and batching).
   */
  private async runTrainer(request: TrainingRequest, options: Omit<TrainOptions, 'photos'>, root: string, photos: string[]): Promise<TrainResult> {
    if (request.compute !== 'gpu-window') return runTrainingInWorker({ ...options, photos: { kind: 'list', root, photos } });
    const channel = await this.openComputeChannel!();
    return train({ ...options, photos: listedPhotoSource(root, photos), executor: remoteStepExecutor(channel, 'compute window') });
  }

  /**
   * Measure the new model and the one that was current on the held-out photos; save the
   * comparison beside the new model and its figures on its card. A cancel here keeps the model
   * (it is trained) and says the comparison was not made.
   */
  private async compare(jobId: string, prepared: Prepared, made: { id: string; dir: string }, split: HeldOutSplit, heldOutWords: string, signal: AbortSignal): Promise<void> {
    const save = (saved: SavedComparison) => writeFileAtomic(join(made.dir, COMPARISON_FILE), `${JSON.stringify(saved, null, 2)}\n`);
    if (split.skipped) {
      await save({ comparison: null, reason: split.skipped });
      return;
    }
    const { readModelInfo } = await import('../../ml/models');
    const candidate = await readModelInfo(made.dir);
    const started = performance.now();
    let comparison: HeldOutComparison;
    try {
      comparison = await compareOnHeldOut(prepared.current, candidate, split.heldOut, { seed: split.seed, share: split.share, description: heldOutWords }, {
        settings: this.comparisonSettings,
        signal,
        report: (phase, done, total, message) => {
          const progress: JobProgress = { jobId, kind: 'train', phase, done, total, ratePerSecond: 0, etaSeconds: null, ...(message ? { message } : {}) };
          if (this.active?.jobId === jobId) this.active.progress = progress;
          this.emit('jobProgress', progress);
        },
      });
    } catch (error) {
      if (!signal.aborted) throw error;
      await save({ comparison: null, reason: `the comparison was cancelled after ${Math.round((performance.now() - started) / 1000)} s; the model is kept` });
      return;
    }
    await save({ comparison, reason: null });
    // The new model's own card records what was measured, so the model picker shows it (and flags collapse).
    const own = comparison.candidate;
    const measuredOn = `${comparison.heldOut.photos} held-out photos of ${prepared.folder ?? 'this library'}`;
    if (own.copies) await writeCardCopies(made.dir, { model: candidate.name, ...own.copies, measuredOn });
    await patchCard(made.dir, { codeSpread: { medianCosine: own.spread.medianCosine, photos: comparison.heldOut.photos, measuredOn } });
    // Only the new model's card: the current model's card keeps its own figures (a shipped model's are
    // measured on its benchmark, which these few held-out photos must not replace in the model list).
    if (own.information)
      await writeCardInformation(made.dir, {
        ...own.information,
        estimator: own.information.estimator as 'infonce',
        samples: comparison.heldOut.photos,
        skipped: 0,
        measuredAt: comparison.measuredAt,
        heldOut: measuredOn,
      });
  }
}

/** What a model was trained on, in words (its card's trainedOn, or what its data says). */
function trainedOnWords(model: ModelInfo): string {
  const card = model.card as { trainedOn?: unknown; data?: { folder?: unknown } };
  if (typeof card.trainedOn === 'string') return card.trainedOn;
  const folder = typeof card.data?.folder === 'string' ? card.data.folder : '';
  return /cifar-?10/i.test(folder) ? 'CIFAR-10' : model.name;
}

/** Add fields to a model directory's card.json (atomically; the rest kept). */
async function patchCard(modelDir: string, fields: Record<string, unknown>): Promise<void> {
  const path = join(modelDir, 'card.json');
  const card = existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>) : {};
  await writeFileAtomic(path, `${JSON.stringify({ ...card, ...fields }, null, 2)}\n`);
}

function toJobProgress(jobId: string, p: TrainProgress): JobProgress {
  const message = p.phase === 'training' ? `epoch ${p.epoch}/${p.epochs}${p.backend ? ` · ${p.backend}` : ''}` : p.message;
  return {
    jobId,
    kind: 'train',
    phase: p.phase,
    done: Math.max(0, Math.round(p.done)),
    total: Math.max(0, Math.round(p.total)),
    ratePerSecond: Number.isFinite(p.imagesPerSecond) ? p.imagesPerSecond : 0,
    etaSeconds: p.etaSeconds != null && Number.isFinite(p.etaSeconds) ? p.etaSeconds : null,
    ...(message ? { message } : {}),
  };
}


/**
 * Training in the app: one run at a time, on the library's folders (or one picked folder), in a
 * worker thread. Streams each step as a `trainStep` event and the run's progress as `jobProgress`,
 * records the curves, and saves the model in the library's models/ folder with curves.json beside
 * its card.json. The running state is kept so a page opened mid-run can draw the curves so far.
 *
 * A cancelled run leaves no model and no checkpoint (the app offers no resume; the CLI does).
 * The trainer runs in main/ml/dim/train-in-worker.ts's worker thread.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ActiveTraining, EventName, EventPayload, JobProgress, Skipped, TrainingRequest } from '../../api/contract';
import type { TrainProgress } from '../../ml/dim/trainer';
import { Library, LibraryError } from '../library/library';
import { libraryModelsDir } from '../library/model-catalog';
import { CurveRecorder, saveCurves } from './curves';
import { runTrainingInWorker } from '../../ml/dim/train-in-worker';
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
  folders: string[];
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

export function defaultModelName(request: TrainingRequest, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `dim-${request.objective}-${request.estimator}-${request.size ?? 32}px-${stamp}`;
}

export class TrainingManager {
  private active: Active | null = null;
  private starting = false;

  constructor(
    private readonly library: () => Library,
    private readonly emit: Emit,
    /** The desktop shell's GPU compute window, when there is one. */
    private readonly openComputeChannel: (() => Promise<ComputeChannel>) | null = null,
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
    const name = request.name ?? defaultModelName(request);
    const out = join(libraryModelsDir(library.dir), name);
    if (existsSync(out)) throw new LibraryError(`a model named '${name}' already exists in this library; pick another name`);
    let folders: string[];
    if (request.folder) {
      const folder = resolve(request.folder);
      const info = await stat(folder).catch(() => null);
      if (!info) throw new LibraryError(`folder not found: ${request.folder}`);
      if (!info.isDirectory()) throw new LibraryError(`not a folder: ${request.folder}`);
      folders = [folder];
    } else {
      folders = library.folders().map((f) => f.path).filter((p) => existsSync(p));
      if (folders.length === 0) throw new LibraryError('the library has no folders to train on: add a folder, or pick one to train on');
    }
    return { name, out, folders };
  }

  private async run(jobId: string, request: TrainingRequest, prepared: Prepared, signal: AbortSignal): Promise<TrainingOutcome> {
    const active = this.active;
    let sources: string | null = null;
    try {
      const folder = prepared.folders.length === 1 ? prepared.folders[0] : (sources = await linkFolders(prepared.folders));
      let lastProgress = 0;
      let lastStep = 0;
      const options: TrainOptions = {
        folder,
        out: prepared.out,
        name: prepared.name,
        inputSize: request.size ?? 32,
        epochs: request.epochs,
        objective: request.objective,
        estimator: request.estimator,
        ...(request.batchSize ? { batchSize: request.batchSize } : {}),
        ...(request.limit ? { limit: request.limit } : {}),
        card: { trainedIn: 'dimsearch app', sourceFolders: prepared.folders },
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
      const result = await this.runTrainer(request, options);
      const skipped = result.skipped.map(({ path, reason }) => ({ path, reason }));
      if (result.status === 'done' && result.model && result.modelId) {
        await saveCurves(result.model, { steps: active?.recorder.steps() ?? [], epochs: result.history });
        return { status: 'done', modelId: result.modelId, modelDir: result.model, skipped };
      }
      return { status: result.status, skipped };
    } finally {
      if (sources) await rm(sources, { recursive: true, force: true });
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
  private async runTrainer(request: TrainingRequest, options: TrainOptions): Promise<TrainResult> {
    if (request.compute !== 'gpu-window') return runTrainingInWorker(options);
    const channel = await this.openComputeChannel!();
    return train({ ...options, executor: remoteStepExecutor(channel, 'compute window') });
  }
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

/** One folder whose entries lead to each of `folders` (the trainer scans one folder; symlinks are followed). */
async function linkFolders(folders: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-train-sources-'));
  await Promise.all(folders.map((folder, i) => symlink(folder, join(dir, `folder-${i}`), 'junction')));
  return dir;
}

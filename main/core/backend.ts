/**
 * The back end behind every shell (Electron IPC, web server, tests): the contract's handlers on
 * one open Library, jobs for long work, and the contract's events.
 *
 * Shells validate inputs with `parseInput` before calling a handler; handlers still check what a
 * schema cannot (that a folder exists, that a photo id is known). Desktop-only calls get their
 * implementation injected, so Electron stays in main/app/; without one they answer null/false.
 */
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Backend, CallOutput, EventName, EventPayload, Handlers, JobFinished, JobProgress, ModelInfo, Skipped } from '../api/contract';
import type { ImageEncoder } from '../ml/image-encoder';
import { FeatureMapper } from '../ml/feature-maps';
import { decodeForModel } from './imaging/decode';
import { Job, type JobContext, type JobKind } from './jobs/job';
import { Library, LibraryError, type ModelSpace } from './library/library';
import { compareModels } from './library/compare';
import { LibraryWatcher, type LibraryWatcherOptions } from './library/watch';
import type { IndexRunResult } from './jobs/indexer';
import { availableModels, findModel, libraryModelsDir } from './library/model-catalog';
import { InformationStore, writeCardInformation } from './library/information-store';
import { measureLibraryInformation } from './library/measure-information';
import { readCurves } from './training/curves';
import { readComparison, TrainingManager } from './training/training-manager';
import { findDuplicates, defaultThreshold } from './duplicates/find-duplicates';
import { lastCleanup, moveDuplicatesToTrash, undoLastCleanup } from './duplicates/cleanup';
import { packageTrash, trashFrom } from './duplicates/trash';
import type { ComparisonSettings } from './training/held-out-comparison';
import type { ComputeChannel } from '../ml/dim/step-executor';

export interface DesktopShell {
  /** A native folder picker; null when the user cancels. */
  pickFolder(): Promise<string | null>;
  /** Reveal a file in the system's file manager. */
  showItemInFolder(path: string): void | Promise<void>;
  /** Open a file in the system's default app; answers '' when opened, else why not. */
  openPath?(path: string): Promise<string>;
  /** A compute window that trains on the GPU (webgpu, else webgl); opened on first use. */
  openComputeChannel?(): Promise<ComputeChannel>;
  /** Move a file to the system trash (Electron's shell.trashItem); without it the `trash` package does. */
  trashItem?(path: string): Promise<void>;
}

export interface BackendOptions {
  libraryDir: string;
  /** Model name under native-models/ or a model directory (default: defaultModelName(), ml/default-model.ts). */
  model?: string;
  /** An already loaded encoder (tests, benchmarks); the caller keeps ownership. */
  encoder?: ImageEncoder;
  desktop: DesktopShell | false | null;
  maxPixels?: number;
  /**
   * Keep the library current while the back end runs: files added, changed, moved or deleted in
   * its folders are indexed as jobs (progress and libraryChanged events as for any index run).
   */
  watch?: boolean;
  /** How thoroughly a finished training is compared with the current model on held-out photos (tests shorten it). */
  comparisonSettings?: ComparisonSettings;
  /** Timing of the watcher (tests shorten it); see LibraryWatcherOptions. */
  watchOptions?: Pick<LibraryWatcherOptions, 'debounceMs' | 'maxDelayMs' | 'writeSettleMs' | 'usePolling'>;
}

type Listener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** What a finished job reports besides its status (index runs: counts and skips; training: its model). */
interface JobResult {
  indexed?: number;
  skipped?: Skipped[];
  modelId?: string;
  /** Duplicates clean-up or undo: files moved. */
  moved?: number;
  /** Index runs: what the run was for and what changed (the page's summary says so). */
  report?: JobFinished['report'];
}

/** An index run's counts as the page's summary reads them. */
function indexReport(
  purpose: NonNullable<JobFinished['report']>['purpose'],
  result: IndexRunResult,
  about: { folder?: string; modelName?: string } = {},
): NonNullable<JobFinished['report']> {
  return { purpose, ...about, found: result.total, removed: result.removed, unchanged: result.unchanged };
}

const KEEP_FINISHED_JOBS = 50;

function isIndexRun(result: JobResult | IndexRunResult): result is IndexRunResult {
  return typeof (result as IndexRunResult).total === 'number' && typeof (result as IndexRunResult).removed === 'number';
}

export async function createBackend(options: BackendOptions): Promise<Backend & { library: Library }> {
  const library = await Library.open(options.libraryDir, {
    ...(options.model ? { model: options.model } : {}),
    ...(options.encoder ? { encoder: options.encoder } : {}),
    ...(options.maxPixels ? { maxPixels: options.maxPixels } : {}),
    onNotice: (message) => process.stderr.write(`dimsearch: ${message}\n`),
  });
  const desktop = options.desktop || null;
  const listeners = new Set<Listener>();
  const jobs = new Map<string, Job<JobResult>>();
  /** Index jobs started for a model's codes (compare, useModel), by model id, while they run. */
  const modelJobs = new Map<string, string>();
  /** Photo count when a model's last index run ended: no new run for it until the library changes. */
  const modelIndexedAt = new Map<string, number>();
  const featureMapper = new FeatureMapper();
  const trash = desktop?.trashItem ? trashFrom('the system trash', desktop.trashItem) : packageTrash();
  let lastPhotoCount = library.photoCount();
  let closing = false;
  /** The latest progress of each index job under way (libraryInfo tells a page opened mid-run). */
  const indexProgress = new Map<string, JobProgress>();

  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const listener of listeners) {
      try {
        listener(event, payload);
      } catch (error) {
        process.stderr.write(`dimsearch: event listener failed: ${(error as Error).message}\n`);
      }
    }
  };
  const announcePhotoCount = (force = false) => {
    const photoCount = library.photoCount();
    if (force || photoCount !== lastPhotoCount) {
      lastPhotoCount = photoCount;
      emit('libraryChanged', { photoCount });
    }
  };

  const startJob = (kind: JobKind, work: (signal: AbortSignal, report: JobContext['report']) => Promise<JobResult>) => {
    if (closing) throw new LibraryError('the library is closing');
    const job = new Job<JobResult>(kind, (context) => work(context.signal, context.report));
    jobs.set(job.id, job);
    job.onProgress((progress) => {
      if (kind === 'index') indexProgress.set(job.id, { jobId: job.id, kind, ...progress });
      emit('jobProgress', { jobId: job.id, kind, ...progress });
      // New photos become visible at each checkpoint: let the grid refresh as they land.
      announcePhotoCount();
    });
    if (kind === 'index') indexProgress.set(job.id, { jobId: job.id, kind, phase: 'scanning', done: 0, total: 0, ratePerSecond: 0, etaSeconds: null });
    void job.finished.then((end) => {
      indexProgress.delete(job.id);
      const r = end.result;
      emit('jobFinished', {
        jobId: job.id,
        kind,
        status: end.status,
        ...(end.error ? { error: end.error } : {}),
        ...(r?.indexed !== undefined ? { indexed: r.indexed } : {}),
        ...(r?.skipped ? { skipped: r.skipped } : {}),
        ...(r?.modelId ? { modelId: r.modelId } : {}),
        ...(r?.moved !== undefined ? { moved: r.moved } : {}),
        ...(r?.report ? { report: r.report } : {}),
        seconds: end.seconds,
      });
      announcePhotoCount(true);
      // Forget old finished jobs so a long session does not accumulate them.
      const finished = [...jobs.values()].filter((j) => j.status !== 'running');
      for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED_JOBS))) jobs.delete(old.id);
    });
    return job;
  };

  const modelInfo = (): ModelInfo => ({
    id: library.encoder.modelId,
    name: library.encoder.name,
    dir: library.encoder.dir,
    inputSize: library.encoder.trainingInputSize,
    dim: library.encoder.dim,
    card: library.encoder.card,
  });

  const information = new InformationStore(library.dir);
  const training = new TrainingManager(
    () => library,
    emit,
    desktop?.openComputeChannel ? () => desktop.openComputeChannel!() : null,
    () => modelInfo(),
    options.comparisonSettings,
  );

  /** A watcher run of one folder, as an index job (cancelled with the job or when the watcher closes). */
  const indexFolderAsJob = async (folderPath: string, options: { signal?: AbortSignal }): Promise<IndexRunResult> => {
    let result: IndexRunResult | undefined;
    const job = startJob('index', async (signal, report) => {
      const signals = options.signal ? [signal, options.signal] : [signal];
      result = await library.indexFolder(folderPath, { signal: AbortSignal.any(signals), report });
      return { ...result, report: indexReport('watch', result, { folder: folderPath }) };
    });
    const end = await job.finished;
    if (!result) throw new Error(end.error ?? `watcher run of ${folderPath} ${end.status}`);
    return result;
  };

  // Not awaited: the initial walk of a big library must not delay the window.
  const watcher = options.watch
    ? LibraryWatcher.open(library, {
        ...options.watchOptions,
        indexFolder: indexFolderAsJob,
        onError: (error, folder) => process.stderr.write(`dimsearch: watching ${folder ?? 'the library'}: ${error.message}\n`),
      })
    : null;

  /** Index the library with a model's space as a job (once at a time per model); `then` runs the indexing. */
  const startModelJob = (
    space: ModelSpace,
    model: ModelInfo,
    run: (signal: AbortSignal, report: JobContext['report']) => Promise<JobResult>,
    purpose: 'model' | 'switch' = 'model',
  ) => {
    const running = modelJobs.get(space.modelId);
    if (running && jobs.get(running)?.status === 'running') return running;
    const job = startJob('index', async (signal, report) => {
      const result = await run(signal, (phase, done, total, message) => report(phase, done, total, message ?? `${model.name} codes`));
      return { ...result, ...(isIndexRun(result) ? { report: indexReport(purpose, result, { modelName: model.name }) } : {}) };
    });
    modelJobs.set(space.modelId, job.id);
    void job.finished.then((end) => {
      if (modelJobs.get(space.modelId) === job.id) modelJobs.delete(space.modelId);
      if (end.status === 'done') modelIndexedAt.set(space.modelId, library.photoCount());
    });
    return job.id;
  };

  const handlers: Handlers = {
    async libraryInfo() {
      return {
        libraryDir: library.dir,
        folders: library.folders().map((f) => f.path),
        photoCount: library.photoCount(),
        skippedCount: library.store.skippedCount(),
        model: modelInfo(),
        desktop: desktop !== null,
        gpuWindow: Boolean(desktop?.openComputeChannel),
        indexing: [...indexProgress.values()].at(-1) ?? null,
      };
    },
    async pickFolder() {
      return desktop ? desktop.pickFolder() : null;
    },
    async addFolder({ path }) {
      // Checked now so a bad path is an error of this call, not a failed job later.
      const folder = await library.addFolder(path);
      const job = startJob('index', async (signal, report) => {
        const result = await library.indexFolder(folder.path, { signal, report });
        return { ...result, report: indexReport('add-folder', result, { folder: folder.path }) };
      });
      // Watched from now on (a no-op when it already is, e.g. a subfolder of a library folder).
      if (watcher) {
        void watcher.ready
          .then(() => watcher.watchFolders([folder.path]))
          .catch((error: Error) => process.stderr.write(`dimsearch: cannot watch ${folder.path}: ${error.message}\n`));
      }
      return { jobId: job.id };
    },
    async reindex() {
      const job = startJob('index', async (signal, report) => {
        const result = await library.indexAll({ signal, report });
        return { ...result, report: indexReport('reindex', result) };
      });
      return { jobId: job.id };
    },
    async exclusions() {
      return library.exclusions();
    },
    async setExclusions({ globs }) {
      const kept = library.setExclusions(globs);
      const job = startJob('index', async (signal, report) => {
        const result = await library.indexAll({ signal, report });
        return { ...result, report: indexReport('exclusions', result) };
      });
      return { globs: kept, jobId: job.id };
    },
    async cancelJob({ jobId }) {
      return jobs.get(jobId)?.cancel() ?? false;
    },
    async listPhotos({ offset, limit, sort, folder }) {
      const page = library.listPhotos(offset, limit, { ...(sort ? { order: sort } : {}), ...(folder ? { dir: folder } : {}) });
      return { total: page.total, photos: page.photos.map(({ id, path, width, height }) => ({ id, path, width, height })) };
    },
    async listFolders() {
      return library.folderSummaries();
    },
    async removeFolder({ path }) {
      const { folder, removed } = await library.removeFolder(path);
      await watcher?.unwatchFolder(folder);
      announcePhotoCount(true);
      return { removed };
    },
    async photoDetails({ id }) {
      const photo = library.store.photoDetails(id);
      if (!photo) throw new LibraryError(`no photo with id ${id}`);
      return {
        id,
        path: photo.path,
        bytes: photo.size,
        width: photo.width,
        height: photo.height,
        takenAt: photo.takenAt,
        modifiedAt: photo.mtimeMs,
      };
    },
    async openPhoto({ id }) {
      if (!desktop?.openPath) return false;
      const path = library.photoFilePath(id);
      if (!path) return false;
      const failure = await desktop.openPath(path);
      if (failure) throw new LibraryError(`could not open ${path}: ${failure}`);
      return true;
    },
    async listSkipped() {
      return library.listSkipped().map(({ path, reason }) => ({ path, reason }));
    },
    async searchByPhoto({ id, k }) {
      return library.searchByPhoto(id, k);
    },
    async searchByImage({ name, base64, k }) {
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.length === 0) throw new LibraryError('cannot search with this file: empty file (0 bytes)');
      return library.searchByBytes(bytes, k, name);
    },
    async showInFolder({ id }) {
      if (!desktop) return false;
      const path = library.photoFilePath(id);
      if (!path) return false;
      await desktop.showItemInFolder(path);
      return true;
    },
    async listModels(): Promise<CallOutput<'listModels'>> {
      const current = modelInfo();
      const models = await availableModels(library.dir);
      return (models.some((m) => m.id === current.id) ? models : [current, ...models]).map((m) => information.annotate(m));
    },
    async startTraining(request) {
      return training.start(request, (work) => startJob('train', (signal) => work(signal)));
    },
    async activeTraining() {
      return training.current();
    },
    async trainingCurves({ model }) {
      const info = await findModel(library.dir, model, modelInfo());
      return readCurves(info.dir, info.card);
    },
    async trainingComparison({ model }) {
      const info = await findModel(library.dir, model, modelInfo());
      return readComparison(info.dir);
    },
    async useModel({ model }) {
      const info = await findModel(library.dir, model, modelInfo());
      const space = info.id === library.modelId ? library.primarySpace : await library.openModel(info.dir);
      const jobId = startModelJob(space, info, (signal, report) => library.switchModel(space, { signal, report }), 'switch');
      return { jobId };
    },
    async compareSearch({ id, k, models, computeMissing }) {
      const current = modelInfo();
      const infos = await Promise.all(models.map((m) => findModel(library.dir, m, current)));
      return compareModels(library, { id, k, models: infos }, (space, model) => {
        const running = modelJobs.get(space.modelId);
        if (running) return running;
        // Encoding a whole library with another model is heavy: only when the page asked for it.
        if (!computeMissing) return null;
        // A model whose last run could not code every photo (e.g. a folder on an unplugged disk) is not retried until the library changes.
        if (modelIndexedAt.get(space.modelId) === library.photoCount()) return null;
        return startModelJob(space, model, (signal, report) => library.indexAll({ signal, report }, space));
      });
    },
    async measureInformation({ model, samples }) {
      const info = await findModel(library.dir, model, modelInfo());
      const job = startJob('measure', async (signal, report) => {
        const measured = await measureLibraryInformation(library, info, { samples, signal, report });
        information.set(info.id, measured);
        // A model trained in this library is the library's own: its card records the measurement too.
        if (info.dir && resolve(info.dir).startsWith(resolve(libraryModelsDir(library.dir)) + sep)) await writeCardInformation(info.dir, measured);
        return {};
      });
      return { jobId: job.id };
    },
    async featureMaps({ id, model, top }) {
      const info = model ? await findModel(library.dir, model, modelInfo()) : modelInfo();
      if (!info.dir) throw new LibraryError(`model ${info.id} has no directory to load its encoder from`);
      const path = library.photoFilePath(id);
      if (!path) throw new LibraryError(library.photo(id) ? `the file of photo ${id} is no longer on disk` : `no photo with id ${id}`);
      const { pixels } = await decodeForModel(path, info.inputSize, { maxPixels: library.maxPixels }).catch((error: Error) => {
        throw new LibraryError(`cannot read photo ${id}: ${error.message}`);
      });
      const maps = await featureMapper.describe(info.dir, pixels, top ? { top } : {});
      return { modelId: info.id, modelName: info.name, ...maps };
    },
    async findDuplicates({ threshold }) {
      const found = await findDuplicates(library, threshold);
      return { ...found, defaultThreshold: defaultThreshold(library).threshold, lastCleanup: lastCleanup(library) };
    },
    async trashDuplicates({ groups }) {
      const job = startJob('duplicates', async (signal, report) => {
        const result = await moveDuplicatesToTrash(library, trash, groups, { signal, report });
        return { moved: result.moved.length, skipped: result.leftAlone };
      });
      return { jobId: job.id };
    },
    async undoDuplicates() {
      if (!lastCleanup(library)) throw new LibraryError('there is no clean-up to undo');
      const job = startJob('duplicates', async (signal, report) => {
        const result = await undoLastCleanup(library, { signal, report });
        return { moved: result.restored.length, skipped: result.notRestored };
      });
      return { jobId: job.id };
    },
  };

  return {
    library,
    handlers,
    subscribe(listener) {
      listeners.add(listener as Listener);
      return () => listeners.delete(listener as Listener);
    },
    files: {
      thumbnail: (id) => library.thumbnailPath(id),
      // Full size as a browser can show it: the file itself, or a converted copy (HEIC, RAW, TIFF).
      photo: (id) => library.displayablePhotoPath(id),
      roots: () => [library.dir, ...library.folders().map((f) => f.path)].filter((p) => existsSync(p)),
    },
    async close() {
      if (closing) return;
      closing = true;
      // First, so no watcher run starts while the jobs are wound down.
      await watcher?.close();
      const running = [...jobs.values()].filter((job) => job.status === 'running');
      for (const job of running) job.cancel();
      await Promise.all(running.map((job) => job.finished));
      featureMapper.dispose();
      await library.close();
      listeners.clear();
    },
  };
}

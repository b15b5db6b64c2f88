/**
 * The back end behind every shell (Electron IPC, web server, tests): the contract's handlers on
 * one open Library, jobs for long work, and the contract's events.
 *
 * Shells validate inputs with `parseInput` before calling a handler; handlers still check what a
 * schema cannot (that a folder exists, that a photo id is known). Desktop-only calls get their
 * implementation injected, so Electron stays in main/app/; without one they answer null/false.
 */
import { existsSync } from 'node:fs';
import type { Backend, CallOutput, EventName, EventPayload, Handlers, ModelInfo } from '../api/contract';
import type { ImageEncoder } from '../ml/image-encoder';
import { Job, type JobContext, type JobKind } from './jobs/job';
import type { IndexRunResult } from './jobs/indexer';
import { Library, LibraryError } from './library/library';

export interface DesktopShell {
  /** A native folder picker; null when the user cancels. */
  pickFolder(): Promise<string | null>;
  /** Reveal a file in the system's file manager. */
  showItemInFolder(path: string): void | Promise<void>;
}

export interface BackendOptions {
  libraryDir: string;
  /** Model name under native-models/ or a model directory (default 'dim-both'). */
  model?: string;
  /** An already loaded encoder (tests, benchmarks); the caller keeps ownership. */
  encoder?: ImageEncoder;
  desktop: DesktopShell | false | null;
  maxPixels?: number;
}

type Listener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

const KEEP_FINISHED_JOBS = 50;

export async function createBackend(options: BackendOptions): Promise<Backend & { library: Library }> {
  const library = await Library.open(options.libraryDir, {
    ...(options.model ? { model: options.model } : {}),
    ...(options.encoder ? { encoder: options.encoder } : {}),
    ...(options.maxPixels ? { maxPixels: options.maxPixels } : {}),
    onNotice: (message) => process.stderr.write(`dimsearch: ${message}\n`),
  });
  const desktop = options.desktop || null;
  const listeners = new Set<Listener>();
  const jobs = new Map<string, Job<IndexRunResult>>();
  let lastPhotoCount = library.photoCount();
  let closing = false;

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

  const startJob = (kind: JobKind, work: (signal: AbortSignal, report: JobContext['report']) => Promise<IndexRunResult>) => {
    if (closing) throw new LibraryError('the library is closing');
    const job = new Job<IndexRunResult>(kind, (context) => work(context.signal, context.report));
    jobs.set(job.id, job);
    job.onProgress((progress) => {
      emit('jobProgress', { jobId: job.id, kind, ...progress });
      // New photos become visible at each checkpoint: let the grid refresh as they land.
      announcePhotoCount();
    });
    void job.finished.then((end) => {
      const r = end.result;
      emit('jobFinished', {
        jobId: job.id,
        kind,
        status: end.status,
        ...(end.error ? { error: end.error } : {}),
        ...(r ? { indexed: r.indexed, skipped: r.skipped } : {}),
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
    inputSize: library.encoder.inputSize,
    dim: library.encoder.dim,
    card: library.encoder.card,
  });

  const handlers: Handlers = {
    async libraryInfo() {
      return {
        libraryDir: library.dir,
        folders: library.folders().map((f) => f.path),
        photoCount: library.photoCount(),
        skippedCount: library.store.skippedCount(),
        model: modelInfo(),
        desktop: desktop !== null,
      };
    },
    async pickFolder() {
      return desktop ? desktop.pickFolder() : null;
    },
    async addFolder({ path }) {
      // Checked now so a bad path is an error of this call, not a failed job later.
      const folder = await library.addFolder(path);
      const job = startJob('index', (signal, report) => library.indexFolder(folder.path, { signal, report }));
      return { jobId: job.id };
    },
    async reindex() {
      const job = startJob('index', (signal, report) => library.indexAll({ signal, report }));
      return { jobId: job.id };
    },
    async cancelJob({ jobId }) {
      return jobs.get(jobId)?.cancel() ?? false;
    },
    async listPhotos({ offset, limit }) {
      const page = library.listPhotos(offset, limit);
      return { total: page.total, photos: page.photos.map(({ id, path, width, height }) => ({ id, path, width, height })) };
    },
    async listSkipped() {
      return library.listSkipped().map(({ path, reason }) => ({ path, reason }));
    },
    async searchByPhoto({ id, k }) {
      return library.searchByPhoto(id, k);
    },
    async searchByImage({ base64, k }) {
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.length === 0) throw new LibraryError('cannot search with this file: empty file (0 bytes)');
      return library.searchByBytes(bytes, k);
    },
    async showInFolder({ id }) {
      if (!desktop) return false;
      const path = library.photoFilePath(id);
      if (!path) return false;
      await desktop.showItemInFolder(path);
      return true;
    },
    async listModels(): Promise<CallOutput<'listModels'>> {
      const { listModels } = await import('../ml/models');
      const models: ModelInfo[] = await listModels().catch(() => []);
      const current = modelInfo();
      return models.some((m) => m.id === current.id) ? models : [current, ...models];
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
      photo: async (id) => library.photoFilePath(id),
      roots: () => [library.dir, ...library.folders().map((f) => f.path)].filter((p) => existsSync(p)),
    },
    async close() {
      if (closing) return;
      closing = true;
      const running = [...jobs.values()].filter((job) => job.status === 'running');
      for (const job of running) job.cancel();
      await Promise.all(running.map((job) => job.finished));
      await library.close();
      listeners.clear();
    },
  };
}

/**
 * Keep a library current while the app runs: watch its folders (one OS watch per directory, see
 * directory-watch.ts; chokidar when polling a network share) and turn bursts of file events into
 * small incremental index runs of the folders they touched.
 *
 * The runs are the library's own (Library.indexFolder): only new or changed files are decoded and
 * encoded, a file whose bytes some photo already has (a move, a copy) takes that photo's code
 * without a decode, and photos whose files are gone are removed from the store and the index
 * (their index slots are reused). So the watcher only has to decide *when* and *which folder*:
 *
 * - events are debounced (a copy of 500 photos is one run, not 500), but a steady trickle still
 *   gets a run at least every `maxDelayMs`;
 * - a file still being written keeps sending events, and each pushes its run back (up to
 *   `maxDelayMs`), so half-copied photos are not decoded; a run also waits `writeSettleMs` after
 *   a file's last event;
 * - folders that gained files run before folders that only lost some, so a photo moved between
 *   two library folders finds its old row (and code) still there;
 * - events that arrive during a run are collected and trigger one more run after it.
 *
 * Symlinks are not followed by the watcher (a full re-index still follows them, loop-safe).
 */
import { watch } from 'chokidar';
import type { Stats } from 'node:fs';
import { basename, sep } from 'node:path';
import { isPhotoName } from '../imaging/scan';
import type { IndexRunOptions, IndexRunResult } from '../jobs/indexer';
import { DirectoryWatcher } from './directory-watch';
import type { Library } from './library';

export interface LibraryWatcherOptions {
  /** Quiet time after the last event before a run starts. */
  debounceMs?: number;
  /** Longest a change waits for a run while events keep coming. */
  maxDelayMs?: number;
  /** A file is ready once its size has not changed for this long. */
  writeSettleMs?: number;
  /** Poll the disk instead of OS events (network shares that send none). */
  usePolling?: boolean;
  /**
   * How to index one folder (default: `library.indexFolder(path, { signal })`). The back end
   * passes a function that runs it as a job, so progress and cancel show in the UI.
   */
  indexFolder?: (folderPath: string, options: IndexRunOptions) => Promise<IndexRunResult>;
  /** Told after each run that completed. */
  onRun?: (folderPath: string, result: IndexRunResult) => void;
  /** Told about a run that failed, or a watcher error; the watcher keeps going. */
  onError?: (error: Error, folderPath?: string) => void;
}

type Change = 'added' | 'removed';

export class LibraryWatcher {
  /** One watcher per library folder: directory watches, or chokidar when polling. */
  private readonly watchers = new Map<string, { close(): Promise<void> }>();
  /** Folder path → the kinds of change seen since its last run. */
  private readonly dirty = new Map<string, Set<Change>>();
  private timer: NodeJS.Timeout | null = null;
  private firstPendingAt: number | null = null;
  /** When the pending run is due (a later event may push it back, never earlier). */
  private dueAt: number | null = null;
  private running: Promise<void> | null = null;
  private controller: AbortController | null = null;
  private closed = false;
  private readonly closing = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private readonly writeSettleMs: number;

  private constructor(
    private readonly library: Library,
    private readonly options: LibraryWatcherOptions,
  ) {
    this.debounceMs = options.debounceMs ?? 750;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.writeSettleMs = options.writeSettleMs ?? 1000;
  }

  /** Start watching every folder of the library; resolves once the watches are in place. */
  static async start(library: Library, options: LibraryWatcherOptions = {}): Promise<LibraryWatcher> {
    const watcher = LibraryWatcher.open(library, options);
    await watcher.ready;
    return watcher;
  }

  /**
   * Start watching without waiting: the initial walk of a big library takes a while, and nothing
   * needs to wait for it (changes made during the walk are seen once it is done). `ready` settles
   * when the watches are in place, or at close.
   */
  static open(library: Library, options: LibraryWatcherOptions = {}): LibraryWatcher {
    const watcher = new LibraryWatcher(library, options);
    watcher.ready = watcher.watchFolders(library.folders().map((f) => f.path));
    return watcher;
  }

  /** Settles once the folders watched at start have their watches in place (or the watcher closed). */
  ready: Promise<void> = Promise.resolve();

  /** Watch folders added to the library after start (call after `library.addFolder`). */
  async watchFolders(paths: readonly string[]): Promise<void> {
    await Promise.all(paths.filter((p) => !this.watchers.has(p)).map((p) => this.watchFolder(p)));
  }

  /** Stop watching a folder taken out of the library; changes noted for it are dropped. */
  async unwatchFolder(path: string): Promise<void> {
    this.dirty.delete(path);
    const watcher = this.watchers.get(path);
    this.watchers.delete(path);
    await watcher?.close();
  }

  private async watchFolder(folder: string): Promise<void> {
    if (this.closed) return;
    const libraryDir = this.library.dir;
    const skipped = (path: string) => path === libraryDir || path.startsWith(libraryDir + sep) || (path !== folder && basename(path).startsWith('.'));
    if (!this.options.usePolling) {
      // One OS watch per directory; a file event marks its folder for a run.
      const watcher = new DirectoryWatcher(folder, {
        ignored: skipped,
        signal: this.closing.signal,
        onChange: (path, change, isDirectory) => {
          if (isDirectory || isPhotoName(path)) this.note(path, change);
        },
        onError: (error) => this.options.onError?.(error, folder),
      });
      this.watchers.set(folder, { close: async () => watcher.close() });
      await watcher.ready;
      return;
    }
    // Network shares send no OS events: chokidar polls them.
    const watcher = watch(folder, {
      ignoreInitial: true,
      followSymlinks: false,
      usePolling: true,
      awaitWriteFinish: { stabilityThreshold: this.writeSettleMs, pollInterval: 100 },
      ignored: (path: string, stats?: Stats) => {
        if (skipped(path)) return true;
        // Only files are filtered by name: a folder may be called "trip.2024".
        return stats?.isFile() === true && !isPhotoName(path);
      },
    });
    this.watchers.set(folder, watcher);
    const onFile = (change: Change) => (path: string) => {
      if (isPhotoName(path)) this.note(path, change);
    };
    watcher.on('add', onFile('added'));
    watcher.on('change', onFile('added'));
    watcher.on('unlink', onFile('removed'));
    // A folder moved in brings files; one moved out takes them: the folder's run sees both.
    watcher.on('addDir', (path: string) => this.note(path, 'added'));
    watcher.on('unlinkDir', (path: string) => this.note(path, 'removed'));
    watcher.on('error', (error: unknown) => this.options.onError?.(error instanceof Error ? error : new Error(String(error)), folder));
    // A watcher closed during its initial walk never says 'ready': closing ends the wait too.
    await new Promise<void>((resolve) => {
      watcher.once('ready', () => resolve());
      this.closing.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Folders with changes not yet indexed. */
  get pendingFolders(): string[] {
    return [...this.dirty.keys()];
  }

  /** Resolves when no change is waiting and no run is under way. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop watching; a run under way is cancelled (what it finished is kept). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = null;
    this.dirty.clear();
    this.controller?.abort();
    await Promise.all([...this.watchers.values()].map((w) => w.close()));
    this.watchers.clear();
    await this.running?.catch(() => undefined);
    this.wakeIdle();
  }

  private note(path: string, change: Change): void {
    if (this.closed) return;
    const folder = this.folderOf(path);
    if (!folder) return;
    let changes = this.dirty.get(folder);
    if (!changes) this.dirty.set(folder, (changes = new Set()));
    changes.add(change);
    // Directory watches report a file the moment it appears, half-written: its run waits until
    // the file has been quiet for writeSettleMs (each event pushes it back). Under chokidar's
    // polling the 'add' of a moved file comes only once it has settled while its 'unlink' comes at
    // once: a removal waits as long, so both land in one run and the code is reused.
    this.schedule(this.options.usePolling && change === 'added' ? this.debounceMs : this.debounceMs + this.writeSettleMs);
  }

  /** The library folder a path belongs to (the deepest one containing it). */
  private folderOf(path: string): string | undefined {
    let best: string | undefined;
    for (const folder of this.library.folders()) {
      const inside = path === folder.path || path.startsWith(folder.path.endsWith(sep) ? folder.path : folder.path + sep);
      if (inside && (!best || folder.path.length > best.length)) best = folder.path;
    }
    return best;
  }

  private schedule(quietMs: number): void {
    const now = Date.now();
    this.firstPendingAt ??= now;
    const due = Math.max(now + quietMs, this.dueAt ?? 0);
    // Never later than maxDelayMs after the first waiting change.
    this.dueAt = Math.min(due, this.firstPendingAt + this.maxDelayMs);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dueAt = null;
      this.flush();
    }, Math.max(0, this.dueAt - now));
  }

  private flush(): void {
    // A run under way picks up what is dirty when it ends.
    if (this.running || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      this.wakeIdle();
    });
  }

  private async drain(): Promise<void> {
    // Stops while a debounce is pending: that timer starts the next drain when it is due.
    while (this.dirty.size > 0 && !this.closed && this.timer === null) {
      this.firstPendingAt = null;
      // Gaining folders first: a moved photo then finds its old code before the old row goes.
      const batch = [...this.dirty.entries()].sort(([, a], [, b]) => Number(b.has('added')) - Number(a.has('added')));
      this.dirty.clear();
      for (const [folder] of batch) {
        if (this.closed) return;
        // Taken out of the library meanwhile: a run would add it back.
        if (!this.library.folders().some((f) => f.path === folder)) continue;
        this.controller = new AbortController();
        try {
          const run = this.options.indexFolder ?? ((path, options) => this.library.indexFolder(path, options));
          const result = await run(folder, { signal: this.controller.signal });
          this.options.onRun?.(folder, result);
        } catch (error) {
          if (!this.closed) this.options.onError?.(error instanceof Error ? error : new Error(String(error)), folder);
        } finally {
          this.controller = null;
        }
      }
    }
  }

  private isIdle(): boolean {
    return this.closed || (this.dirty.size === 0 && this.timer === null && this.running === null);
  }

  private wakeIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

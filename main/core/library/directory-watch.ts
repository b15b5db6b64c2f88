/**
 * Watch a folder tree with one OS watch per *directory* (fs.watch; inotify on Linux), never per
 * file. A library of 100,000 photos in a few hundred folders costs a few hundred watches and a
 * walk that reads directory entries without a stat of each photo — where a per-file watcher
 * (chokidar's model) stats and watches every file before it is ready, stalling a large library.
 *
 * Each event names a path and whether it now exists ('added', which also covers a changed file)
 * or not ('removed'); a directory that appears is walked and watched, one that disappears
 * releases its watches. Which files matter is the caller's business (`ignored`), and so is
 * waiting for a file to finish being written (debouncing in LibraryWatcher).
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type DirectoryChange = 'added' | 'removed';

export interface DirectoryWatchOptions {
  /** Paths never watched or reported (the library's own folder, hidden files, …). */
  ignored?: (path: string) => boolean;
  onChange: (path: string, change: DirectoryChange, isDirectory: boolean) => void;
  onError?: (error: Error) => void;
  signal?: AbortSignal;
}

export class DirectoryWatcher {
  private readonly watches = new Map<string, FSWatcher>();
  private closed = false;
  /** Settles when every directory present at start is watched. */
  readonly ready: Promise<void>;

  constructor(
    private readonly root: string,
    private readonly options: DirectoryWatchOptions,
  ) {
    this.ready = this.watchTree(root);
  }

  /** Directories watched now. */
  get watchedDirectories(): number {
    return this.watches.size;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  private async watchTree(dir: string): Promise<void> {
    const pending = [dir];
    while (pending.length > 0 && !this.closed && !this.options.signal?.aborted) {
      const current = pending.pop()!;
      if (this.watches.has(current) || this.options.ignored?.(current)) continue;
      if (!this.watchDirectory(current)) continue;
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(current, { withFileTypes: true });
      } catch {
        continue; // unreadable: its watch (if any) still reports what appears
      }
      // Symlinked folders are not followed (a full re-index follows them, loop-safe).
      for (const entry of entries) if (entry.isDirectory()) pending.push(join(current, entry.name));
    }
  }

  private watchDirectory(dir: string): boolean {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name !== null) void this.onEvent(join(dir, name.toString()));
        else this.options.onChange(dir, 'added', true); // the OS lost track: rescan this folder
      });
      watcher.on('error', (error) => {
        // The directory itself went away (or its watch broke): drop it; its parent reports the removal.
        this.unwatch(dir);
        if ((error as NodeJS.ErrnoException).code !== 'EPERM') this.options.onError?.(error);
      });
      this.watches.set(dir, watcher);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EPERM') this.options.onError?.(error as Error);
      return false;
    }
  }

  private unwatch(dir: string): void {
    for (const [path, watcher] of this.watches) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        this.watches.delete(path);
      }
    }
  }

  private async onEvent(path: string): Promise<void> {
    if (this.closed || this.options.ignored?.(path)) return;
    let isDirectory = false;
    let exists = true;
    try {
      isDirectory = (await lstat(path)).isDirectory();
    } catch {
      exists = false;
    }
    if (this.closed) return;
    if (!exists) {
      const wasDirectory = this.watches.has(path);
      if (wasDirectory) this.unwatch(path);
      this.options.onChange(path, 'removed', wasDirectory);
      return;
    }
    if (isDirectory && !this.watches.has(path)) await this.watchTree(path);
    this.options.onChange(path, 'added', isDirectory);
  }
}

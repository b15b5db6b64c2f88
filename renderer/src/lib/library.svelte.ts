/**
 * The renderer's state of the open library, in one place: what the library holds, the running
 * indexing job, skipped files, pages of photos for the grid, and the current similarity query.
 * Views read it and call its methods; only this file talks to the Api (through client.ts).
 */
import { SvelteMap } from 'svelte/reactivity';
import type { FolderSummary, JobFinished, JobProgress, LibraryInfo, Photo, PhotoSort, SearchHit, Skipped } from '../../../main/api/contract';
import { api, isDesktop } from './client';
import { errorMessage } from './format';

const pageSize = 256;

export type Query =
  | { kind: 'photo'; id: number; path: string }
  | { kind: 'image'; name: string; previewUrl: string; base64: string };

export interface Notice {
  id: number;
  tone: 'error' | 'info';
  text: string;
  /** Notices of one kind (e.g. 'not-image') share a key: a new one updates the notice and its count. */
  key?: string;
  count: number;
}

/** Reads a file's bytes as base64 (FileReader's data URL, without the prefix). */
function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}

export class LibraryState {
  info = $state<LibraryInfo | null>(null);
  loadError = $state<string | null>(null);
  total = $state(0);
  job = $state<JobProgress | null>(null);
  lastFinished = $state<JobFinished | null>(null);
  skipped = $state<Skipped[]>([]);
  notices = $state<Notice[]>([]);

  query = $state<Query | null>(null);
  results = $state<SearchHit[]>([]);
  searching = $state(false);
  searchError = $state<string | null>(null);
  k = $state(12);
  /** Results scoring below this are hidden (0: show all k). */
  minScore = $state(0);
  /** The full-size viewer: open on a position of the grid or of the results, else null. */
  viewing = $state<{ source: 'grid' | 'results'; index: number } | null>(null);
  /** The grid's order, and the folder it is narrowed to (null: every photo). */
  sort = $state<PhotoSort>('folder');
  folder = $state<string | null>(null);
  folders = $state<{ roots: FolderSummary[]; folders: FolderSummary[] }>({ roots: [], folders: [] });

  readonly desktop = isDesktop;

  /** Loaded pages of the grid, by page number; a stale page stays visible until its refetch lands. */
  private readonly pages = new SvelteMap<number, { generation: number; photos: Photo[] }>();
  private readonly inFlight = new Set<string>();
  /** Jobs whose end has been seen (a fast job can finish before its start call returns). */
  private readonly endedJobs = new Set<string>();
  /** Bumped by each refresh: reactive, so every visible cell re-checks its page and refetches it if stale. */
  private generation = $state(0);
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private noticeSeq = 0;
  private searchSeq = 0;

  async start(): Promise<void> {
    api.on('jobProgress', (progress) => {
      if (progress.kind === 'index' && !this.endedJobs.has(progress.jobId)) this.job = progress;
    });
    api.on('jobFinished', (finished) => {
      if (finished.kind !== 'index') return;
      this.endedJobs.add(finished.jobId);
      this.lastFinished = finished;
      if (finished.status === 'failed') this.notify('error', `Indexing failed: ${finished.error ?? 'unknown error'}`);
      // The job stays shown until the refresh after it lands: clearing it first would flash
      // "No photos found" on a grid whose photos have not loaded yet.
      void this.refresh().finally(() => {
        if (this.job?.jobId === finished.jobId) this.job = null;
      });
    });
    api.on('libraryChanged', () => this.scheduleRefresh());
    await this.refresh();
  }

  /** Reload library facts, the photo count and the skipped list; the grid refetches its pages. */
  async refresh(): Promise<void> {
    try {
      const [info, first, skipped, folders] = await Promise.all([
        api.libraryInfo({}),
        api.listPhotos({ offset: 0, limit: pageSize, ...this.listing() }),
        api.listSkipped({}),
        api.listFolders({}),
      ]);
      this.info = info;
      this.folders = folders;
      // A page opened while an index job runs shows it at once (not "No photos found" until its first event).
      if (info.indexing && !this.job && !this.endedJobs.has(info.indexing.jobId)) this.job = info.indexing;
      if (this.folder && !folders.roots.some((r) => this.folder === r.path || this.folder!.startsWith(r.path))) this.folder = null;
      this.loadError = null;
      this.generation += 1;
      this.total = first.total;
      this.pages.set(0, { generation: this.generation, photos: first.photos });
      for (const page of [...this.pages.keys()]) {
        if (page * pageSize >= first.total) this.pages.delete(page);
      }
      this.skipped = skipped;
    } catch (error) {
      this.loadError = errorMessage(error);
    }
  }

  /**
   * Coalesces bursts of libraryChanged (one per indexed batch) into one refresh per second; the first
   * photos of an empty grid are fetched at once, as the empty state promises.
   */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    if (this.total === 0) {
      void this.refresh();
      return;
    }
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, 1000);
  }

  /** The photo at a grid position, or undefined while its page loads (it then appears by itself). */
  photoAt(index: number): Photo | undefined {
    const pageNumber = Math.floor(index / pageSize);
    const page = this.pages.get(pageNumber);
    if (!page || page.generation !== this.generation) this.loadPage(pageNumber);
    return page?.photos[index - pageNumber * pageSize];
  }

  private loadPage(pageNumber: number): void {
    const generation = this.generation;
    const key = `${generation}:${pageNumber}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    // Deferred so that reading the grid never writes state while it renders.
    queueMicrotask(async () => {
      try {
        const { photos, total } = await api.listPhotos({ offset: pageNumber * pageSize, limit: pageSize, ...this.listing() });
        if (generation !== this.generation) return;
        this.pages.set(pageNumber, { generation, photos });
        this.total = total;
      } catch (error) {
        this.notify('error', `Could not load photos: ${errorMessage(error)}`);
      } finally {
        this.inFlight.delete(key);
      }
    });
  }

  /** The grid's order and folder, as listPhotos takes them. */
  private listing(): { sort: PhotoSort; folder?: string } {
    return { sort: this.sort, ...(this.folder ? { folder: this.folder } : {}) };
  }

  /** Show the grid in another order, or narrowed to a folder (null: all); pages load afresh. */
  setListing(sort: PhotoSort, folder: string | null): Promise<void> {
    this.sort = sort;
    this.folder = folder;
    // Pages are not dropped: each stays until its refetch in the new order lands (refresh bumps the generation).
    return this.refresh();
  }

  /** Take a folder out of the library (its photos leave the index; the files stay). */
  async removeFolder(path: string): Promise<void> {
    const { removed } = await api.removeFolder({ path });
    this.lastFinished = null;
    this.notify('info', `Removed ${path} from the library: ${removed} ${removed === 1 ? 'photo' : 'photos'} left the index. The files on disk are untouched.`);
    await this.refresh();
  }

  async addFolder(path: string): Promise<void> {
    const { jobId } = await api.addFolder({ path });
    this.showStartedJob(jobId);
  }

  /** Show an index job at once (progress events fill in the numbers), unless it already ended. */
  showStartedJob(jobId: string): void {
    if (this.endedJobs.has(jobId)) return;
    if (this.lastFinished?.jobId !== jobId) this.lastFinished = null;
    this.job ??= { jobId, kind: 'index', phase: 'scanning', done: 0, total: 0, ratePerSecond: 0, etaSeconds: null };
  }

  /** Desktop: native folder picker, then index the chosen folder. Returns false when the user cancelled. */
  async pickAndAddFolder(): Promise<boolean> {
    const path = await api.pickFolder({});
    if (!path) return false;
    await this.addFolder(path);
    return true;
  }

  async reindex(): Promise<void> {
    try {
      const { jobId } = await api.reindex({});
      this.showStartedJob(jobId);
    } catch (error) {
      this.notify('error', errorMessage(error));
    }
  }

  async cancelJob(): Promise<void> {
    if (!this.job) return;
    try {
      await api.cancelJob({ jobId: this.job.jobId });
    } catch (error) {
      this.notify('error', `Could not cancel: ${errorMessage(error)}`);
    }
  }

  searchPhoto(photo: { id: number; path: string }): Promise<void> {
    this.setQuery({ kind: 'photo', id: photo.id, path: photo.path });
    return this.runSearch();
  }

  async searchImageFile(file: File): Promise<void> {
    if (file.type && !file.type.startsWith('image/')) {
      this.notifyNotImage(file.name);
      return;
    }
    let base64: string;
    try {
      base64 = await readAsBase64(file);
    } catch (error) {
      this.notify('error', `Could not read ${file.name}: ${errorMessage(error)}`);
      return;
    }
    this.setQuery({ kind: 'image', name: file.name, previewUrl: URL.createObjectURL(file), base64 });
    await this.runSearch();
  }

  setK(k: number): Promise<void> {
    this.k = k;
    return this.query ? this.runSearch() : Promise.resolve();
  }

  /** The hits shown: those at or above the minimum similarity. */
  get shownResults(): SearchHit[] {
    return this.results.filter((hit) => hit.score >= this.minScore);
  }

  closeResults(): void {
    this.setQuery(null);
    this.results = [];
    this.searchError = null;
  }

  async showInFolder(id: number): Promise<void> {
    try {
      const shown = await api.showInFolder({ id });
      if (!shown) this.notify('error', 'Could not show this photo in its folder.');
    } catch (error) {
      this.notify('error', errorMessage(error));
    }
  }

  notify(tone: Notice['tone'], text: string, key?: string): void {
    const same = key ? this.notices.find((n) => n.key === key) : undefined;
    if (same) {
      // One notice that counts, rather than a stack of the same popup.
      this.notices = this.notices.map((n) => (n === same ? { ...n, text, count: n.count + 1 } : n));
      return;
    }
    const id = ++this.noticeSeq;
    this.notices = [...this.notices, { id, tone, text, count: 1, ...(key ? { key } : {}) }];
    if (tone === 'info') setTimeout(() => this.dismiss(id), 8000);
  }

  private notImages: string[] = [];
  /** Files that are not images, dropped or picked: one notice naming how many and which. */
  notifyNotImage(name: string): void {
    if (!this.notices.some((n) => n.key === 'not-image')) this.notImages = [];
    this.notImages.push(name);
    const n = this.notImages.length;
    const names = this.notImages.slice(-3).join(', ') + (n > 3 ? ', …' : '');
    this.notify('error', n === 1 ? `${name} is not an image, so it cannot be searched with.` : `${n} files are not images, so they cannot be searched with: ${names}`, 'not-image');
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id);
  }

  private setQuery(query: Query | null): void {
    if (this.query?.kind === 'image') URL.revokeObjectURL(this.query.previewUrl);
    this.query = query;
  }

  private async runSearch(): Promise<void> {
    const query = this.query;
    if (!query) return;
    const seq = ++this.searchSeq;
    this.searching = true;
    this.searchError = null;
    try {
      // A library photo is shown once, as the query: ask for one more and leave it out of the hits.
      const hits =
        query.kind === 'photo'
          ? (await api.searchByPhoto({ id: query.id, k: this.k + 1 })).filter((hit) => hit.id !== query.id).slice(0, this.k)
          : await api.searchByImage({ name: query.name, base64: query.base64, k: this.k });
      if (seq === this.searchSeq) this.results = hits;
    } catch (error) {
      if (seq === this.searchSeq) {
        this.results = [];
        this.searchError = errorMessage(error);
      }
    } finally {
      if (seq === this.searchSeq) this.searching = false;
    }
  }
}

export const library = new LibraryState();

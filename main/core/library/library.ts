/**
 * A library: a folder on disk holding everything dimsearch knows about a set of photo folders.
 *
 *   <libraryDir>/library.sqlite        metadata (store.ts): folders, photos, codes per model, skipped
 *   <libraryDir>/indexes/<model>.hnsw  one vector index per model id (codes of models never mix)
 *   <libraryDir>/thumbnails/ab/<hash>.webp
 *
 * Opening reconciles the model's index with the store (see jobs/indexer.ts for the write order
 * that makes this enough after a crash): labels the store does not name are marked deleted, codes
 * whose labels the index lacks are forgotten (those photos are encoded again on the next run).
 * Index runs are serialised; searches may run at any time.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, accessSync, constants as fsConstants } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { ImageEncoder } from '../../ml/image-encoder';
import { DEFAULT_MAX_PIXELS, DecodeError, decodeForModel } from '../imaging/decode';
import { ThumbnailCache } from '../imaging/thumbnails';
import { Store, type FolderRow, type PhotoRow, type SkippedRow } from '../index/store';
import { DEFAULT_INDEX_PARAMS, VectorIndex, type VectorIndexParams } from '../index/vector-index';
import { indexFolder, type IndexRunOptions, type IndexRunResult } from '../jobs/indexer';

export const DEFAULT_MODEL = 'dim-both';
const STORE_FILE = 'library.sqlite';

export interface LibraryOptions {
  /** A model name under native-models/ or a model directory (default 'dim-both'). */
  model?: string;
  /** An already loaded encoder (used instead of `model`; the caller keeps ownership). */
  encoder?: ImageEncoder;
  maxPixels?: number;
  indexParams?: VectorIndexParams;
  /** Refuse to create a new library (e.g. for a search, where an empty new one is surely a mistake). */
  mustExist?: boolean;
  /** Told about anything repaired on open (e.g. a lost index file). */
  onNotice?: (message: string) => void;
}

export interface SearchResult {
  id: number;
  path: string;
  score: number;
}

export interface IndexAllResult extends IndexRunResult {
  folders: number;
}

export class LibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryError';
  }
}

/** Check a library path and create it if needed; a clear LibraryError for anything wrong. */
export function prepareLibraryDir(libraryDir: string, mustExist = false): string {
  if (typeof libraryDir !== 'string' || libraryDir.trim() === '') throw new LibraryError('no library path given');
  const dir = resolve(libraryDir);
  if (mustExist && !existsSync(join(dir, STORE_FILE))) throw new LibraryError(`no dimsearch library at ${dir} (index a folder into it first)`);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new LibraryError(`library path is not a folder: ${dir}`);
    const entries = readdirSync(dir).filter((name) => !name.startsWith('.'));
    if (entries.length > 0 && !entries.includes(STORE_FILE)) {
      throw new LibraryError(`not a dimsearch library: ${dir} is a non-empty folder without ${STORE_FILE}`);
    }
  } else {
    const parent = dirname(dir);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) {
      throw new LibraryError(`cannot create library ${dir}: its parent folder ${parent} does not exist`);
    }
    try {
      mkdirSync(dir);
    } catch (error) {
      throw new LibraryError(`cannot create library ${dir}: ${(error as Error).message}`);
    }
  }
  try {
    accessSync(dir, fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    throw new LibraryError(`library folder is not writable: ${dir}`);
  }
  return dir;
}

function indexFileName(modelId: string): string {
  return `${modelId.replace(/[^A-Za-z0-9._-]/g, '_')}.hnsw`;
}

export class Library {
  private indexQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly store: Store,
    readonly encoder: ImageEncoder,
    private readonly ownsEncoder: boolean,
    readonly index: VectorIndex,
    readonly indexFile: string,
    readonly thumbnails: ThumbnailCache,
    readonly maxPixels: number,
  ) {}

  static async open(libraryDir: string, options: LibraryOptions = {}): Promise<Library> {
    const dir = prepareLibraryDir(libraryDir, options.mustExist);
    let store: Store;
    try {
      store = Store.open(join(dir, STORE_FILE));
    } catch (error) {
      throw new LibraryError(`cannot open library ${dir}: ${(error as Error).message}`);
    }
    let encoder = options.encoder;
    const ownsEncoder = !encoder;
    try {
      if (!encoder) {
        const { loadEncoder } = await import('../../ml/models');
        encoder = await loadEncoder(options.model ?? DEFAULT_MODEL);
      }
      const indexesDir = join(dir, 'indexes');
      mkdirSync(indexesDir, { recursive: true });
      removeStrayTemps(indexesDir);
      const indexFile = join(indexesDir, indexFileName(encoder.modelId));
      const params = options.indexParams ?? DEFAULT_INDEX_PARAMS;
      const model = store.ensureModel({
        modelId: encoder.modelId,
        dim: encoder.dim,
        inputSize: encoder.inputSize,
        indexFile: basename(indexFile),
        indexParams: { ...params, space: 'cosine' },
      });
      if (model.dim !== encoder.dim) {
        throw new LibraryError(`library records model ${encoder.modelId} with ${model.dim}-d codes, but the model gives ${encoder.dim}-d`);
      }
      const index = openIndex(store, encoder.modelId, indexFile, encoder.dim, params, options.onNotice);
      store.setMeta('lastModel', encoder.modelId);
      const thumbnails = new ThumbnailCache(join(dir, 'thumbnails'));
      return new Library(dir, store, encoder, ownsEncoder, index, indexFile, thumbnails, options.maxPixels ?? DEFAULT_MAX_PIXELS);
    } catch (error) {
      store.close();
      if (ownsEncoder) encoder?.dispose();
      throw error;
    }
  }

  get modelId(): string {
    return this.encoder.modelId;
  }

  folders(): FolderRow[] {
    return this.store.folders();
  }

  photoCount(): number {
    return this.store.photoCount();
  }

  /** Register a folder (it must exist and be a folder). Returns the library folder that covers it. */
  async addFolder(path: string): Promise<FolderRow> {
    this.assertOpen();
    let real: string;
    try {
      real = await realpath(resolve(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new LibraryError(code === 'ENOENT' ? `folder not found: ${path}` : `cannot open folder ${path}: ${(error as Error).message}`);
    }
    if (!(await stat(real)).isDirectory()) throw new LibraryError(`not a folder: ${path}`);
    if (real === this.dir || real.startsWith(this.dir + sep)) throw new LibraryError(`cannot add the library's own folder: ${path}`);
    return this.store.addFolder(real);
  }

  /** Index one folder (added first if new). Runs after any index run already under way. */
  indexFolder(path: string, options: IndexRunOptions = {}): Promise<IndexRunResult> {
    return this.serialised(async () => {
      const folder = await this.addFolder(path);
      return indexFolder(this.target(), folder, this.runOptions(options));
    });
  }

  /** Re-scan every folder of the library. */
  indexAll(options: IndexRunOptions = {}): Promise<IndexAllResult> {
    return this.serialised(async () => {
      const total: IndexAllResult = {
        indexed: 0,
        reused: 0,
        unchanged: 0,
        touched: 0,
        removed: 0,
        skipped: [],
        total: 0,
        cancelled: false,
        seconds: 0,
        folders: 0,
      };
      for (const folder of this.store.folders()) {
        if (options.signal?.aborted) {
          total.cancelled = true;
          break;
        }
        if (!existsSync(folder.path)) {
          // A folder on an unplugged disk: keep its photos, say so.
          total.skipped.push({ path: folder.path, reason: 'folder not found (kept in the library)' });
          continue;
        }
        const r = await indexFolder(this.target(), folder, this.runOptions(options));
        total.indexed += r.indexed;
        total.reused += r.reused;
        total.unchanged += r.unchanged;
        total.touched += r.touched;
        total.removed += r.removed;
        total.skipped.push(...r.skipped);
        total.total += r.total;
        total.seconds += r.seconds;
        total.cancelled ||= r.cancelled;
        total.folders++;
      }
      if (!total.cancelled) {
        const hashes = this.store.allHashes();
        await this.thumbnails.prune((hash) => hashes.has(hash));
      }
      return total;
    });
  }

  // ---------- search ----------

  /** The k library photos nearest to a library photo, best first; the photo itself comes first. */
  searchByPhoto(id: number, k: number): SearchResult[] {
    this.assertOpen();
    const photo = this.store.photoById(id);
    if (!photo) throw new LibraryError(`no photo with id ${id}`);
    const label = this.store.labelOf(this.modelId, id);
    const code = label === undefined ? null : this.index.vectorOf(label);
    if (!code) throw new LibraryError(`photo ${id} has no code for model ${this.modelId} yet (index the library first)`);
    const hits = this.searchByCode(code, k);
    const self = hits.find((h) => h.id === id);
    const rest = hits.filter((h) => h.id !== id);
    return [{ id, path: photo.path, score: self?.score ?? 1 }, ...rest].slice(0, k);
  }

  /** The k library photos nearest to an image file; a library photo that is unchanged on disk uses its stored code. */
  async searchByPath(path: string, k: number): Promise<SearchResult[]> {
    this.assertOpen();
    const absolute = resolve(path);
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new LibraryError(`image not found: ${path}`);
    }
    if (!info.isFile()) throw new LibraryError(`not a file: ${path}`);
    const real = await realpath(absolute).catch(() => absolute);
    for (const candidate of new Set([absolute, real])) {
      const photo = this.store.photoByPath(candidate);
      if (photo && photo.size === info.size && photo.mtimeMs === info.mtimeMs && this.store.labelOf(this.modelId, photo.id) !== undefined) {
        return this.searchByPhoto(photo.id, k);
      }
    }
    return this.searchByBytes(await readFile(absolute), k);
  }

  /** The k library photos nearest to an image given as bytes (e.g. dropped on the window). */
  async searchByBytes(bytes: Buffer, k: number): Promise<SearchResult[]> {
    this.assertOpen();
    let pixels: Float32Array;
    try {
      pixels = (await decodeForModel(bytes, this.encoder.inputSize, { maxPixels: this.maxPixels })).pixels;
    } catch (error) {
      if (error instanceof DecodeError) throw new LibraryError(`cannot search with this file: ${error.reason}`);
      throw error;
    }
    const code = await this.encoder.encode(pixels, 1);
    return this.searchByCode(code, k);
  }

  /** Nearest library photos to a code. Labels added by a run that has not committed yet are left out. */
  searchByCode(code: Float32Array, k: number): SearchResult[] {
    const hits = this.index.search(code, k + 16);
    const results: SearchResult[] = [];
    for (const hit of hits) {
      const photo = this.store.photoByLabel(this.modelId, hit.label);
      if (photo) results.push({ id: photo.id, path: photo.path, score: hit.score });
      if (results.length === k) break;
    }
    return results;
  }

  // ---------- listing ----------

  listPhotos(offset: number, limit: number): { total: number; photos: PhotoRow[] } {
    return { total: this.store.photoCount(), photos: this.store.listPhotos(offset, limit) };
  }

  listSkipped(): SkippedRow[] {
    return this.store.listSkipped();
  }

  photo(id: number): PhotoRow | undefined {
    return this.store.photoById(id);
  }

  /** The thumbnail file of a library photo, made now if missing; null when there is none to make. */
  async thumbnailPath(id: number): Promise<string | null> {
    const photo = this.store.photoById(id);
    if (!photo) return null;
    const path = this.thumbnails.pathFor(photo.hash);
    if (existsSync(path)) return path;
    try {
      return await this.thumbnails.make(photo.hash, photo.path, this.maxPixels);
    } catch {
      return null;
    }
  }

  /** The photo's own file, if it is a library photo and still on disk. */
  photoFilePath(id: number): string | null {
    const photo = this.store.photoById(id);
    return photo && existsSync(photo.path) ? photo.path : null;
  }

  /** Wait for index runs to finish (callers cancel them first), save, and release everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.indexQueue.catch(() => undefined);
    // Unsaved index changes are only deletions the store already reflects; save them now.
    if (this.index.dirty) this.index.save(this.indexFile);
    this.store.close();
    if (this.ownsEncoder) this.encoder.dispose();
  }

  private runOptions(options: IndexRunOptions): IndexRunOptions {
    // The library may live inside a photo folder: never index its own thumbnails.
    // DIMSEARCH_CHECKPOINT_MS: how often a run saves its work (crash tests set it low).
    const checkpointMs = Number(process.env.DIMSEARCH_CHECKPOINT_MS);
    return {
      maxPixels: this.maxPixels,
      ...(Number.isFinite(checkpointMs) && checkpointMs >= 0 && process.env.DIMSEARCH_CHECKPOINT_MS ? { checkpointMs } : {}),
      ...options,
      excludeDirs: [this.dir, ...(options.excludeDirs ?? [])],
    };
  }

  private target() {
    return {
      store: this.store,
      index: this.index,
      indexFile: this.indexFile,
      encoder: this.encoder,
      modelId: this.modelId,
      thumbnails: this.thumbnails,
    };
  }

  private serialised<T>(run: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const next = this.indexQueue.catch(() => undefined).then(run);
    this.indexQueue = next;
    return next;
  }

  private assertOpen(): void {
    if (this.closed) throw new LibraryError('library is closed');
  }
}

/** Load (or start) a model's index and make it agree with the store. */
function openIndex(
  store: Store,
  modelId: string,
  indexFile: string,
  dim: number,
  params: VectorIndexParams,
  notice: (message: string) => void = () => {},
): VectorIndex {
  const storeLabels = store.labels(modelId);
  let index: VectorIndex;
  if (existsSync(indexFile)) {
    try {
      index = VectorIndex.load(indexFile, dim, params);
    } catch (error) {
      notice(`${(error as Error).message}; starting a new index (photos will be encoded again)`);
      index = VectorIndex.create(dim, params);
    }
  } else {
    if (storeLabels.length > 0) notice(`index file for ${modelId} is missing; starting a new one (photos will be encoded again)`);
    index = VectorIndex.create(dim, params);
  }
  const inIndex = new Set(index.labels());
  const named = new Set(storeLabels);
  const lost = storeLabels.filter((label) => !inIndex.has(label));
  if (lost.length > 0) store.dropCodes(modelId, lost);
  let orphans = 0;
  for (const label of inIndex) if (!named.has(label) && index.remove(label)) orphans++;
  if (orphans > 0) index.save(indexFile);
  index.setLiveCount(storeLabels.length - lost.length);
  let maxLabel = -1;
  for (const label of storeLabels) if (label > maxLabel) maxLabel = label;
  index.reserveLabelsBelow(maxLabel + 1);
  return index;
}

function removeStrayTemps(dir: string): void {
  for (const name of readdirSync(dir)) if (name.startsWith('.') && name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
}

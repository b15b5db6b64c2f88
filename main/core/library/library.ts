/**
 * A library: a folder on disk holding everything dimsearch knows about a set of photo folders.
 *
 *   <libraryDir>/library.sqlite        metadata (store.ts): folders, photos, codes per model, skipped
 *   <libraryDir>/indexes/<model>.hnsw  one vector index per model id (codes of models never mix)
 *   <libraryDir>/thumbnails/ab/<hash>.jpg
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
import { Store, type FolderRow, type PhotoOrder, type PhotoRow, type SkippedRow } from '../index/store';
import { DEFAULT_INDEX_PARAMS, VectorIndex, type VectorIndexParams } from '../index/vector-index';
import { indexFolder, type IndexRunOptions, type IndexRunResult } from '../jobs/indexer';
import { expandHome } from './expand-home';
import { DisplayCopies } from './display-copies';
import { DEFAULT_EXCLUSIONS, normaliseExclusions } from './exclusions';
import { onDiskPath } from '../file-names';

/** Store meta key: the directory of the model the library last switched to. */
const MODEL_DIR_META = 'modelDir';
/** Store meta key: the library's exclusion globs as a JSON array (absent: DEFAULT_EXCLUSIONS). */
const EXCLUSIONS_META = 'exclusions';
const STORE_FILE = 'library.sqlite';

export interface LibraryOptions {
  /** A model name under native-models/ or a model directory (default: defaultModelName(), ml/default-model.ts). */
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

/**
 * One model's view of the library: its encoder and its own vector index (codes of models never
 * mix). The library searches with its primary space; others are opened for comparisons and for
 * switching models, and share the store (photo rows, and each model's labels).
 */
export interface ModelSpace {
  readonly encoder: ImageEncoder;
  readonly modelId: string;
  readonly index: VectorIndex;
  readonly indexFile: string;
  /** Whether the library loaded the encoder (and so disposes it). */
  readonly ownsEncoder: boolean;
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
  const dir = resolve(expandHome(libraryDir));
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
  /** Every opened model space by model id, the primary included. */
  private readonly spaces = new Map<string, ModelSpace>();

  private constructor(
    readonly dir: string,
    readonly store: Store,
    private primary: ModelSpace,
    readonly thumbnails: ThumbnailCache,
    readonly maxPixels: number,
    private readonly indexParams: VectorIndexParams,
    private readonly notice: (message: string) => void,
  ) {
    this.spaces.set(primary.modelId, primary);
  }

  /** The encoder of the library's current model (searches and index runs use it). */
  get encoder(): ImageEncoder {
    return this.primary.encoder;
  }

  get index(): VectorIndex {
    return this.primary.index;
  }

  get indexFile(): string {
    return this.primary.indexFile;
  }

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
        const [{ loadEncoder }, { defaultModelName }] = await Promise.all([import('../../ml/models'), import('../../ml/default-model')]);
        // Without a model named, the one the library last switched to (useModel) if it is still there.
        const chosen = store.getMeta(MODEL_DIR_META);
        encoder = await loadEncoder(options.model ?? (chosen && existsSync(chosen) ? chosen : defaultModelName()));
      }
      const indexesDir = join(dir, 'indexes');
      mkdirSync(indexesDir, { recursive: true });
      removeStrayTemps(indexesDir);
      const params = options.indexParams ?? DEFAULT_INDEX_PARAMS;
      const notice = options.onNotice ?? (() => {});
      const primary = openSpace(store, dir, encoder, ownsEncoder, params, notice);
      store.setMeta('lastModel', encoder.modelId);
      const thumbnails = new ThumbnailCache(join(dir, 'thumbnails'));
      return new Library(dir, store, primary, thumbnails, options.maxPixels ?? DEFAULT_MAX_PIXELS, params, notice);
    } catch (error) {
      store.close();
      if (ownsEncoder) encoder?.dispose();
      throw error;
    }
  }

  // ---------- models ----------

  /** The space of the library's current model. */
  get primarySpace(): ModelSpace {
    return this.primary;
  }

  /**
   * A model's space (its encoder loaded and its index opened, once; kept until close).
   * `model` is a model directory; the current model's own directory answers the primary space.
   */
  async openModel(modelDir: string): Promise<ModelSpace> {
    this.assertOpen();
    const { loadEncoder, readModelInfo } = await import('../../ml/models');
    const { id } = await readModelInfo(modelDir);
    const known = this.spaces.get(id);
    if (known) return known;
    const encoder = await loadEncoder(modelDir);
    // Two calls may race to open the same model: keep the first, drop the other's encoder.
    const raced = this.spaces.get(encoder.modelId);
    if (raced) {
      encoder.dispose();
      return raced;
    }
    try {
      const space = openSpace(this.store, this.dir, encoder, true, this.indexParams, this.notice);
      this.spaces.set(space.modelId, space);
      return space;
    } catch (error) {
      encoder.dispose();
      throw error;
    }
  }

  /** Library photos that have a code under a model. */
  codedCount(space: ModelSpace = this.primary): number {
    return this.store.codeCount(space.modelId);
  }

  /**
   * Index every folder with another model, then make it the library's model (kept across
   * restarts). A cancelled run keeps its codes (the next one continues) and changes nothing else.
   */
  switchModel(space: ModelSpace, options: IndexRunOptions = {}): Promise<IndexAllResult> {
    return this.serialised(async () => {
      const result = await this.indexAllNow(options, space);
      if (!result.cancelled && !options.signal?.aborted) {
        this.primary = space;
        this.keepModel();
      }
      return result;
    });
  }

  /**
   * Make the primary model the library's model (kept across restarts), as `index --model` and a
   * switch do: the next open without a model named uses it, not the app's default.
   */
  keepModel(): void {
    this.assertOpen();
    this.store.setMeta('lastModel', this.primary.modelId);
    if (this.primary.encoder.dir) this.store.setMeta(MODEL_DIR_META, this.primary.encoder.dir);
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
      real = await realpath(resolve(expandHome(path)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new LibraryError(code === 'ENOENT' ? `folder not found: ${path}` : `cannot open folder ${path}: ${(error as Error).message}`);
    }
    if (!(await stat(real)).isDirectory()) throw new LibraryError(`not a folder: ${path}`);
    if (real === this.dir || real.startsWith(this.dir + sep)) throw new LibraryError(`cannot add the library's own folder: ${path}`);
    return this.store.addFolder(real);
  }

  /**
   * Take a folder (as added, or typed as the user added it) out of the library: its photos leave
   * the store and every open model's index; the files on disk are not touched. Runs after any
   * index run under way. Models not open now drop their labels when next opened (see openIndex).
   */
  removeFolder(path: string): Promise<{ folder: string; removed: number }> {
    return this.serialised(async () => {
      const typed = resolve(expandHome(path));
      const real = await realpath(typed).catch(() => typed);
      const folder = this.store.folders().find((f) => f.path === real || f.path === typed);
      if (!folder) throw new LibraryError(`not a folder of this library: ${path}`);
      // Store first, then the indexes: a crash in between leaves labels no row names, which the next open deletes.
      const { labels, hashes, photos } = this.store.removeFolder(folder.id);
      for (const space of this.spaces.values()) {
        const gone = labels.get(space.modelId) ?? [];
        for (const label of gone) space.index.remove(label);
        if (gone.length > 0) space.index.save(space.indexFile);
      }
      for (const hash of new Set(hashes)) if (!this.store.hashInUse(hash)) await this.thumbnails.remove(hash);
      return { folder: folder.path, removed: photos };
    });
  }

  /** Index one folder (added first if new). Runs after any index run already under way. */
  indexFolder(path: string, options: IndexRunOptions = {}): Promise<IndexRunResult> {
    return this.serialised(async () => {
      const folder = await this.addFolder(path);
      return indexFolder(this.target(), folder, this.runOptions(options));
    });
  }

  /** Re-scan every folder of the library (with the current model, or another model's space). */
  indexAll(options: IndexRunOptions = {}, space: ModelSpace = this.primary): Promise<IndexAllResult> {
    return this.serialised(() => this.indexAllNow(options, space));
  }

  private async indexAllNow(options: IndexRunOptions, space: ModelSpace): Promise<IndexAllResult> {
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
      const r = await indexFolder(this.target(space), folder, this.runOptions(options));
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
      await this.displayCopies.prune((hash) => hashes.has(hash));
    }
    return total;
  }

  // ---------- search ----------

  /** The k library photos nearest to a library photo, best first; the photo itself comes first. */
  searchByPhoto(id: number, k: number, space: ModelSpace = this.primary): SearchResult[] {
    this.assertOpen();
    const photo = this.store.photoById(id);
    if (!photo) throw new LibraryError(`no photo with id ${id}`);
    const label = this.store.labelOf(space.modelId, id);
    const code = label === undefined ? null : space.index.vectorOf(label);
    if (!code) throw new LibraryError(`photo ${id} has no code for model ${space.modelId} yet (index the library first)`);
    const hits = this.searchByCode(code, k, space);
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
    return this.searchByBytes(await readFile(absolute), k, absolute);
  }

  /** The k library photos nearest to an image given as bytes (e.g. dropped on the window); `name` tells RAW files apart. */
  async searchByBytes(bytes: Buffer, k: number, name?: string): Promise<SearchResult[]> {
    this.assertOpen();
    let pixels: Float32Array;
    try {
      pixels = (await decodeForModel(bytes, this.encoder.inputSize, { maxPixels: this.maxPixels, name })).pixels;
    } catch (error) {
      if (error instanceof DecodeError) throw new LibraryError(`cannot search with this file: ${error.reason}`);
      throw error;
    }
    const code = await this.encoder.encode(pixels, 1);
    return this.searchByCode(code, k);
  }

  /** Nearest library photos to a code. Labels added by a run that has not committed yet are left out. */
  searchByCode(code: Float32Array, k: number, space: ModelSpace = this.primary): SearchResult[] {
    const hits = space.index.search(code, k + 16);
    const results: SearchResult[] = [];
    for (const hit of hits) {
      const photo = this.store.photoByLabel(space.modelId, hit.label);
      if (photo) results.push({ id: photo.id, path: photo.path, score: hit.score });
      if (results.length === k) break;
    }
    return results;
  }

  // ---------- listing ----------

  /** A page of photos in an order, optionally only those inside a folder (any depth). */
  listPhotos(offset: number, limit: number, options: { order?: PhotoOrder; dir?: string } = {}): { total: number; photos: PhotoRow[] } {
    return { total: this.store.countPhotos(options.dir), photos: this.store.listPhotos(offset, limit, options) };
  }

  /** The library's folders (as added) with their photo counts, and every folder holding photos directly. */
  folderSummaries(): { roots: { path: string; photoCount: number }[]; folders: { path: string; photoCount: number }[] } {
    const counts = this.store.photoCountsByFolder();
    return {
      roots: this.store.folders().map((f) => ({ path: f.path, photoCount: counts.get(f.id) ?? 0 })),
      folders: this.store.photoDirectories(),
    };
  }

  listSkipped(): SkippedRow[] {
    return this.store.listSkipped();
  }

  photo(id: number): PhotoRow | undefined {
    return this.store.photoById(id);
  }

  /**
   * Forget photos whose files were moved away on purpose (the duplicates clean-up): their rows,
   * codes and index entries go, after any index run under way. Thumbnails stay until the next
   * full run prunes them, so an undo shows them again at once.
   */
  forgetPhotos(ids: readonly number[]): Promise<number> {
    return this.serialised(async () => {
      if (ids.length === 0) return 0;
      const { labels } = this.store.removePhotos(this.modelId, ids);
      for (const label of labels) this.index.remove(label);
      this.index.save(this.indexFile);
      return ids.length;
    });
  }

  /** The thumbnail file of a library photo, made now if missing; null when there is none to make. */
  async thumbnailPath(id: number): Promise<string | null> {
    const photo = this.store.photoById(id);
    if (!photo) return null;
    const path = this.thumbnails.pathFor(photo.hash);
    if (existsSync(path)) return path;
    try {
      const onDisk = onDiskPath(photo.path);
      // sharp opens a path only as a string: a name that is not UTF-8 is read here.
      const source = typeof onDisk === 'string' ? onDisk : await readFile(onDisk);
      return await this.thumbnails.make(photo.hash, source, this.maxPixels, photo.path);
    } catch {
      return null;
    }
  }

  /** The photo's own file, if it is a library photo and still on disk. */
  photoFilePath(id: number): string | null {
    const photo = this.store.photoById(id);
    return photo && existsSync(onDiskPath(photo.path)) ? photo.path : null;
  }

  /**
   * A full-size file a browser can show for a library photo: the photo itself (JPEG, PNG, WebP,
   * GIF, AVIF), else a converted copy under the library (HEIC, RAW, TIFF; a name that is not
   * UTF-8). Null when the photo is unknown, gone, or cannot be converted.
   */
  async displayablePhotoPath(id: number): Promise<string | null> {
    const photo = this.store.photoById(id);
    if (!photo || !existsSync(onDiskPath(photo.path))) return null;
    try {
      return await this.displayCopies.displayable(photo.path, photo.hash);
    } catch {
      return null;
    }
  }

  private copies: DisplayCopies | null = null;
  get displayCopies(): DisplayCopies {
    return (this.copies ??= new DisplayCopies(join(this.dir, 'display'), this.maxPixels));
  }

  // ---------- folders to leave out ----------

  /** The library's exclusion globs (library/exclusions.ts). */
  exclusions(): string[] {
    const stored = this.store.getMeta(EXCLUSIONS_META);
    if (stored === undefined) return [...DEFAULT_EXCLUSIONS];
    try {
      const parsed: unknown = JSON.parse(stored);
      return Array.isArray(parsed) ? parsed.filter((g): g is string => typeof g === 'string') : [...DEFAULT_EXCLUSIONS];
    } catch {
      return [...DEFAULT_EXCLUSIONS];
    }
  }

  /**
   * Replace the exclusion globs (a LibraryError names a pattern that is not one). The next index
   * run leaves matching photos out and drops those already indexed; the caller starts it.
   */
  setExclusions(globs: readonly string[]): string[] {
    this.assertOpen();
    let kept: string[];
    try {
      kept = normaliseExclusions(globs);
    } catch (error) {
      throw new LibraryError((error as Error).message);
    }
    this.store.setMeta(EXCLUSIONS_META, JSON.stringify(kept));
    return kept;
  }

  /** Wait for index runs to finish (callers cancel them first), save, and release everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.indexQueue.catch(() => undefined);
    // Unsaved index changes are only deletions the store already reflects; save them now.
    for (const space of this.spaces.values()) if (space.index.dirty) space.index.save(space.indexFile);
    this.store.close();
    for (const space of this.spaces.values()) if (space.ownsEncoder) space.encoder.dispose();
    this.spaces.clear();
  }

  private runOptions(options: IndexRunOptions): IndexRunOptions {
    // The library may live inside a photo folder: never index its own thumbnails.
    // DIMSEARCH_CHECKPOINT_MS / DIMSEARCH_BATCH_SIZE: how often a run saves its work and how many
    // photos it encodes at once (crash tests set both low, so a kill lands between many checkpoints).
    const checkpointMs = Number(process.env.DIMSEARCH_CHECKPOINT_MS);
    const batchSize = Number(process.env.DIMSEARCH_BATCH_SIZE);
    return {
      maxPixels: this.maxPixels,
      ...(Number.isFinite(checkpointMs) && checkpointMs >= 0 && process.env.DIMSEARCH_CHECKPOINT_MS ? { checkpointMs } : {}),
      ...(Number.isInteger(batchSize) && batchSize >= 1 ? { batchSize } : {}),
      exclude: this.exclusions(),
      ...options,
      excludeDirs: [this.dir, ...(options.excludeDirs ?? [])],
    };
  }

  private target(space: ModelSpace = this.primary) {
    return {
      store: this.store,
      index: space.index,
      indexFile: space.indexFile,
      encoder: space.encoder,
      modelId: space.modelId,
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

/** Record a model in the store and open its index. */
function openSpace(
  store: Store,
  libraryDir: string,
  encoder: ImageEncoder,
  ownsEncoder: boolean,
  params: VectorIndexParams,
  notice: (message: string) => void,
): ModelSpace {
  const indexFile = join(libraryDir, 'indexes', indexFileName(encoder.modelId));
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
  rebuildIfBuiltOtherwise(store, model.modelId, model.indexParams, { ...params, space: 'cosine' }, indexFile, notice);
  const index = openIndex(store, encoder.modelId, indexFile, encoder.dim, params, notice);
  return { encoder, modelId: encoder.modelId, index, indexFile, ownsEncoder };
}

/** What an index file's graph was built with; efSearch is a query-time setting and may change freely. */
const INDEX_BUILD_PARAMS = ['space', 'm', 'efConstruction'] as const;

/**
 * A library records the parameters each model's index was built with. An index built otherwise
 * (an older dimsearch's defaults, another distance) is never read as if it were this one: it is
 * started over, with a notice, and its photos are encoded again on the next run. The file goes
 * first, then the store forgets the codes and records the new parameters (a crash in between
 * simply repeats this on the next open).
 */
function rebuildIfBuiltOtherwise(
  store: Store,
  modelId: string,
  recorded: Record<string, unknown>,
  wanted: Record<string, unknown>,
  indexFile: string,
  notice: (message: string) => void,
): void {
  const differs = INDEX_BUILD_PARAMS.filter((key) => recorded[key] !== wanted[key]);
  if (differs.length === 0) return;
  const describe = (params: Record<string, unknown>) => differs.map((key) => `${key} ${String(params[key])}`).join(', ');
  notice(
    `the index for ${modelId} was built with ${describe(recorded)}; rebuilding it with ${describe(wanted)} ` +
      '(its photos will be encoded again on the next run)',
  );
  rmSync(indexFile, { force: true });
  store.resetModelIndex(modelId, wanted);
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

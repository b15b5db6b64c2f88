/**
 * The library's metadata in SQLite (better-sqlite3, WAL): folders, photos, their codes per model,
 * skipped files, models and free-form meta.
 *
 * A photo's code lives in `codes` (model id, photo, vector label) rather than in the photo row, so
 * one library can hold indexes of several models side by side without ever mixing their labels.
 * A code row exists only for a label that is already in the saved index file of that model (the
 * indexer saves the index first, then commits rows); see vector-index.ts and jobs/indexer.ts.
 *
 * The schema is versioned with PRAGMA user_version and upgraded by MIGRATIONS, each step in its own
 * transaction; a library written by a newer dimsearch is refused rather than misread.
 */
import Database from 'better-sqlite3';
import { sep } from 'node:path';

export type Db = Database.Database;

/** A photo's file name in SQL: the path after its last / or \\ (rtrim strips every trailing character that is neither). */
const FILE_NAME_SQL = "substr(path, length(rtrim(path, replace(replace(path, '/', ''), '\\', ''))) + 1)";

/** The grid's orders (see PhotoSort in the contract); each has an index (migration 3). */
const PHOTO_ORDER = {
  folder: 'p.path',
  name: `${FILE_NAME_SQL.replaceAll('path', 'p.path')} COLLATE NOCASE, p.path`,
  date: 'coalesce(p.taken_at, p.mtime_ms) DESC, p.path',
} as const;
export type PhotoOrder = keyof typeof PHOTO_ORDER;

/** MIGRATIONS[i] upgrades a database from version i to i + 1. Append only, never edit a shipped step. */
export const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at INTEGER NOT NULL
      );
      CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        hash TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        indexed_at INTEGER NOT NULL
      );
      CREATE INDEX photos_by_folder ON photos(folder_id);
      CREATE INDEX photos_by_hash ON photos(hash);
      CREATE TABLE models (
        model_id TEXT PRIMARY KEY,
        dim INTEGER NOT NULL,
        input_size INTEGER NOT NULL,
        index_file TEXT NOT NULL,
        index_params TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE codes (
        model_id TEXT NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        label INTEGER NOT NULL,
        PRIMARY KEY (model_id, photo_id),
        UNIQUE (model_id, label)
      );
      CREATE TABLE skipped (
        path TEXT PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      );
    `);
  },
  // A photo's codes by photo id (commits, re-encodes and the cascade of a photo's deletion look them
  // up so): without it each lookup scans every code, and indexing a large library turns quadratic.
  (db) => {
    db.exec('CREATE INDEX codes_by_photo ON codes(photo_id)');
  },
  // When a photo was taken (EXIF DateTimeOriginal, ms), for sorting by date; null when the file does
  // not say (or was indexed before this step: such photos sort by file time until re-read). Indexes
  // for the grid's orders: by date taken (else file time) and by file name.
  (db) => {
    db.exec(`
      ALTER TABLE photos ADD COLUMN taken_at REAL;
      CREATE INDEX photos_by_date ON photos(coalesce(taken_at, mtime_ms), path);
      CREATE INDEX photos_by_name ON photos(${FILE_NAME_SQL} COLLATE NOCASE, path);
    `);
  },
  // Colour layouts for the duplicates' likeness (main/ml/eval/likeness.ts), by content hash: made
  // once per distinct photo when duplicates are first looked for, float32 little-endian.
  (db) => {
    db.exec('CREATE TABLE colour_layouts (hash TEXT PRIMARY KEY, layout BLOB NOT NULL)');
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Bring `db` up to the version `migrations` describe; refuses a database newer than that. */
export function migrate(db: Db, migrations: ReadonlyArray<(db: Db) => void> = MIGRATIONS): number {
  const current = refuseUnknownSchema(db, migrations.length);
  for (let version = current; version < migrations.length; version++) {
    try {
      db.transaction(() => {
        migrations[version]!(db);
        db.pragma(`user_version = ${version + 1}`);
      })();
    } catch (error) {
      throw new Error(`cannot upgrade the library from schema ${version} to ${version + 1}: ${(error as Error).message}`);
    }
  }
  return migrations.length;
}

/**
 * The database's schema version, after making sure it is one this dimsearch may touch: not a newer
 * one, not someone else's database. Runs before anything is written (even the switch to WAL).
 */
export function refuseUnknownSchema(db: Db, known: number = MIGRATIONS.length): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current === 0) {
    // Version 0 is a database dimsearch never wrote to: it must be empty, not someone else's.
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    if (tables.length > 0) {
      throw new Error(`not a dimsearch library database (it has no schema version but holds tables: ${tables.slice(0, 5).join(', ')})`);
    }
  }
  if (current > known) {
    throw new Error(
      `this library was written by a newer dimsearch (schema ${current}, this version knows up to ${known}); ` +
        'update dimsearch to open it',
    );
  }
  return current;
}

export interface FolderRow {
  id: number;
  path: string;
  addedAt: number;
}

export interface PhotoRow {
  id: number;
  folderId: number;
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
  width: number | null;
  height: number | null;
  /** When the photo was taken (EXIF DateTimeOriginal, ms); only set by the indexer, read by photoDetails. */
  takenAt?: number | null;
}

/** A photo with its vector label in one model's index (null: not encoded for that model yet). */
export interface PhotoWithCode extends PhotoRow {
  label: number | null;
}

export interface ModelRow {
  modelId: string;
  dim: number;
  inputSize: number;
  indexFile: string;
  indexParams: Record<string, unknown>;
}

/** What the indexer commits for one photo: its file facts and (when encoded) its label. */
export interface PhotoUpsert extends Omit<PhotoRow, 'id'> {
  /** The label now holding this photo's code in the model's saved index; null keeps none. */
  label: number | null;
}

export interface SkippedRow {
  path: string;
  reason: string;
  at: number;
}

const PHOTO_COLUMNS = 'p.id, p.folder_id AS folderId, p.path, p.size, p.mtime_ms AS mtimeMs, p.hash, p.width, p.height';

/** A WHERE clause for photos inside a folder (any depth): a range over the path index. */
function insideDir(dir: string | undefined): { where: string; params: string[] } {
  if (!dir) return { where: '', params: [] };
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  // Every path that starts with prefix sorts in [prefix, prefix + U+10FFFF).
  return { where: 'WHERE p.path >= ? AND p.path < ?', params: [prefix, prefix + '\u{10FFFF}'] };
}

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

export class Store {
  /** Statements the indexer runs once per photo, compiled once (compiling one costs ~0.2 ms). */
  private readonly perPhotoStatements = new Map<string, Database.Statement>();

  private constructor(readonly db: Db) {}

  private perPhoto(sql: string): Database.Statement {
    let statement = this.perPhotoStatements.get(sql);
    if (!statement) this.perPhotoStatements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  static open(file: string): Store {
    // better-sqlite3 is compiled per runtime ABI: the desktop shell may point at a copy built for
    // Electron (see main/app/electron-native.mjs); the CLI, web mode and tests use Node's build.
    const nativeBinding = process.env.DIMSEARCH_SQLITE_BINDING;
    const db = new Database(file, nativeBinding ? { nativeBinding } : {});
    try {
      refuseUnknownSchema(db);
      db.pragma('journal_mode = WAL');
      // FULL: a commit is on disk before the index file is changed after it (deletions are committed
      // to the store first, then saved in the index), so even a power cut cannot leave the store
      // naming a label the saved index has deleted. Commits are few (one per checkpoint): cheap.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new Store(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  // ---------- meta ----------

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ---------- folders ----------

  folders(): FolderRow[] {
    return this.db.prepare('SELECT id, path, added_at AS addedAt FROM folders ORDER BY path').all() as FolderRow[];
  }

  folderById(id: number): FolderRow | undefined {
    return this.db.prepare('SELECT id, path, added_at AS addedAt FROM folders WHERE id = ?').get(id) as FolderRow | undefined;
  }

  /**
   * Add a folder (absolute, real path). A folder inside one already in the library is that one;
   * a folder around existing ones absorbs them (their photos move to it), so no photo is ever
   * claimed by two folders.
   */
  addFolder(path: string): FolderRow {
    return this.db.transaction(() => {
      const all = this.folders();
      const container = all.find((f) => isInside(path, f.path));
      if (container) return container;
      const info = this.db.prepare('INSERT INTO folders(path, added_at) VALUES (?, ?)').run(path, Date.now());
      const id = Number(info.lastInsertRowid);
      for (const inner of all.filter((f) => isInside(f.path, path))) {
        this.db.prepare('UPDATE photos SET folder_id = ? WHERE folder_id = ?').run(id, inner.id);
        this.db.prepare('UPDATE skipped SET folder_id = ? WHERE folder_id = ?').run(id, inner.id);
        this.db.prepare('DELETE FROM folders WHERE id = ?').run(inner.id);
      }
      return this.folderById(id)!;
    })();
  }

  // ---------- models ----------

  model(modelId: string): ModelRow | undefined {
    const row = this.db
      .prepare('SELECT model_id AS modelId, dim, input_size AS inputSize, index_file AS indexFile, index_params AS indexParams FROM models WHERE model_id = ?')
      .get(modelId) as (Omit<ModelRow, 'indexParams'> & { indexParams: string }) | undefined;
    return row && { ...row, indexParams: JSON.parse(row.indexParams) as Record<string, unknown> };
  }

  ensureModel(row: ModelRow): ModelRow {
    const existing = this.model(row.modelId);
    if (existing) return existing;
    this.db
      .prepare('INSERT INTO models(model_id, dim, input_size, index_file, index_params, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(row.modelId, row.dim, row.inputSize, row.indexFile, JSON.stringify(row.indexParams), Date.now());
    return row;
  }

  /**
   * Start a model's index over with other parameters: its codes are forgotten (the photos are
   * encoded again on the next run) and the new parameters recorded, in one transaction.
   */
  resetModelIndex(modelId: string, indexParams: Record<string, unknown>): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM codes WHERE model_id = ?').run(modelId);
      this.db.prepare('UPDATE models SET index_params = ? WHERE model_id = ?').run(JSON.stringify(indexParams), modelId);
    })();
  }

  // ---------- photos ----------

  photoCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM photos').get() as { n: number }).n;
  }

  photoById(id: number): PhotoRow | undefined {
    return this.db.prepare(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.id = ?`).get(id) as PhotoRow | undefined;
  }

  photoByPath(path: string): PhotoRow | undefined {
    return this.db.prepare(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.path = ?`).get(path) as PhotoRow | undefined;
  }

  /** A page of photos in path order (or another order), optionally only those inside `dir` (a folder, any depth). */
  listPhotos(offset: number, limit: number, options: { order?: PhotoOrder; dir?: string } = {}): PhotoRow[] {
    const { where, params } = insideDir(options.dir);
    return this.db
      .prepare(`SELECT ${PHOTO_COLUMNS} FROM photos p ${where} ORDER BY ${PHOTO_ORDER[options.order ?? 'folder']} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as PhotoRow[];
  }

  /** Photos inside `dir` (any depth); all photos without one. */
  countPhotos(dir?: string): number {
    const { where, params } = insideDir(dir);
    return (this.db.prepare(`SELECT count(*) AS n FROM photos p ${where}`).get(...params) as { n: number }).n;
  }

  /** Every folder that directly holds photos, with how many, in path order. */
  photoDirectories(): { path: string; photoCount: number }[] {
    const dir = `rtrim(path, replace(replace(path, '/', ''), '\\', ''))`;
    const rows = this.db.prepare(`SELECT ${dir} AS dir, count(*) AS n FROM photos GROUP BY dir ORDER BY dir`).all() as { dir: string; n: number }[];
    // The grouped value ends with its separator; a folder's path does not.
    return rows.map((row) => ({ path: row.dir.length > 1 ? row.dir.slice(0, -1) : row.dir, photoCount: row.n }));
  }

  /** Photos of each library folder (as added), by folder id. */
  photoCountsByFolder(): Map<number, number> {
    const rows = this.db.prepare('SELECT folder_id AS id, count(*) AS n FROM photos GROUP BY folder_id').all() as { id: number; n: number }[];
    return new Map(rows.map((row) => [row.id, row.n]));
  }

  /** File facts of one photo, with the date it was taken. */
  photoDetails(id: number): (PhotoRow & { takenAt: number | null }) | undefined {
    return this.db.prepare(`SELECT ${PHOTO_COLUMNS}, p.taken_at AS takenAt FROM photos p WHERE p.id = ?`).get(id) as
      | (PhotoRow & { takenAt: number | null })
      | undefined;
  }

  /**
   * Take a folder out of the library: its photos, their codes under every model and its skipped
   * files go with it (one transaction; the folder's row cascades). Returns the labels its photos held
   * in each model's index (for the caller to delete from those indexes after) and their hashes.
   */
  removeFolder(folderId: number): { labels: Map<string, number[]>; hashes: string[]; photos: number } {
    const labels = new Map<string, number[]>();
    let hashes: string[] = [];
    let photos = 0;
    this.db.transaction(() => {
      const codes = this.db
        .prepare('SELECT c.model_id AS modelId, c.label FROM codes c JOIN photos p ON p.id = c.photo_id WHERE p.folder_id = ?')
        .all(folderId) as { modelId: string; label: number }[];
      for (const { modelId, label } of codes) {
        let list = labels.get(modelId);
        if (!list) labels.set(modelId, (list = []));
        list.push(label);
      }
      hashes = this.db.prepare('SELECT DISTINCT hash FROM photos WHERE folder_id = ?').pluck().all(folderId) as string[];
      photos = (this.db.prepare('SELECT count(*) AS n FROM photos WHERE folder_id = ?').get(folderId) as { n: number }).n;
      this.db.prepare('DELETE FROM folders WHERE id = ?').run(folderId);
    })();
    return { labels, hashes, photos };
  }

  /** Every photo of a folder, with its label in `modelId`'s index. */
  photosOfFolder(folderId: number, modelId: string): PhotoWithCode[] {
    return this.db
      .prepare(
        `SELECT ${PHOTO_COLUMNS}, c.label FROM photos p
         LEFT JOIN codes c ON c.photo_id = p.id AND c.model_id = ?
         WHERE p.folder_id = ?`,
      )
      .all(modelId, folderId) as PhotoWithCode[];
  }

  labelOf(modelId: string, photoId: number): number | undefined {
    const row = this.db.prepare('SELECT label FROM codes WHERE model_id = ? AND photo_id = ?').get(modelId, photoId) as
      | { label: number }
      | undefined;
    return row?.label;
  }

  photoByLabel(modelId: string, label: number): PhotoRow | undefined {
    return this.db
      .prepare(`SELECT ${PHOTO_COLUMNS} FROM codes c JOIN photos p ON p.id = c.photo_id WHERE c.model_id = ? AND c.label = ?`)
      .get(modelId, label) as PhotoRow | undefined;
  }

  /** Some photo with these bytes that already has a code in this model (to reuse it without decoding). */
  codedPhotoByHash(modelId: string, hash: string): PhotoWithCode | undefined {
    return this.perPhoto(`SELECT ${PHOTO_COLUMNS}, c.label FROM photos p JOIN codes c ON c.photo_id = p.id AND c.model_id = ? WHERE p.hash = ? LIMIT 1`)
      .get(modelId, hash) as PhotoWithCode | undefined;
  }

  /** The file sizes of photos whose hash has this many characters (how the indexer finds hashes of an older scheme). */
  sizesWithHashLength(length: number): Set<number> {
    return new Set(this.db.prepare('SELECT DISTINCT size FROM photos WHERE length(hash) = ?').pluck().all(length) as number[]);
  }

  hashInUse(hash: string): boolean {
    return this.perPhoto('SELECT 1 FROM photos WHERE hash = ? LIMIT 1').get(hash) !== undefined;
  }

  allHashes(): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT hash FROM photos').pluck().all() as string[];
    return new Set(rows);
  }

  /** The cached colour layouts of these content hashes (those not cached are absent). */
  colourLayouts(hashes: readonly string[]): Map<string, Float32Array> {
    const get = this.db.prepare('SELECT layout FROM colour_layouts WHERE hash = ?').pluck();
    const out = new Map<string, Float32Array>();
    for (const hash of hashes) {
      const blob = get.get(hash) as Buffer | undefined;
      // Copied out: the Buffer may sit at an offset that is no multiple of 4 in a shared pool.
      if (blob) out.set(hash, new Float32Array(Uint8Array.from(blob).buffer));
    }
    return out;
  }

  putColourLayouts(entries: readonly (readonly [string, Float32Array])[]): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO colour_layouts (hash, layout) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const [hash, layout] of entries) put.run(hash, Buffer.from(layout.buffer, layout.byteOffset, layout.byteLength));
    })();
  }

  /** Forget the layouts of photos no longer in the library. */
  pruneColourLayouts(): number {
    return this.db.prepare('DELETE FROM colour_layouts WHERE hash NOT IN (SELECT hash FROM photos)').run().changes;
  }

  /** Every label this model's codes use. */
  labels(modelId: string): number[] {
    return this.db.prepare('SELECT label FROM codes WHERE model_id = ?').pluck().all(modelId) as number[];
  }

  codeCount(modelId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM codes WHERE model_id = ?').get(modelId) as { n: number }).n;
  }

  /** Every photo with its label in `modelId`'s index (null: no code yet), in path order (duplicate grouping reads them all at once). */
  photosWithCodes(modelId: string): PhotoWithCode[] {
    return this.db
      .prepare(`SELECT ${PHOTO_COLUMNS}, c.label FROM photos p LEFT JOIN codes c ON c.photo_id = p.id AND c.model_id = ? ORDER BY p.path`)
      .all(modelId) as PhotoWithCode[];
  }

  /** Forget codes whose labels are not (or no longer) in the model's index: those photos get re-encoded. */
  dropCodes(modelId: string, labels: readonly number[]): void {
    const del = this.db.prepare('DELETE FROM codes WHERE model_id = ? AND label = ?');
    this.db.transaction(() => {
      for (const label of labels) del.run(modelId, label);
    })();
  }

  /**
   * Record a batch of indexed photos in one transaction. Returns the labels this batch replaced
   * (a changed photo's old code), which the caller then deletes from the index.
   */
  commitPhotos(modelId: string, upserts: readonly PhotoUpsert[]): number[] {
    const upsertPhoto = this.db.prepare(
      `INSERT INTO photos(folder_id, path, size, mtime_ms, hash, width, height, taken_at, indexed_at)
       VALUES (@folderId, @path, @size, @mtimeMs, @hash, @width, @height, @takenAt, @now)
       ON CONFLICT(path) DO UPDATE SET folder_id = excluded.folder_id, size = excluded.size, mtime_ms = excluded.mtime_ms,
         hash = excluded.hash, width = excluded.width, height = excluded.height, taken_at = excluded.taken_at,
         indexed_at = excluded.indexed_at
       RETURNING id`,
    );
    const oldCodes = this.db.prepare('SELECT model_id AS modelId, label FROM codes WHERE photo_id = ?');
    const dropCodesOfPhoto = this.db.prepare('DELETE FROM codes WHERE photo_id = ?');
    const setCode = this.db.prepare(
      'INSERT INTO codes(model_id, photo_id, label) VALUES (?, ?, ?) ON CONFLICT(model_id, photo_id) DO UPDATE SET label = excluded.label',
    );
    const prior = this.db.prepare('SELECT hash FROM photos WHERE path = ?').pluck();
    const dropSkip = this.db.prepare('DELETE FROM skipped WHERE path = ?');
    const replaced: number[] = [];
    const now = Date.now();
    this.db.transaction(() => {
      for (const u of upserts) {
        const previousHash = prior.get(u.path) as string | undefined;
        const { id } = upsertPhoto.get({ ...u, takenAt: u.takenAt ?? null, now }) as { id: number };
        const contentChanged = previousHash !== undefined && previousHash !== u.hash;
        for (const old of oldCodes.all(id) as { modelId: string; label: number }[]) {
          if (old.modelId === modelId && old.label !== u.label && (u.label !== null || contentChanged)) replaced.push(old.label);
        }
        // Old codes describe the old bytes: drop them (other models' indexes reconcile on their next open).
        if (contentChanged) dropCodesOfPhoto.run(id);
        if (u.label !== null) setCode.run(modelId, id, u.label);
        dropSkip.run(u.path);
      }
    })();
    return replaced;
  }

  /** Remove photos (their files are gone). Returns the labels they held in `modelId`'s index. */
  removePhotos(modelId: string, photoIds: readonly number[]): { labels: number[]; hashes: string[] } {
    const label = this.db.prepare('SELECT label FROM codes WHERE model_id = ? AND photo_id = ?').pluck();
    const hash = this.db.prepare('SELECT hash FROM photos WHERE id = ?').pluck();
    const del = this.db.prepare('DELETE FROM photos WHERE id = ?');
    const labels: number[] = [];
    const hashes: string[] = [];
    this.db.transaction(() => {
      for (const id of photoIds) {
        const l = label.get(modelId, id) as number | undefined;
        if (l !== undefined) labels.push(l);
        const h = hash.get(id) as string | undefined;
        if (h !== undefined) hashes.push(h);
        del.run(id);
      }
    })();
    return { labels, hashes };
  }

  // ---------- skipped ----------

  /** Replace what is recorded as skipped for a folder (after a complete run over it). */
  replaceSkipped(folderId: number, entries: readonly { path: string; reason: string }[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM skipped WHERE folder_id = ?').run(folderId);
      this.addSkipped(folderId, entries);
    })();
  }

  addSkipped(folderId: number, entries: readonly { path: string; reason: string }[]): void {
    const put = this.db.prepare(
      `INSERT INTO skipped(path, folder_id, reason, at) VALUES (?, ?, ?, ?)
       ON CONFLICT(path) DO UPDATE SET folder_id = excluded.folder_id, reason = excluded.reason, at = excluded.at`,
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const e of entries) put.run(e.path, folderId, e.reason, now);
    })();
  }

  listSkipped(): SkippedRow[] {
    return this.db.prepare('SELECT path, reason, at FROM skipped ORDER BY path').all() as SkippedRow[];
  }

  skippedCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM skipped').get() as { n: number }).n;
  }
}

/**
 * A read-only check that a library's three parts agree: the SQLite store (photos, codes, models),
 * each model's saved vector index, and the thumbnail cache. Used by the crash tests after a process
 * was killed at a random moment, and useful to anyone wondering whether a library is damaged.
 *
 * Findings come in two grades:
 * - `problems`: the library would be misread (the store names a code the index file does not hold,
 *   a committed photo has no thumbnail, the database fails its own integrity check, the schema is
 *   not this version's). After any crash there must be none: the write order in jobs/indexer.ts
 *   (save the index, then commit the store; forget in the store, then delete from the index)
 *   guarantees it.
 * - `repairable`: leftovers a crash may legitimately leave, which are cleaned up without losing
 *   anything: index labels no photo names (marked deleted when the library is opened), thumbnails
 *   of no photo (pruned by a full re-index), temporary files of an interrupted write.
 *
 * Nothing here writes: the database is opened read-only and the index files are only read.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION } from '../index/store';
import { VectorIndex } from '../index/vector-index';

export interface ModelConsistency {
  modelId: string;
  /** Code rows in the store for this model. */
  codes: number;
  /** Labels live (not marked deleted) in the saved index file. */
  liveLabels: number;
}

export interface ConsistencyReport {
  /** True when there are no problems (repairable leftovers are allowed). */
  ok: boolean;
  problems: string[];
  repairable: string[];
  photos: number;
  models: ModelConsistency[];
  thumbnails: number;
}

const STORE_FILE = 'library.sqlite';
const HASH_FILE = /^([0-9a-f]{16,128})\.jpg$/;

function openReadOnly(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** Check a library folder; never throws for a damaged library (it reports), only for a missing one. */
export function checkLibraryConsistency(libraryDir: string): ConsistencyReport {
  const storeFile = join(libraryDir, STORE_FILE);
  if (!existsSync(storeFile)) throw new Error(`no dimsearch library at ${libraryDir}`);
  const problems: string[] = [];
  const repairable: string[] = [];
  const models: ModelConsistency[] = [];
  let photos = 0;
  let thumbnails = 0;

  const db = openReadOnly(storeFile);
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      problems.push(`schema version ${version}, this dimsearch writes ${SCHEMA_VERSION} (opening migrates or refuses it)`);
      return { ok: false, problems, repairable, photos, models, thumbnails };
    }
    const integrity = db.pragma('quick_check', { simple: true });
    if (integrity !== 'ok') problems.push(`database integrity check failed: ${String(integrity)}`);
    const danglingRows = db.pragma('foreign_key_check') as unknown[];
    if (danglingRows.length > 0) problems.push(`${danglingRows.length} rows point at rows that do not exist`);

    photos = (db.prepare('SELECT count(*) AS n FROM photos').get() as { n: number }).n;
    const modelRows = db.prepare('SELECT model_id AS modelId, dim, index_file AS indexFile FROM models').all() as {
      modelId: string;
      dim: number;
      indexFile: string;
    }[];
    const labelsOf = db.prepare('SELECT label, photo_id AS photoId FROM codes WHERE model_id = ?');
    for (const model of modelRows) {
      const codes = labelsOf.all(model.modelId) as { label: number; photoId: number }[];
      const file = join(libraryDir, 'indexes', model.indexFile);
      let liveLabels = 0;
      if (!existsSync(file)) {
        if (codes.length > 0) problems.push(`${model.modelId}: the store names ${codes.length} codes but the index file ${model.indexFile} is missing`);
        models.push({ modelId: model.modelId, codes: codes.length, liveLabels });
        continue;
      }
      let index: VectorIndex;
      try {
        index = VectorIndex.load(file, model.dim);
      } catch (error) {
        problems.push(`${model.modelId}: ${(error as Error).message}`);
        models.push({ modelId: model.modelId, codes: codes.length, liveLabels });
        continue;
      }
      const live = new Set(index.labels().filter((label) => index.vectorOf(label) !== null));
      liveLabels = live.size;
      const missing = codes.filter((c) => !live.has(c.label));
      if (missing.length > 0) {
        const sample = missing.slice(0, 5).map((c) => `label ${c.label} (photo ${c.photoId})`).join(', ');
        problems.push(`${model.modelId}: the store names ${missing.length} codes the saved index does not hold: ${sample}`);
      }
      const named = new Set(codes.map((c) => c.label));
      const orphans = [...live].filter((label) => !named.has(label));
      if (orphans.length > 0) repairable.push(`${model.modelId}: ${orphans.length} index labels no photo names (marked deleted on open)`);
      models.push({ modelId: model.modelId, codes: codes.length, liveLabels });
    }
    const indexesDir = join(libraryDir, 'indexes');
    if (existsSync(indexesDir)) {
      const temps = readdirSync(indexesDir).filter((name) => name.endsWith('.tmp'));
      if (temps.length > 0) repairable.push(`${temps.length} temporary index files of an interrupted save (removed on open)`);
    }

    // Thumbnails: every photo has one (written before its row is committed); strays are allowed.
    const hashes = new Set(db.prepare('SELECT DISTINCT hash FROM photos').pluck().all() as string[]);
    const present = new Set<string>();
    const thumbsDir = join(libraryDir, 'thumbnails');
    let strays = 0;
    if (existsSync(thumbsDir)) {
      for (const shard of readdirSync(thumbsDir)) {
        let names: string[];
        try {
          names = readdirSync(join(thumbsDir, shard));
        } catch {
          continue;
        }
        for (const name of names) {
          const match = HASH_FILE.exec(name);
          if (match && match[1]!.startsWith(shard)) {
            present.add(match[1]!);
            if (!hashes.has(match[1]!)) strays++;
          } else strays++;
        }
      }
    }
    thumbnails = present.size;
    const withoutThumbnail = [...hashes].filter((hash) => !present.has(hash));
    if (withoutThumbnail.length > 0) problems.push(`${withoutThumbnail.length} photos have no thumbnail (e.g. content ${withoutThumbnail[0]})`);
    if (strays > 0) repairable.push(`${strays} thumbnail files of no photo (pruned by a full re-index)`);
  } finally {
    db.close();
  }
  return { ok: problems.length === 0, problems, repairable, photos, models, thumbnails };
}

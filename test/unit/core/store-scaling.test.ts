/**
 * The store stays fast on large libraries: every lookup of a photo's codes by photo id (made for
 * each photo a commit writes, and for each photo removed) uses an index instead of scanning all
 * codes, and older libraries get that index when they are opened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION, Store } from '../../../main/core/index/store';

function planOf(db: Database.Database, sql: string): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1) as { detail: string }[]).map((row) => row.detail).join('; ');
}

test("a photo's codes are found by photo id through an index, not a scan of every code", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-store-scaling-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = Store.open(join(dir, 'library.sqlite'));
  t.after(() => store.close());
  // The statements Store.commitPhotos runs for each photo it writes.
  for (const sql of ['SELECT model_id AS modelId, label FROM codes WHERE photo_id = ?', 'DELETE FROM codes WHERE photo_id = ?']) {
    const plan = planOf(store.db, sql);
    assert.doesNotMatch(plan, /SCAN codes/, `${sql}: ${plan}`);
    assert.match(plan, /USING (COVERING )?INDEX codes_by_photo/, `${sql}: ${plan}`);
  }
});

test('a library written before the index existed gets it when opened', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-store-scaling-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'library.sqlite');
  const old = new Database(file);
  MIGRATIONS[0]!(old);
  old.pragma('user_version = 1');
  old.close();
  const store = Store.open(file);
  t.after(() => store.close());
  assert.equal(store.schemaVersion, SCHEMA_VERSION);
  const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'codes'").pluck().all() as string[];
  assert.ok(indexes.includes('codes_by_photo'), `indexes on codes: ${indexes.join(', ')}`);
});

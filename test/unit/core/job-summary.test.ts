/** The summary after an index job says what happened, not only "Indexed N". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFinished } from '../../../renderer/src/lib/job-summary';

const base = { jobId: 'j', kind: 'index' as const, status: 'done' as const, seconds: 3 };

test('each kind of run is described in words', () => {
  assert.equal(describeFinished({ ...base, indexed: 0, report: { purpose: 'add-folder', folder: '/p/empty', found: 0, removed: 0, unchanged: 0 } }), 'No photos in /p/empty: it holds no JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC or RAW files.');
  assert.equal(describeFinished({ ...base, indexed: 5, report: { purpose: 'add-folder', folder: '/p', found: 5, removed: 0, unchanged: 0 } }), 'Added /p: 5 photos indexed in 3s.');
  assert.equal(describeFinished({ ...base, indexed: 0, report: { purpose: 'reindex', found: 8, removed: 2, unchanged: 8 } }), 'Re-scanned the library: 2 photos gone from disk and removed from the library, in 3s.');
  assert.equal(describeFinished({ ...base, indexed: 16, report: { purpose: 'model', modelName: 'dim-local', found: 16, removed: 0, unchanged: 0 } }), "Computed dim-local's codes: 16 photos encoded in 3s.");
  assert.equal(describeFinished({ ...base, indexed: 16, report: { purpose: 'switch', modelName: 'tiny', found: 16, removed: 0, unchanged: 0 } }), 'Search now uses tiny: 16 photos encoded, in 3s.');
  assert.equal(describeFinished({ ...base, indexed: 0, report: { purpose: 'switch', modelName: 'dim-both', found: 16, removed: 0, unchanged: 16 } }), 'Search now uses dim-both: its codes were up to date, in 3s.');
  assert.equal(describeFinished({ ...base, indexed: 0, report: { purpose: 'watch', folder: '/p', found: 6, removed: 2, unchanged: 6 } }), 'Files changed in /p: 2 photos gone from disk and removed from the library.');
  assert.equal(describeFinished({ ...base, indexed: 0, report: { purpose: 'exclusions', found: 6, removed: 2, unchanged: 6 } }), 'Applied the folders to leave out: 2 photos left the index (the files are untouched).');
  assert.equal(describeFinished({ ...base, indexed: 2, report: { purpose: 'exclusions', found: 8, removed: 0, unchanged: 6 } }), 'Applied the folders to leave out: 2 photos back in it.');
  assert.equal(describeFinished({ ...base, indexed: 0, report: { purpose: 'exclusions', found: 8, removed: 0, unchanged: 8 } }), 'Applied the folders to leave out: nothing changed (8 photos).');
  assert.match(describeFinished({ ...base, status: 'cancelled' }), /cancelled/);
});

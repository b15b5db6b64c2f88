/**
 * `bench ui` at a CI size: it builds a 2,000-photo library through the core's APIs, serves it in
 * web mode and drives Chromium through it; the last stdout line is JSON of the promised shape with
 * sane values. (The figures themselves are for the README, measured at 100,000.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './serve-process';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

test('bench ui prints first-grid, scroll and click-to-results figures for a served library', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}`, timeout: 150_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dimsearch-bench-ui-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const n = 2000;
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/main.ts', 'ui', '--n', String(n), '--distinct', '64', '--dir', join(dir, 'bench'), '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 140_000,
  });
  assert.equal(run.status, 0, `bench ui failed:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  assert.equal(result.n, n);
  for (const key of ['firstGridMs', 'clickToResultsMs', 'scrollMs']) {
    const value = result[key];
    assert.ok(typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 120_000, `${key} = ${String(value)}`);
  }
  assert.ok(Number.isInteger(result.longTasksOver50ms) && (result.longTasksOver50ms as number) >= 0, `longTasksOver50ms = ${String(result.longTasksOver50ms)}`);
  assert.ok((result.firstGridMs as number) >= (result.firstThumbnailMs as number), 'the whole first view is shown no earlier than its first thumbnail');
  assert.ok((result.scrollMs as number) >= (result.scrollMiddleMs as number) && (result.scrollMs as number) >= (result.scrollEndMs as number), 'scrollMs is the slower jump');
  // The library it built is a real one: photos hard-linked into the folder, an index file, thumbnails.
  const library = join(dir, 'bench', 'library');
  assert.ok(existsSync(join(library, 'library.sqlite')));
  assert.equal(readdirSync(join(library, 'indexes')).filter((f) => f.endsWith('.hnsw')).length, 1);
});

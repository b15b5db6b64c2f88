/** `train` from the command line: --json contract (last stdout line), skipped files on stderr. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDataset } from './dataset';

const root = fileURLToPath(new URL('../../..', import.meta.url));

test('train --json writes a model and ends stdout with the result line', async () => {
  const folder = await makeDataset(16, { bad: true, size: 40 });
  const out = join(await mkdtemp(join(tmpdir(), 'dimsearch-cli-')), 'cli-model');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/main.ts', 'train', folder, '--out', out, '--size', '32', '--epochs', '1', '--batch', '8', '--objective', 'global', '--estimator', 'dv', '--json'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(last.model, out);
  assert.equal(last.epochs, 1);
  assert.match(last.backend, /^wasm( \+ OpenBLAS)?$/); // the native addon's kernels where it is built
  assert.ok(last.imagesPerSecond > 0);
  assert.equal(last.skipped, 1);
  assert.match(r.stderr, /skipped .*broken\.jpg: /);
  assert.ok(existsSync(join(out, 'card.json')));
});

test('train --minutes stops at its time budget and writes the model', async () => {
  const folder = await makeDataset(16, { size: 40 });
  const out = join(await mkdtemp(join(tmpdir(), 'dimsearch-cli-')), 'budget-model');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/main.ts', 'train', folder, '--out', out, '--size', '32', '--epochs', '1000', '--batch', '8', '--minutes', '0.02', '--json'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(last.budgetReached, true);
  assert.ok(last.epochs > 0 && last.epochs < 1000, `stopped early: ${last.epochs} epochs`);
  assert.ok(existsSync(join(out, 'card.json')), 'the model is written');
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'train', folder, '--out', out, '--minutes', '0'], { cwd: root, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--minutes must be a positive number/);

  // Continuing it keeps half the starting weights unless told another share (weight-blend.ts).
  const shareOf = (share: string[]) => {
    const continued = join(out, '..', `continued${share.join('')}`);
    const c = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'train', folder, '--out', continued, '--from', out, '--epochs', '1', '--batch', '8', ...share, '--json'], { cwd: root, encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    return JSON.parse(readFileSync(join(continued, 'card.json'), 'utf8')).initialWeightShare;
  };
  assert.equal(shareOf([]), 0.5);
  assert.equal(shareOf(['--initial-share', '0.25']), 0.25);
  assert.equal(shareOf(['--initial-share', '0']), undefined, "share 0: this run's weights alone");
});

test('train rejects bad arguments with a clear message', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'train', '/tmp', '--out', '/tmp/x', '--estimator', 'mine'], { cwd: root, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--estimator must be jsd, infonce or dv/);
  const share = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'train', '/tmp', '--out', '/tmp/x', '--initial-share', '0.5'], { cwd: root, encoding: 'utf8' });
  assert.equal(share.status, 2);
  assert.match(share.stderr, /--initial-share needs --from/);
  const range = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'train', '/tmp', '--out', '/tmp/x', '--from', 'dim-both', '--initial-share', '2'], { cwd: root, encoding: 'utf8' });
  assert.match(range.stderr, /--initial-share must be a number within 0–1/);
});

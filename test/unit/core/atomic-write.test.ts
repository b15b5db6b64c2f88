/**
 * The write-aside-then-rename primitive every index save goes through (atomic-write.ts):
 * a failing write leaves the old file and no temporary; a process killed with SIGKILL while it
 * rewrites a large file over and over leaves the old or the new content, whole, never a mix.
 * Model directories (writeDirAtomic, models and checkpoints): a failing write keeps the old one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceFileSync, writeFileAtomicSync } from '../../../main/core/atomic-write';
import { writeDirAtomic } from '../../../main/ml/models';
import { rng } from '../../fixtures/photos';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-atomic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a write that fails half-way leaves the old file and no temporary', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'index.hnsw');
  writeFileAtomicSync(file, 'old content');
  assert.throws(
    () =>
      replaceFileSync(file, (temp) => {
        writeFileSync(temp, 'half of the new');
        throw new Error('disk full');
      }),
    /disk full/,
  );
  assert.equal(readFileSync(file, 'utf8'), 'old content');
  assert.deepEqual(readdirSync(dir), ['index.hnsw']);
  writeFileAtomicSync(join(dir, 'thumb.jpg'), new Uint8Array([1, 2, 3]), false); // a thumbnail: not fsynced
  assert.deepEqual(readdirSync(dir).sort(), ['index.hnsw', 'thumb.jpg']);
});

test('SIGKILL during repeated atomic rewrites never leaves a torn file', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'big.bin');
  const module = fileURLToPath(new URL('../../../main/core/atomic-write.ts', import.meta.url));
  // The child rewrites an 8 MiB file forever, each time filled with one byte value (1, 2, 3, ...).
  const script = `
    import { writeFileAtomicSync } from ${JSON.stringify(module)};
    const size = 8 * 1024 * 1024;
    for (let i = 1; ; i++) {
      writeFileAtomicSync(${JSON.stringify(file)}, Buffer.alloc(size, i % 251));
      if (i === 1) process.stderr.write('first\\n');
    }`;
  const random = rng(7);
  for (let kill = 0; kill < 5; kill++) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.stderr.once('data', () => setTimeout(() => child.kill('SIGKILL'), Math.floor(random() * 300)));
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
    const bytes = readFileSync(file);
    assert.equal(bytes.length, 8 * 1024 * 1024, `kill ${kill}: the file is whole`);
    assert.ok(bytes.every((b) => b === bytes[0]), `kill ${kill}: the file is one write, not a mix`);
  }
});

test('a model directory write that fails keeps the old directory whole and leaves no temporary', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'my-model');
  await writeDirAtomic(model, { 'model.json': '{"v":1}', 'weights.bin': new Uint8Array([1, 2, 3]) });
  // A file name the write cannot create fails the write after the first file went out.
  await assert.rejects(writeDirAtomic(model, { 'model.json': '{"v":2}', 'missing/weights.bin': new Uint8Array([9]) }), /ENOENT/);
  assert.equal(readFileSync(join(model, 'model.json'), 'utf8'), '{"v":1}');
  assert.deepEqual(readdirSync(model).sort(), ['model.json', 'weights.bin']);
  assert.deepEqual(readdirSync(dir), ['my-model'], 'no temporary or old directory is left');
  await writeDirAtomic(model, { 'model.json': '{"v":3}' });
  assert.deepEqual(readdirSync(model), ['model.json'], 'a successful write replaces the whole directory');
  assert.deepEqual(readdirSync(dir), ['my-model']);
});

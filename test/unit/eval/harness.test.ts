import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../../../main/ml/backend';
import { loadLabelledSplit } from '../../../main/ml/eval/dataset';
import { decodeModelPixels } from '../../../main/core/imaging/decode';
import { evaluateEncoder } from '../../../main/ml/eval/harness';
import { PixelsEncoder } from '../../../main/ml/eval/pixels';
import { createRandomEncoder } from '../../../main/ml/models';

const SIZE = 32;
let root = '';

/** One 32×32 picture per class: a horizontal ramp, vertical stripes, a checkerboard. */
const patterns: Record<string, (x: number, y: number, c: number) => number> = {
  checks: (x, y, c) => (((x >> 2) + (y >> 2)) % 2 ? 230 : 20) - c * 10,
  ramp: (x, _y, c) => (x * 8 + c * 40) % 256,
  stripes: (x, _y, c) => (x % 8 < 4 ? 200 : 50) + c * 15,
};

async function writePattern(path: string, name: string): Promise<void> {
  const raw = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) for (let c = 0; c < 3; c++) raw[(y * SIZE + x) * 3 + c] = patterns[name](x, y, c);
  await sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(path);
}

before(async () => {
  await initBackend();
  root = await mkdtemp(join(tmpdir(), 'dimsearch-eval-'));
  // train: 4 identical images per class; test: 2 per class, identical to their class's train images.
  for (const [split, count] of [['train', 4], ['test', 2]] as const)
    for (const name of Object.keys(patterns)) {
      await mkdir(join(root, split, name), { recursive: true });
      for (let i = 0; i < count; i++) await writePattern(join(root, split, name, `${i}.png`), name);
      await writeFile(join(root, split, name, 'notes.txt'), 'not an image, ignored by extension');
    }
  await mkdir(join(root, 'train', '.thumbnails'), { recursive: true }); // hidden folders are not classes
  await writeFile(join(root, 'test', 'ramp', 'zz-broken.jpg'), Buffer.from('definitely not a jpeg'));
});

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('identical images within a class: 100 % at every k, precision@10 is the class share of the bank', async () => {
  const encoder = new PixelsEncoder(SIZE);
  const result = await evaluateEncoder(encoder, join(root, 'train'), join(root, 'test'), { decode: decodeModelPixels });
  assert.equal(result.bank, 12);
  assert.equal(result.n, 6); // the broken file is left out and listed, not scored
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].path, /zz-broken\.jpg$/);
  assert.deepEqual(result.knn.accuracy, { 1: 100, 20: 100, 200: 100 });
  // The 10 nearest of a query: its class's 4 bank images (similarity 1), then 6 of other classes.
  assert.equal(result.knn.precision, 40);
});

test('--limit takes the first N files of each class in sorted order, in both splits', async () => {
  const dir = join(root, 'ordered');
  await mkdir(join(dir, 'a'), { recursive: true });
  for (const name of ['2.png', '10.png', '1.png']) await writePattern(join(dir, 'a', name), 'ramp');
  const split = await loadLabelledSplit(dir, { limit: 2 });
  assert.deepEqual(split.paths.map((p) => p.slice(dir.length + 1)), ['a/1.png', 'a/10.png']);

  const result = await evaluateEncoder(new PixelsEncoder(SIZE), join(root, 'train'), join(root, 'test'), { decode: decodeModelPixels, limit: 1 });
  assert.equal(result.bank, 3);
  assert.equal(result.n, 3);
  assert.equal(result.knn.precision, 100 / 3); // depth clamps to the 3-image bank: 1 of 3 shares the label
});

test('a test class the train split lacks is refused with a clear error', async () => {
  const dir = join(root, 'extra-test');
  await mkdir(join(dir, 'unicorns'), { recursive: true });
  await writePattern(join(dir, 'unicorns', '0.png'), 'ramp');
  await assert.rejects(evaluateEncoder(new PixelsEncoder(SIZE), join(root, 'train'), dir, { decode: decodeModelPixels }), /'unicorns' are not among the known classes/);
  await assert.rejects(evaluateEncoder(new PixelsEncoder(SIZE), join(root, 'nowhere'), dir, { decode: decodeModelPixels }), /no such folder/);
});

test('the random baseline encoder (same architecture, seeded) also separates identical images', async () => {
  const encoder = await createRandomEncoder({ inputSize: SIZE, seed: 3 });
  try {
    const result = await evaluateEncoder(encoder, join(root, 'train'), join(root, 'test'), { decode: decodeModelPixels });
    assert.deepEqual(result.knn.accuracy, { 1: 100, 20: 100, 200: 100 });
    assert.equal(result.knn.precision, 40);
  } finally {
    encoder.dispose();
  }
});

test('CLI: the last stdout line is the JSON result', () => {
  const repo = resolve(import.meta.dirname, '../../..');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/main.ts', 'eval', join(root, 'train'), join(root, 'test'), '--model', 'pixels', '--json'],
    { cwd: repo, encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]);
  assert.equal(result.model, 'pixels');
  assert.equal(result.n, 6);
  assert.equal(result.knn1, 100);
  assert.equal(result.knn20, 100);
  assert.equal(result.knn200, 100);
  assert.equal(result.precisionAt10, 40);
  assert.match(run.stderr, /skipped .*zz-broken\.jpg/);
});

/**
 * The CIFAR-10 folders come from the tarball once: extracted into the cache, reused afterwards, and
 * a tarball that does not hold the expected layout is refused without leaving a half dataset.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { ensureCifar10 } from '../../../main/ml/eval/cifar10';

const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function makeTarball(root: string, name: string, splits: string[], classCount: number): string {
  const source = join(root, `src-${name}`);
  for (const split of splits)
    for (const c of classes.slice(0, classCount)) {
      mkdirSync(join(source, 'cifar10', split, c), { recursive: true });
      writeFileSync(join(source, 'cifar10', split, c, '0001.jpg'), `${split}/${c}`);
    }
  const tarball = join(root, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', source, 'cifar10']);
  return tarball;
}

test('extracts once into the cache and reuses it; a wrong tarball is refused and leaves nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dimsearch-cifar-'));
  try {
    const good = makeTarball(root, 'good', ['train', 'test'], 10);
    const cache = join(root, 'cache');
    const folders = await ensureCifar10(cache, good);
    assert.equal(folders.train, join(cache, 'cifar10', 'train'));
    assert.deepEqual(readdirSync(folders.test).sort(), [...classes].sort());
    const extractedAt = statSync(folders.train).mtimeMs;
    await ensureCifar10(cache, join(root, 'missing.tar.gz')); // already there: the tarball is not needed
    assert.equal(statSync(folders.train).mtimeMs, extractedAt);
    assert.deepEqual(readdirSync(cache), ['cifar10'], 'no staging folder left behind');

    const bad = makeTarball(root, 'bad', ['train'], 10);
    const otherCache = join(root, 'other');
    await assert.rejects(ensureCifar10(otherCache, bad), /does not hold cifar10\/\{train,test\}/);
    assert.equal(existsSync(join(otherCache, 'cifar10')), false);
    assert.deepEqual(readdirSync(otherCache), []);
    await assert.rejects(ensureCifar10(join(root, 'third'), join(root, 'missing.tar.gz')), /tarball not found/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

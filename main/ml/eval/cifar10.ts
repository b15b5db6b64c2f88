/**
 * CIFAR-10 as folders of JPEGs (`train/<class>/*.jpg`, `test/<class>/*.jpg`), extracted once from
 * the shipped tarball (../shared/datasets/cifar10-jpg.tar.gz, or $DIMSEARCH_CIFAR10_TARBALL) into
 * a cache folder. Extraction goes to a temporary sibling first and is renamed into place, so an
 * interrupted one is never mistaken for the dataset.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Cifar10Folders {
  root: string;
  train: string;
  test: string;
}

export function defaultCifar10Tarball(): string {
  return resolve(process.env.DIMSEARCH_CIFAR10_TARBALL ?? join(repoRoot, '..', 'shared', 'datasets', 'cifar10-jpg.tar.gz'));
}

export function defaultDatasetCache(): string {
  return join(repoRoot, '.cache', 'datasets');
}

function foldersUnder(root: string): Cifar10Folders {
  return { root, train: join(root, 'train'), test: join(root, 'test') };
}

async function looksComplete(root: string): Promise<boolean> {
  for (const split of ['train', 'test']) {
    const dir = join(root, split);
    if (!existsSync(dir)) return false;
    if ((await readdir(dir)).length !== 10) return false;
  }
  return true;
}

/** The extracted dataset under `cacheDir` (extracting the tarball there first if needed). */
export async function ensureCifar10(cacheDir = defaultDatasetCache(), tarball = defaultCifar10Tarball()): Promise<Cifar10Folders> {
  const root = join(cacheDir, 'cifar10');
  if (await looksComplete(root)) return foldersUnder(root);
  if (!existsSync(tarball)) throw new Error(`CIFAR-10 tarball not found at ${tarball} (set DIMSEARCH_CIFAR10_TARBALL)`);
  const staging = join(cacheDir, `.extract-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await new Promise<void>((done, fail) => {
      const tar = spawn('tar', ['-xzf', tarball, '-C', staging], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      tar.stderr.on('data', (chunk) => (stderr += String(chunk)));
      tar.on('error', (error) => fail(new Error(`cannot run tar to extract ${tarball}: ${error.message}`)));
      tar.on('close', (code) => (code === 0 ? done() : fail(new Error(`tar failed on ${tarball}: ${stderr.trim() || `exit ${code}`}`))));
    });
    const extracted = join(staging, 'cifar10');
    if (!(await looksComplete(extracted))) throw new Error(`${tarball} does not hold cifar10/{train,test}/<class>/`);
    // Another process may have finished first and be reading it: keep that copy.
    if (await looksComplete(root)) return foldersUnder(root);
    await rm(root, { recursive: true, force: true });
    await rename(extracted, root);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return foldersUnder(root);
}

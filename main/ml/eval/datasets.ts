/**
 * Labelled photo datasets as folders of JPEGs (`<split>/<class>/*.jpg`), extracted once from the
 * shared tarballs (../shared/datasets/) into a cache folder. Extraction goes to a temporary sibling
 * first and is renamed into place, so an interrupted one is never mistaken for the dataset.
 * The images never enter the repository (ImageNet's terms: research, non-commercial).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface DatasetSpec {
  /** Folder name inside the tarball and the cache. */
  name: string;
  /** What an error message calls it. */
  label: string;
  /** Split folders, [bank split, query split]. */
  splits: [string, string];
  classes: number;
  tarballEnv: string;
  tarballFile: string;
}

export interface DatasetFolders {
  root: string;
  /** The bank split (train). */
  train: string;
  /** The query split (CIFAR-10 test, mini-ImageNet val). */
  test: string;
}

export const cifar10Spec: DatasetSpec = {
  name: 'cifar10',
  label: 'CIFAR-10',
  splits: ['train', 'test'],
  classes: 10,
  tarballEnv: 'DIMSEARCH_CIFAR10_TARBALL',
  tarballFile: 'cifar10-jpg.tar.gz',
};

export const miniImagenetSpec: DatasetSpec = {
  name: 'mini-imagenet',
  label: 'mini-ImageNet',
  splits: ['train', 'val'],
  classes: 100,
  tarballEnv: 'DIMSEARCH_MINI_IMAGENET_TARBALL',
  tarballFile: 'mini-imagenet-84.tar.gz',
};

export function defaultTarball(spec: DatasetSpec): string {
  return resolve(process.env[spec.tarballEnv] ?? join(repoRoot, '..', 'shared', 'datasets', spec.tarballFile));
}

export function defaultDatasetCache(): string {
  return join(repoRoot, '.cache', 'datasets');
}

function foldersUnder(spec: DatasetSpec, root: string): DatasetFolders {
  return { root, train: join(root, spec.splits[0]), test: join(root, spec.splits[1]) };
}

async function looksComplete(spec: DatasetSpec, root: string): Promise<boolean> {
  for (const split of spec.splits) {
    const dir = join(root, split);
    if (!existsSync(dir)) return false;
    if ((await readdir(dir)).length !== spec.classes) return false;
  }
  return true;
}

/** The extracted dataset under `cacheDir` (extracting the tarball there first if needed). */
export async function ensureDataset(spec: DatasetSpec, cacheDir = defaultDatasetCache(), tarball = defaultTarball(spec)): Promise<DatasetFolders> {
  const root = join(cacheDir, spec.name);
  if (await looksComplete(spec, root)) return foldersUnder(spec, root);
  if (!existsSync(tarball)) throw new Error(`${spec.label} tarball not found at ${tarball} (set ${spec.tarballEnv})`);
  const staging = join(cacheDir, `.extract-${spec.name}-${process.pid}`);
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
    const extracted = join(staging, spec.name);
    if (!(await looksComplete(spec, extracted))) throw new Error(`${tarball} does not hold ${spec.name}/{${spec.splits.join(',')}}/<class>/`);
    // Another process may have finished first and be reading it: keep that copy.
    if (await looksComplete(spec, root)) return foldersUnder(spec, root);
    await rm(root, { recursive: true, force: true });
    await rename(extracted, root);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return foldersUnder(spec, root);
}

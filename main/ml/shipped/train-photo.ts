/**
 * Train a shipped photo encoder across sittings: mini-ImageNet train extracted once, the model
 * trained with its recipe (photo-recipes.ts) from the one checkpoint kept in the repository
 * (training/<name>.checkpoint/, replaced as it goes, never one per epoch), so a fresh machine
 * continues where the last sitting stopped. `--minutes` bounds this sitting; the checkpoint is
 * saved when it ends. Publishing (evaluation + card) is publish-photo.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train, type TrainProgress, type TrainResult } from '../dim/trainer';
import type { PhotoSource } from '../data/photo-source';
import { ensureMiniImagenet, MINI_IMAGENET_TERMS } from '../eval/mini-imagenet';
import { photoRecipe, photoRecipeNamed } from './photo-recipes';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function photoCheckpointDir(name: string, root = repoRoot): string {
  return join(root, 'training', `${name}.checkpoint`);
}

export function photoWorkDir(name: string, root = repoRoot): string {
  return join(root, '.cache', 'shipped', name);
}

export interface TrainPhotoOptions {
  /** Reads a folder of photos (core's folderPhotoSource, handed in by the CLI: ml does not read folders). */
  openFolder: (folder: string) => PhotoSource;
  /** Stop this sitting after this many minutes (checkpointed; the same command continues). */
  minutes?: number;
  /** Train up to this many epochs in all (default: the recipe's). */
  epochs?: number;
  checkpointEverySeconds?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  log?: (line: string) => void;
}

export async function trainPhoto(name: string, options: TrainPhotoOptions): Promise<TrainResult> {
  const recipe = photoRecipeNamed(name);
  if (!recipe) throw new Error(`no photo recipe '${name}'`);
  const log = options.log ?? (() => undefined);
  const data = await ensureMiniImagenet();
  const checkpointDir = photoCheckpointDir(name);
  const workDir = photoWorkDir(name);
  await mkdir(dirname(checkpointDir), { recursive: true });
  await mkdir(dirname(workDir), { recursive: true });
  const resume = existsSync(join(checkpointDir, 'state.json'));
  log(resume ? `resuming ${name} from ${checkpointDir}` : `training ${name} from scratch (${options.epochs ?? photoRecipe.epochs} epochs planned)`);

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.minutes ? setTimeout(() => stop.abort(), options.minutes * 60_000) : null;
  try {
    return await train({
      photos: options.openFolder(data.train),
      out: workDir,
      name,
      resume,
      checkpointDir,
      inputSize: photoRecipe.inputSize,
      sourceSize: photoRecipe.sourceSize,
      epochs: options.epochs ?? photoRecipe.epochs,
      batchSize: photoRecipe.batchSize,
      learningRate: photoRecipe.learningRate,
      learningRateDecay: photoRecipe.learningRateDecay,
      estimator: photoRecipe.estimator,
      searchCode: photoRecipe.searchCode,
      searchInputSize: photoRecipe.searchInputSize,
      augment: photoRecipe.augment,
      augmentation: photoRecipe.augmentation,
      gamma: photoRecipe.gamma,
      seed: photoRecipe.seed,
      objective: recipe.objective,
      alpha: recipe.alpha,
      beta: recipe.beta,
      checkpointEverySeconds: options.checkpointEverySeconds ?? 300,
      keepCheckpoint: true,
      // A sitting that ends early still leaves a usable model in workDir (publish-photo.ts reads it).
      saveModelOnStop: true,
      signal: stop.signal,
      onProgress: options.onProgress,
      card: {
        data: {
          folder: 'mini-ImageNet train (../shared/datasets/mini-imagenet-84.tar.gz)',
          images: 50000,
          description: 'mini-ImageNet train split (Vinyals et al. 2016): 50,000 JPEGs of 84×84, 100 ImageNet classes; labels unused in training',
          terms: MINI_IMAGENET_TERMS,
        },
        trainedOn: 'mini-ImageNet',
      },
    });
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Reproduce a shipped encoder end to end: CIFAR-10 extracted once, the model trained with its
 * recipe (resumable: a checkpoint every few minutes and on cancel, so a run may span sittings),
 * evaluated on CIFAR-10 test beside the pixel and random baselines, and published into
 * native-models/<name> with its card. Work lives in .cache/shipped/<name> until published.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train, checkpointDirFor, type TrainProgress } from '../dim/trainer';
import { evaluateEncoder, type EncodeProgress } from '../eval/harness';
import { ensureCifar10, type Cifar10Folders } from '../eval/cifar10';
import { PixelsEncoder } from '../eval/pixels';
import { createRandomEncoder, loadDimEncoder, loadEncoder, nativeModelsDir, writeDirAtomic } from '../models';
import { measureInformation, samplePhotos } from '../information';
import type { PhotoSource } from '../data/photo-source';
import type { PhotoDecoder } from '../eval/copies';
import type { ImageEncoder } from '../image-encoder';
import { writeShippedComparison } from './comparison';
import { sharedRecipe, shippedRecipe } from './recipes';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Files of each class taken (sorted) for the subset a test re-measures against the card. */
export const SUBSET_LIMIT = 100;
/** How far (percentage points) a re-measurement of the subset may drift (float order, threads). */
export const SUBSET_TOLERANCE = 0.5;

export interface TrainShippedOptions {
  /** Reads a folder of photos (core's folderPhotoSource, handed in by the CLI: ml does not read folders). */
  openFolder: (folder: string) => PhotoSource;
  /** The indexer's decoder (core's decodeModelPixels), handed in: ml does not decode files itself. */
  decode: PhotoDecoder;
  /** An extracted CIFAR-10 (train/ and test/); default: extract the shared tarball into .cache. */
  dataset?: Cifar10Folders;
  /** Where work-in-progress lives (default .cache/shipped). */
  workRoot?: string;
  /** Where the finished model is published (default native-models/). */
  publishRoot?: string;
  /** Start over instead of resuming. */
  fresh?: boolean;
  checkpointEverySeconds?: number;
  signal?: AbortSignal;
  onTrainProgress?: (p: TrainProgress) => void;
  onEvalProgress?: (label: string, p: EncodeProgress) => void;
  log?: (line: string) => void;
}

export interface Figures {
  knn1: number;
  knn20: number;
  knn200: number;
  precisionAt10: number;
}

export interface TrainShippedResult {
  status: 'published' | 'paused';
  name: string;
  model: string | null;
  trainingSeconds: number;
  figures: { model: Figures; random: Figures; pixels: Figures } | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

async function measure(encoder: ImageEncoder, data: Cifar10Folders, label: string, options: TrainShippedOptions, limit?: number): Promise<Figures> {
  try {
    const result = await evaluateEncoder(encoder, data.train, data.test, { decode: options.decode, limit, signal: options.signal, onProgress: (p) => options.onEvalProgress?.(label, p) });
    const { accuracy, precision } = result.knn;
    return { knn1: round2(accuracy[1]), knn20: round2(accuracy[20]), knn200: round2(accuracy[200]), precisionAt10: round2(precision) };
  } finally {
    encoder.dispose();
  }
}

/** Baselines depend only on the data and the architecture: measured once, then cached. */
async function baselines(data: Cifar10Folders, modelDir: string, workRoot: string, options: TrainShippedOptions): Promise<{ random: Figures; pixels: Figures }> {
  const modelJson = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as { architecture: { inputSize: number; zDim: number; blockWidths: number[]; headWidths: number[] } };
  const { inputSize, zDim, blockWidths, headWidths } = modelJson.architecture;
  const key = JSON.stringify({ data: data.root, inputSize, zDim, blockWidths, headWidths, seed: 0 });
  const cachePath = join(workRoot, 'baselines.json');
  const cache = existsSync(cachePath) ? (JSON.parse(await readFile(cachePath, 'utf8')) as Record<string, { random: Figures; pixels: Figures }>) : {};
  if (cache[key]) return cache[key];
  const random = await measure(await createRandomEncoder({ inputSize, zDim, blockWidths, headWidths, seed: 0 }), data, 'random', options);
  const pixels = await measure(new PixelsEncoder(inputSize), data, 'pixels', options);
  cache[key] = { random, pixels };
  await writeFile(cachePath, `${JSON.stringify(cache, null, 2)}\n`);
  return cache[key];
}

/** Held-out CIFAR-10 test images the information bounds are measured on. */
export const INFORMATION_SAMPLES = 1024;

async function heldOutInformation(modelDir: string, data: Cifar10Folders, options: TrainShippedOptions) {
  const files = (await options.openFolder(data.test).list()).photos.sort();
  const sample = samplePhotos(files, INFORMATION_SAMPLES);
  const { encoder } = await loadDimEncoder(modelDir);
  try {
    const measured = await measureInformation(encoder, sample, { decode: options.decode, signal: options.signal });
    return { ...measured, heldOut: `${measured.samples} CIFAR-10 test images (seeded random sample; never trained on)` };
  } finally {
    encoder.dispose();
  }
}

/** Whether the model in workDir completed all its epochs (its card says so). */
async function finishedRun(workDir: string): Promise<boolean> {
  const card = JSON.parse(await readFile(join(workDir, 'card.json'), 'utf8')) as { completed?: string; epochs?: number };
  return card.completed === 'all epochs' && card.epochs === sharedRecipe.epochs;
}

export async function trainShipped(name: string, options: TrainShippedOptions): Promise<TrainShippedResult> {
  const recipe = shippedRecipe(name);
  const log = options.log ?? (() => undefined);
  const workRoot = resolve(options.workRoot ?? join(repoRoot, '.cache', 'shipped'));
  const workDir = join(workRoot, name);
  const checkpointDir = checkpointDirFor({ out: workDir });
  await mkdir(workRoot, { recursive: true });
  if (options.fresh) {
    await rm(workDir, { recursive: true, force: true });
    await rm(checkpointDir, { recursive: true, force: true });
  }
  const data = options.dataset ?? (await ensureCifar10());

  const trained = existsSync(join(workDir, 'model.json')) && (await finishedRun(workDir));
  if (!trained) {
    const resume = existsSync(checkpointDir);
    log(resume ? `resuming ${name} from ${checkpointDir}` : `training ${name} from scratch (${sharedRecipe.epochs} epochs)`);
    const result = await train({
      photos: options.openFolder(data.train),
      out: workDir,
      name,
      resume,
      inputSize: sharedRecipe.inputSize,
      epochs: sharedRecipe.epochs,
      batchSize: sharedRecipe.batchSize,
      learningRate: sharedRecipe.learningRate,
      estimator: sharedRecipe.estimator,
      augment: sharedRecipe.augment,
      gamma: sharedRecipe.gamma,
      seed: sharedRecipe.seed,
      objective: recipe.objective,
      alpha: recipe.alpha,
      beta: recipe.beta,
      checkpointEverySeconds: options.checkpointEverySeconds ?? 300,
      // Kept after the run, so a later sitting can resume it with more epochs.
      keepCheckpoint: true,
      signal: options.signal,
      onProgress: options.onTrainProgress,
      card: {
        data: {
          folder: 'CIFAR-10 train (../shared/datasets/cifar10-jpg.tar.gz)',
          images: 50000,
          description: 'CIFAR-10 train split (Krizhevsky 2009): 50,000 JPEGs of 32×32, 10 classes; labels unused in training',
        },
      },
    });
    if (result.status !== 'done') {
      log(`${name}: ${result.status} after ${result.steps} steps; run the same command again to resume`);
      return { status: 'paused', name, model: null, trainingSeconds: result.seconds, figures: null };
    }
  } else {
    log(`${name}: already trained in ${workDir}; evaluating and publishing`);
  }

  const card = JSON.parse(await readFile(join(workDir, 'card.json'), 'utf8')) as Record<string, unknown>;
  log(`${name}: evaluating on CIFAR-10 test (50,000 train codes as the memory bank, 10,000 test queries)`);
  const model = await measure(await loadEncoder(workDir), data, name, options);
  const subset = await measure(await loadEncoder(workDir), data, `${name} subset`, options, SUBSET_LIMIT);
  const { random, pixels } = await baselines(data, workDir, workRoot, options);
  log(`${name}: measuring I(X; Z) lower bounds on ${INFORMATION_SAMPLES} held-out CIFAR-10 test images`);
  const information = await heldOutInformation(workDir, data, options);
  const published = {
    ...card,
    description:
      `Deep InfoMax encoder (DIM-32, z = 256) trained with ${recipe.summary}: REFERENCE's augmented two-view recipe ` +
      `(two augmented views per image, InfoNCE between one view's code and the other's code and/or local features, ` +
      `temperature 0.2, no prior term), ${sharedRecipe.epochs} epochs over CIFAR-10 train, batch ${sharedRecipe.batchSize}, Adam ${sharedRecipe.learningRate}. ` +
      `The three shipped encoders share data, recipe and budget and differ only in the MI terms.`,
    reproduce: `npm run train:shipped -- ${name}`,
    information,
    evaluation: {
      protocol:
        'npm run -s cli -- eval <cifar10/train> <cifar10/test> --model <model>: all 50,000 train images as the memory bank, ' +
        'all 10,000 test images as queries; cosine kNN, votes weighted by exp(sim/0.07); top-1 accuracy at k = 1, 20, 200 and precision@10, percentages',
      model,
      random: { ...random, note: 'same architecture, untrained (seed 0): npm run -s cli -- eval … --model random --like <model>' },
      pixels: { ...pixels, note: '32×32 pixels, centred per image: npm run -s cli -- eval … --model pixels' },
      subset: {
        protocol: `the same with --limit ${SUBSET_LIMIT} (first ${SUBSET_LIMIT} files of each class, sorted, in both splits): what the test suite re-measures`,
        limit: SUBSET_LIMIT,
        tolerance: SUBSET_TOLERANCE,
        model: subset,
      },
    },
  };
  const target = join(resolve(options.publishRoot ?? nativeModelsDir()), name);
  await writeDirAtomic(target, {
    'model.json': await readFile(join(workDir, 'model.json')),
    'weights.bin': await readFile(join(workDir, 'weights.bin')),
    'card.json': `${JSON.stringify(published, null, 2)}\n`,
  });
  log(`${name}: published to ${target} (kNN@20 ${model.knn20} %, pixels ${pixels.knn20} %, random ${random.knn20} %)`);
  const comparison = await writeShippedComparison(resolve(options.publishRoot ?? nativeModelsDir()));
  if (comparison) log(`shipped encoders compared on their cards: ${comparison.ordering}`);
  return { status: 'published', name, model: target, trainingSeconds: Number(card.trainingSeconds ?? 0), figures: { model, random, pixels } };
}

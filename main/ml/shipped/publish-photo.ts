/**
 * Publish a shipped photo encoder: the model the last training sitting left in .cache/shipped/<name>
 * (train-photo.ts) is measured on mini-ImageNet — train as the memory bank, val as the queries —
 * beside the pixel and random baselines at the same input size, on the edited-copy score and on
 * held-out information bounds, and copied with its card into native-models/<name>. Publishing the
 * default photo model makes it the app's default (default-model.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLearningRate } from '../dim/learning-rate';
import { searchCodeOf, searchInputSizeOf } from '../dim/search-code';
import type { PhotoSource } from '../data/photo-source';
import { evaluateEncoder, encodeImages, type EncodeProgress } from '../eval/harness';
import { ensureMiniImagenet, MINI_IMAGENET_TERMS } from '../eval/mini-imagenet';
import type { DatasetFolders } from '../eval/datasets';
import { PixelsEncoder } from '../eval/pixels';
import { scoreCopies, type PhotoDecoder, type CopyScoreProgress } from '../eval/copies';
import { codeSpread } from '../eval/code-spread';
import { createRandomEncoder, loadDimEncoder, loadEncoder, nativeModelsDir, writeDirAtomic, type ModelJson } from '../models';
import { measureInformation, samplePhotos } from '../information';
import type { ImageEncoder } from '../image-encoder';
import { photoRecipe, photoRecipeNamed } from './photo-recipes';
import { PHOTO_TRIO, writeShippedComparison } from './comparison';
import { photoWorkDir } from './train-photo';
import type { Figures } from './train-shipped';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Files of each class taken (sorted) for the subset a test re-measures against the card. */
export const PHOTO_SUBSET_LIMIT = 20;
/** How far (percentage points) a re-measurement of the subset may drift (float order, threads). */
export const PHOTO_SUBSET_TOLERANCE = 0.5;
/** Edited copies made for the card's copy score (of mini-ImageNet val photos, seed 0). */
export const PHOTO_COPIES = 1000;
/** Held-out val photos the information bounds are measured on. */
export const PHOTO_INFORMATION_SAMPLES = 1024;

export interface PublishPhotoOptions {
  openFolder: (folder: string) => PhotoSource;
  /** The indexer's decoder (core's decodeForModel), handed in: ml does not decode files itself. */
  decode: PhotoDecoder;
  dataset?: DatasetFolders;
  publishRoot?: string;
  signal?: AbortSignal;
  onEvalProgress?: (label: string, p: EncodeProgress | CopyScoreProgress) => void;
  log?: (line: string) => void;
}

export interface PublishPhotoResult {
  name: string;
  model: string;
  figures: { model: Figures; random: Figures; pixels: Figures };
  copies: { top1: number; top10: number };
}

/** When the recompression began part-way through a run (photoRecipe.recompressFromEpoch), say so. */
function recompressFrom(name: string, epochs: number): string {
  const from = photoRecipe.recompressFromEpoch[name];
  return from === undefined ? '' : epochs > from ? ` from epoch ${from} on` : ` (not yet: it starts at epoch ${from})`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

async function measure(encoder: ImageEncoder, data: DatasetFolders, label: string, options: PublishPhotoOptions, limit?: number): Promise<Figures> {
  try {
    const result = await evaluateEncoder(encoder, data.train, data.test, { decode: options.decode, limit, signal: options.signal, onProgress: (p) => options.onEvalProgress?.(label, p) });
    const { accuracy, precision } = result.knn;
    return { knn1: round2(accuracy[1]), knn20: round2(accuracy[20]), knn200: round2(accuracy[200]), precisionAt10: round2(precision) };
  } finally {
    encoder.dispose();
  }
}

/** Baselines depend only on the data and the architecture: measured once, then cached beside the work. */
async function baselines(data: DatasetFolders, workDir: string, options: PublishPhotoOptions): Promise<{ random: Figures; pixels: Figures }> {
  const modelPath = join(workDir, 'model.json');
  const modelJson = JSON.parse(await readFile(modelPath, 'utf8')) as ModelJson;
  const { inputSize, zDim, blockWidths, headWidths } = modelJson.architecture;
  // The baselines search the way the model does (its code, its side), so they differ from it only in training.
  const searchCode = searchCodeOf(modelJson.searchCode, modelPath);
  const searchInputSize = searchInputSizeOf(modelJson.searchInputSize, modelJson.architecture, modelPath);
  const key = JSON.stringify({ data: 'mini-imagenet', inputSize, zDim, blockWidths, headWidths, seed: 0, ...(searchCode !== 'global' ? { searchCode } : {}), ...(searchInputSize !== inputSize ? { searchInputSize } : {}) });
  const cachePath = join(dirname(workDir), 'baselines.json');
  const cache = existsSync(cachePath) ? (JSON.parse(await readFile(cachePath, 'utf8')) as Record<string, { random: Figures; pixels: Figures }>) : {};
  if (!cache[key]) {
    const random = await measure(await createRandomEncoder({ inputSize, zDim, blockWidths, headWidths, seed: 0, searchCode, searchInputSize }), data, 'random', options);
    const pixels = await measure(new PixelsEncoder(searchInputSize), data, 'pixels', options);
    cache[key] = { random, pixels };
    await mkdir(dirname(cachePath), { recursive: true });
    await writeFile(cachePath, `${JSON.stringify(cache, null, 2)}\n`);
  }
  return cache[key];
}

export async function publishPhoto(name: string, options: PublishPhotoOptions): Promise<PublishPhotoResult> {
  const recipe = photoRecipeNamed(name);
  if (!recipe) throw new Error(`no photo recipe '${name}'`);
  const log = options.log ?? (() => undefined);
  const workDir = photoWorkDir(name, repoRoot);
  if (!existsSync(join(workDir, 'model.json')))
    throw new Error(`no trained ${name} in ${workDir}: train it first (npm run train:shipped -- ${name} --minutes M)`);
  const data = options.dataset ?? (await ensureMiniImagenet());
  const card = JSON.parse(await readFile(join(workDir, 'card.json'), 'utf8')) as Record<string, unknown>;

  log(`${name}: evaluating on mini-ImageNet (50,000 train photos as the memory bank, 10,000 val queries)`);
  const model = await measure(await loadEncoder(workDir), data, name, options);
  const subset = await measure(await loadEncoder(workDir), data, `${name} subset`, options, PHOTO_SUBSET_LIMIT);
  const { random, pixels } = await baselines(data, workDir, options);

  const valPhotos = (await options.openFolder(data.test).list(options.signal)).photos;
  log(`${name}: edited copies of ${PHOTO_COPIES} val photos searched among all ${valPhotos.length}`);
  const encoder = await loadEncoder(workDir);
  let copies;
  let spread;
  try {
    copies = await scoreCopies(encoder, valPhotos, options.decode, { limit: PHOTO_COPIES, seed: 0, signal: options.signal, onProgress: (p) => options.onEvalProgress?.('copies', p) });
    const sample = samplePhotos(valPhotos, 1000);
    const encoded = await encodeImages(encoder, sample, { decode: options.decode, signal: options.signal });
    spread = codeSpread(encoded.codes, encoded.kept.length, encoder.dim);
  } finally {
    encoder.dispose();
  }

  log(`${name}: measuring I(X; Z) lower bounds on ${PHOTO_INFORMATION_SAMPLES} held-out val photos`);
  const { encoder: dim } = await loadDimEncoder(workDir);
  let information;
  try {
    const measured = await measureInformation(dim, samplePhotos(valPhotos, PHOTO_INFORMATION_SAMPLES), { decode: options.decode, signal: options.signal });
    information = { ...measured, heldOut: `${measured.samples} mini-ImageNet val photos (seeded random sample; never trained on)` };
  } finally {
    dim.dispose();
  }

  const epochs = Number(card.epochs ?? 0);
  const published = {
    ...card,
    trainedOn: 'mini-ImageNet',
    terms: MINI_IMAGENET_TERMS,
    description:
      `Deep InfoMax photo encoder (DIM-64: ${photoRecipe.inputSize} px input, z = ${card.zDim}) trained with ${recipe.summary}: ` +
      `two augmented views per photo (random resized crops of 20–100 % of the photo, flips, small turns, colour jitter, grey, blur, ` +
      `shrunk and recompressed as JPEG${recompressFrom(name, epochs)}), ` +
      `InfoNCE between one view's code and the other's code and local features, temperature 0.2, no prior term; ` +
      `${epochs} epochs over mini-ImageNet train (${card.completed === 'all epochs' ? 'the full plan' : `of ${photoRecipe.epochs} planned; training resumes from training/${name}.checkpoint`}), ` +
      `batch ${photoRecipe.batchSize}, Adam ${describeLearningRate(photoRecipe.learningRate, photoRecipe.epochs, photoRecipe.learningRateDecay)}.`,
    reproduce: `npm run train:shipped -- ${name} --minutes M (repeat until done), then npm run train:shipped -- ${name} --publish`,
    information,
    codeSpread: { medianCosine: round2(spread.medianCosine * 100) / 100, photos: spread.photos, measuredOn: 'mini-ImageNet val photos (1,000, seeded)', collapsed: spread.collapsed },
    copies: {
      model: name,
      n: copies.n,
      top1: copies.top1,
      top10: copies.top10,
      copyScore: copies.copyScore,
      otherScore: copies.otherScore,
      likeness: copies.likeness,
      measuredOn: `edited copies of ${copies.n} mini-ImageNet val photos (seed 0) searched among all ${copies.photos}: npm run -s cli -- eval-copies <mini-imagenet/val> --model ${name} --limit ${PHOTO_COPIES} --seed 0`,
    },
    evaluationMiniImagenet: {
      dataset: 'mini-ImageNet',
      protocol:
        'npm run -s cli -- eval <mini-imagenet/train> <mini-imagenet/val> --model <model>: all 50,000 train photos as the memory bank, ' +
        'all 10,000 val photos (same 100 classes, never trained on) as queries; cosine kNN, votes weighted by exp(sim/0.07); top-1 accuracy at k = 1, 20, 200 and precision@10, percentages',
      model,
      random: { ...random, note: `same architecture and search code, untrained (seed 0): npm run -s cli -- eval … --model random --like ${name}` },
      pixels: { ...pixels, note: `${photoRecipe.searchInputSize}×${photoRecipe.searchInputSize} pixels (the side the model searches at), centred per image: npm run -s cli -- eval … --model pixels --size ${photoRecipe.searchInputSize}` },
      subset: {
        protocol: `the same with --limit ${PHOTO_SUBSET_LIMIT} (first ${PHOTO_SUBSET_LIMIT} files of each class, sorted, in both splits): what the test suite re-measures`,
        limit: PHOTO_SUBSET_LIMIT,
        tolerance: PHOTO_SUBSET_TOLERANCE,
        model: subset,
      },
    },
  };
  const target = join(resolve(options.publishRoot ?? nativeModelsDir()), name);
  await writeDirAtomic(target, {
    'model.json': await readFile(join(workDir, 'model.json')),
    'weights.bin': await readFile(join(workDir, 'weights.bin')),
    // The critics the trainer saved beside the encoder (model.json names them): adapting continues them.
    ...(existsSync(join(workDir, 'critics.bin')) ? { 'critics.bin': await readFile(join(workDir, 'critics.bin')) } : {}),
    'card.json': `${JSON.stringify(published, null, 2)}\n`,
  });
  log(`${name}: published to ${target} (kNN@20 ${model.knn20} %, p@10 ${model.precisionAt10} %; pixels ${pixels.knn20} / ${pixels.precisionAt10} %; copies top1 ${(copies.top1 * 100).toFixed(1)} %)`);
  // Once global, local and both are all published, each card says how they compare.
  const comparison = await writeShippedComparison(resolve(options.publishRoot ?? nativeModelsDir()), PHOTO_TRIO);
  if (comparison) log(`photo encoders compared on their cards: ${comparison.ordering}`);
  return { name, model: target, figures: { model, random, pixels }, copies: { top1: copies.top1, top10: copies.top10 } };
}

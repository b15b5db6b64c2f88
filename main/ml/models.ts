/**
 * Model directories: save and load a DIM encoder as a tfjs-style directory
 *
 *   model.json   { format, name, architecture (EncoderOptions), weightsManifest → weights.bin }
 *   weights.bin  the weights, tf.io.encodeWeights layout (float32, in manifest order)
 *   card.json    what the model is: data, objective, estimator, epochs, preprocessing, figures
 *
 * Writes are atomic: the directory is written beside the target and renamed into place, so a
 * crash never leaves a half-written model. A bare name ('dim-both') resolves under the
 * repository's native-models/ (or $DIMSEARCH_MODELS_DIR). A model's id is its name plus the first
 * 12 hex digits of sha256(weights.bin, plus how it searches where that is not z_mean at its own
 * input size: dim/search-code.ts): codes of different ids never mix.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { EncodeOptions, ImageEncoder } from './image-encoder';
import { onOneBlasThread } from './kernels/native-addon';
import { backendDescription, initBackend } from './backend';
import { DimEncoder, encoderOptions, validateEncoderOptions, type EncoderOptions } from './dim/encoder';
import { computeSearchCode, searchCodeLength, searchCodeOf, searchInputSizeOf, type SearchCode } from './dim/search-code';

export const MODEL_FORMAT = 'dimsearch-dim-encoder';
export const MODEL_FORMAT_VERSION = 1;

export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  name: string;
  architecture: EncoderOptions;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /**
   * The critics the encoder was trained with (optional; not part of the model's id): continuing
   * the model (adapting it to a library) starts from them instead of fresh ones.
   */
  critics?: { path: string; weights: tf.io.WeightsManifestEntry[] };
  /** What the index stores of the encoder's output (dim/search-code.ts); absent: 'global'. */
  searchCode?: SearchCode;
  /** The side photos are brought to for searching (dim/search-code.ts); absent: architecture.inputSize. */
  searchInputSize?: number;
}

const CRITICS_FILE = 'critics.bin';

export interface ModelInfo {
  id: string;
  name: string;
  dir: string;
  /** The side it learned at (training continues at it). */
  inputSize: number;
  /** The side photos are brought to for searching (≥ inputSize). */
  searchInputSize: number;
  /** Length of a search code. */
  dim: number;
  searchCode: SearchCode;
  card: Record<string, unknown>;
}

/** The repository's native-models/ folder (or $DIMSEARCH_MODELS_DIR). */
export function nativeModelsDir(): string {
  if (process.env.DIMSEARCH_MODELS_DIR) return resolve(process.env.DIMSEARCH_MODELS_DIR);
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native-models');
}

/** A model directory from a path, or a bare name under native-models/. */
export function resolveModelDir(dirOrName: string): string {
  const looksLikePath = isAbsolute(dirOrName) || dirOrName.includes('/') || dirOrName.includes(sep) || dirOrName.startsWith('.');
  if (looksLikePath) return resolve(dirOrName);
  const native = join(nativeModelsDir(), dirOrName);
  if (existsSync(native)) return native;
  return resolve(dirOrName);
}

/** `searchInputSize` null: the architecture's own input size. */
export function modelIdFor(name: string, weights: Uint8Array | ArrayBuffer, searchCode: SearchCode = 'global', searchInputSize: number | null = null): string {
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  const hash = createHash('sha256').update(bytes);
  // The same weights searching another way give other codes: a library indexed one way re-encodes for the other.
  if (searchCode !== 'global') hash.update(`\nsearch code: ${searchCode}`);
  if (searchInputSize !== null) hash.update(`\nsearch input size: ${searchInputSize}`);
  return `${name}-${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Finish a directory replacement that a crash interrupted between its two renames
 * (`dir` → `dir.old-TAG`, then `dir.tmp-TAG` → `dir`): both sides are complete then, so the new
 * one is moved into place. A lone `.tmp-*` is an unfinished write and is left alone.
 */
export async function recoverDirAtomic(dir: string): Promise<void> {
  const target = resolve(dir);
  if (existsSync(target)) return;
  const prefix = `${basename(target)}.old-`;
  let siblings: string[];
  try {
    siblings = await readdir(dirname(target));
  } catch {
    return;
  }
  for (const name of siblings.filter((n) => n.startsWith(prefix)).sort().reverse()) {
    const tag = name.slice(prefix.length);
    const old = join(dirname(target), name);
    const temp = `${target}.tmp-${tag}`;
    await rename(existsSync(temp) ? temp : old, target);
    await rm(old, { recursive: true, force: true });
    return;
  }
}

/** Write `files` as directory `dir`, atomically (temp dir beside it, then rename). */
export async function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  await recoverDirAtomic(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = `${target}.tmp-${tag}`;
  await mkdir(temp, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(temp, name), content);
    let old: string | null = null;
    if (existsSync(target)) {
      old = `${target}.old-${tag}`;
      await rename(target, old);
    }
    await rename(temp, target);
    if (old) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Write a file atomically (temp file beside it, then rename). */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, content);
  await rename(temp, path);
}

/** Encode named tensors into one weights buffer plus manifest entries. */
export async function encodeNamedTensors(tensors: tf.NamedTensorMap): Promise<{ data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { data: new Uint8Array(data), specs };
}

/** Save an encoder as a model directory. Returns the model's id. */
export async function saveEncoder(
  dir: string,
  encoder: DimEncoder,
  card: Record<string, unknown>,
  name: string = basename(resolve(dir)),
  critics: tf.NamedTensorMap | null = null,
  search: { code?: SearchCode; inputSize?: number } = {},
): Promise<{ id: string; dir: string }> {
  const searchCode = search.code ?? 'global';
  const largerInput = search.inputSize !== undefined && search.inputSize !== encoder.options.inputSize ? searchInputSizeOf(search.inputSize, encoder.options, dir) : null;
  const tensors: tf.NamedTensorMap = Object.fromEntries(encoder.variables);
  const { data, specs } = await encodeNamedTensors(tensors);
  const saved = critics && Object.keys(critics).length > 0 ? await encodeNamedTensors(critics) : null;
  const modelJson: ModelJson = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name,
    architecture: encoder.options,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    ...(saved ? { critics: { path: CRITICS_FILE, weights: saved.specs } } : {}),
    ...(searchCode !== 'global' ? { searchCode } : {}),
    ...(largerInput !== null ? { searchInputSize: largerInput } : {}),
  };
  const id = modelIdFor(name, data, searchCode, largerInput);
  await writeDirAtomic(dir, {
    'model.json': `${JSON.stringify(modelJson, null, 2)}\n`,
    'weights.bin': data,
    ...(saved ? { [CRITICS_FILE]: saved.data } : {}),
    'card.json': `${JSON.stringify({ name, id, ...card }, null, 2)}\n`,
  });
  return { id, dir: resolve(dir) };
}

interface ReadModel {
  dir: string;
  modelJson: ModelJson;
  weights: Uint8Array;
  card: Record<string, unknown>;
  id: string;
  search: SearchSettings;
}

/** How a model searches, read from its model.json once (search-code.ts). */
interface SearchSettings {
  code: SearchCode;
  inputSize: number;
}

/** A model directory's model.json, checked (no weights read). */
async function readModelJson(dirOrName: string): Promise<{ dir: string; modelPath: string; modelJson: ModelJson; search: SearchSettings }> {
  const dir = resolveModelDir(dirOrName);
  await recoverDirAtomic(dir);
  const modelPath = join(dir, 'model.json');
  if (!existsSync(modelPath)) throw new Error(`no model at ${dir} (model.json missing)`);
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(await readFile(modelPath, 'utf8')) as ModelJson;
  } catch (error) {
    throw new Error(`${modelPath} is not valid JSON: ${(error as Error).message}`);
  }
  if (modelJson.format !== MODEL_FORMAT) throw new Error(`${modelPath} is not a dimsearch DIM encoder (format '${String(modelJson.format)}')`);
  validateEncoderOptions(modelJson.architecture);
  const search = { code: searchCodeOf(modelJson.searchCode, modelPath), inputSize: searchInputSizeOf(modelJson.searchInputSize, modelJson.architecture, modelPath) };
  return { dir, modelPath, modelJson, search };
}

async function readModelDir(dirOrName: string): Promise<ReadModel> {
  const { dir, modelPath, modelJson, search } = await readModelJson(dirOrName);
  const group = modelJson.weightsManifest?.[0];
  if (!group || group.paths.length !== 1) throw new Error(`${modelPath}: expected one weights file in weightsManifest`);
  const weights = new Uint8Array(await readFile(join(dir, group.paths[0])));
  let card: Record<string, unknown> = {};
  const cardPath = join(dir, 'card.json');
  if (existsSync(cardPath)) card = JSON.parse(await readFile(cardPath, 'utf8')) as Record<string, unknown>;
  const name = modelJson.name || basename(dir);
  const id = modelIdFor(name, weights, search.code, search.inputSize === modelJson.architecture.inputSize ? null : search.inputSize);
  return { dir, modelJson, weights, card, id, search };
}

/** Rebuild the DimEncoder of a model directory (weights loaded into fresh variables). */
export async function loadDimEncoder(dirOrName: string): Promise<{ encoder: DimEncoder; info: ModelInfo }> {
  const model = await readModelDir(dirOrName);
  const buffer = model.weights.buffer.slice(model.weights.byteOffset, model.weights.byteOffset + model.weights.byteLength);
  const tensors = tf.io.decodeWeights(buffer as ArrayBuffer, model.modelJson.weightsManifest[0].weights);
  try {
    const encoder = new DimEncoder(model.modelJson.architecture, { weights: tensors });
    return { encoder, info: infoOf(model) };
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** The critics saved with a model (ModelJson.critics), or null when it has none. The caller disposes them. */
export async function readCritics(dirOrName: string): Promise<tf.NamedTensorMap | null> {
  // model.json alone: the encoder's weights are not read (nor hashed) a second time.
  const { dir, modelPath, modelJson } = await readModelJson(dirOrName);
  const critics = modelJson.critics;
  if (!critics) return null;
  const path = join(dir, critics.path);
  if (!existsSync(path)) throw new Error(`${modelPath} names critics in ${critics.path}, which is missing`);
  const bytes = await readFile(path);
  return tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, critics.weights);
}

function infoOf(model: ReadModel): ModelInfo {
  return {
    id: model.id,
    name: model.modelJson.name || basename(model.dir),
    dir: model.dir,
    inputSize: model.modelJson.architecture.inputSize,
    searchInputSize: model.search.inputSize,
    dim: searchCodeLength(model.search.code, model.modelJson.architecture),
    searchCode: model.search.code,
    card: model.card,
  };
}

/** Model info without loading weights into tensors (the id still needs the weights' hash). */
export async function readModelInfo(dirOrName: string): Promise<ModelInfo> {
  return infoOf(await readModelDir(dirOrName));
}

/** Every model directory directly under `root` (default native-models/); unreadable ones are skipped. */
export async function listModels(root: string = nativeModelsDir()): Promise<ModelInfo[]> {
  if (!existsSync(root)) return [];
  const out: ModelInfo[] = [];
  for (const entry of (await readdir(root)).sort()) {
    const dir = join(root, entry);
    if (entry.includes('.tmp-') || entry.includes('.old-')) continue;
    if (!(await stat(dir)).isDirectory() || !existsSync(join(dir, 'model.json'))) continue;
    try {
      out.push(await readModelInfo(dir));
    } catch {
      // A broken directory is not a model; listing the good ones matters more.
    }
  }
  return out;
}

/** Images per encode call on the backend; bounds peak memory for large libraries. */
const ENCODE_CHUNK = 256;

class DimImageEncoder implements ImageEncoder {
  readonly trainingInputSize: number;
  readonly dim: number;
  constructor(
    private readonly encoder: DimEncoder,
    readonly modelId: string,
    readonly name: string,
    readonly dir: string,
    readonly backend: string,
    readonly card: Record<string, unknown>,
    readonly searchCode: SearchCode,
    readonly inputSize: number,
  ) {
    this.trainingInputSize = encoder.options.inputSize;
    this.dim = searchCodeLength(searchCode, encoder.options);
  }

  async encode(pixels: Float32Array, count: number, options: EncodeOptions = {}): Promise<Float32Array> {
    const s = this.inputSize;
    const per = s * s * 3;
    if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
    if (pixels.length !== count * per)
      throw new Error(`expected ${count}×${s}×${s}×3 = ${count * per} floats, got ${pixels.length}`);
    const out = new Float32Array(count * this.dim);
    for (let start = 0; start < count; start += ENCODE_CHUNK) {
      const n = Math.min(ENCODE_CHUNK, count - start);
      const compute = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(pixels.subarray(start * per, (start + n) * per), [n, s, s, 3]);
          return computeSearchCode(this.encoder, x, this.searchCode);
        });
      const codes = options.coresBusy ? onOneBlasThread(compute) : compute();
      try {
        out.set(await codes.data(), start * this.dim);
      } finally {
        codes.dispose();
      }
    }
    return out;
  }

  dispose(): void {
    this.encoder.dispose();
  }
}

/** Load a model directory (or a bare name under native-models/) as an ImageEncoder. */
export async function loadEncoder(dirOrName: string): Promise<ImageEncoder> {
  await initBackend();
  const backend = backendDescription();
  const { encoder, info } = await loadDimEncoder(dirOrName);
  return new DimImageEncoder(encoder, info.id, info.name, info.dir, backend, info.card, info.searchCode, info.searchInputSize);
}

export interface RandomEncoderOptions {
  inputSize?: number;
  zDim?: number;
  seed?: number;
  blockWidths?: number[];
  headWidths?: number[];
  /** How the model it stands beside searches (default: z_mean at the input size). */
  searchCode?: SearchCode;
  searchInputSize?: number;
}

/** The 'random' baseline: the same architecture, untrained, seeded (so the same seed gives the same codes). */
export async function createRandomEncoder(options: RandomEncoderOptions = {}): Promise<ImageEncoder> {
  await initBackend();
  const backend = backendDescription();
  const seed = options.seed ?? 0;
  const arch = encoderOptions(options.inputSize ?? 32, {
    zDim: options.zDim,
    blockWidths: options.blockWidths,
    headWidths: options.headWidths,
  });
  const encoder = new DimEncoder(arch, { seed });
  const { data } = await encodeNamedTensors(Object.fromEntries(encoder.variables));
  const searchCode = options.searchCode ?? 'global';
  const searchInputSize = searchInputSizeOf(options.searchInputSize, arch, 'random baseline');
  const card = {
    name: 'random',
    description: 'Untrained, randomly initialised DIM encoder (Glorot-uniform, seeded): the baseline a trained model must beat.',
    seed,
    inputSize: arch.inputSize,
    zDim: arch.zDim,
    searchCode,
    searchInputSize,
  };
  const id = modelIdFor('random', data, searchCode, searchInputSize === arch.inputSize ? null : searchInputSize);
  return new DimImageEncoder(encoder, id, 'random', '', backend, card, searchCode, searchInputSize);
}

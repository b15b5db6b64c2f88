/**
 * How much information an encoder's codes carry: lower bounds of I(X; Z) measured on held-out
 * photos (never the ones it trained on), for the global code and for the local features.
 *
 * Each photo is seen as two augmented views (the training recipe's augmentations). Z₁, Z₂ are the
 * codes of the two views and C₁ a local feature (one position of the local map) of the first.
 * - global: a bound on I(Z₁; Z₂). Z₁ − X − Z₂ is a Markov chain (each view depends on the photo
 *   only), so I(Z₁; Z₂) ≤ I(X; Z₂): a lower bound of I(X; Z).
 * - local: a bound on I(C₁; Z₂) at a random position, by the same argument a lower bound of
 *   I(X; Z) as seen from one patch — DIM's local objective, averaged over positions.
 * A fresh separable critic is trained (main/ml/mi/mine.ts) on half of the photos, the best one
 * is picked on a quarter, and the bound is read on the last quarter, which it never saw. InfoNCE by default: a bound
 * that cannot exceed log(evaluation batch).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PhotoDecoder } from './eval/copies';
import { initBackend } from './backend';
import { augmentBatch } from './dim/augment';
import type { DimEncoder } from './dim/encoder';
import type { EstimatorName } from './dim/estimators';
import { permutation, Rng } from './dim/random';
import { estimateMutualInformation, type MiProgress } from './mi/mine';
import type { PairSampler } from './mi/gaussian';

/** A seeded random sample of `count` photos (all of them when there are fewer), the same every time. */
export function samplePhotos(paths: readonly string[], count: number, seed = 7): string[] {
  const order = permutation(paths.length, new Rng(seed));
  return Array.from(order.subarray(0, Math.min(count, paths.length)), (i) => paths[i]);
}

/** Fewest readable photos a measurement accepts (a quarter of them are its held-out test set). */
export const MIN_PHOTOS = 32;

/** Augmented view pairs made of each photo (critic training sees this many per photo). */
export const AUGMENT_ROUNDS = 4;

export interface InformationOptions {
  /** A photo to the encoder's input (core's decodeModelPixels: ml never decodes files itself). */
  decode: PhotoDecoder;
  estimator?: EstimatorName;
  /** Critic training steps per term (default 400). */
  steps?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: InformationProgress) => void;
}

export interface InformationProgress {
  phase: 'decoding' | 'encoding' | 'global' | 'local';
  done: number;
  total: number;
}

export interface ModelInformation {
  /** Lower bound of I(X; Z) from the global code, nats. */
  miGlobal: number;
  /** Lower bound of I(X; Z) from one local feature, nats. */
  miLocal: number;
  estimator: EstimatorName;
  /** The most the estimator can report (log of the evaluation batch) for InfoNCE, else null. */
  cap: number | null;
  /** Held-out photos used (critic training + evaluation). */
  samples: number;
  skipped: number;
  measuredAt: string;
}

/**
 * Pairs drawn from a finite pool of photos: (x of photo i [at a random position], y of photo i),
 * each from a random augmentation round (entry r·n + i).
 */
function poolSampler(xs: Float32Array, dx: number, positions: number, ys: Float32Array, dy: number, images: number[], n: number, rounds: number, rng: Rng): PairSampler {
  return (count: number) => {
    const x = new Float32Array(count * dx);
    const y = new Float32Array(count * dy);
    // Distinct photos within a batch (its other rows are the negatives), as far as the pool allows.
    const picked = images.length >= count ? Array.from(permutation(images.length, rng).subarray(0, count), (i) => images[i]) : Array.from({ length: count }, () => images[rng.int(images.length)]);
    picked.forEach((image, row) => {
      const entry = rng.int(rounds) * n + image;
      const p = positions > 1 ? rng.int(positions) : 0;
      x.set(xs.subarray((entry * positions + p) * dx, (entry * positions + p + 1) * dx), row * dx);
      y.set(ys.subarray(entry * dy, (entry + 1) * dy), row * dy);
    });
    return { x, y };
  };
}

/** Measure the information of `encoder`'s codes on `photos` (held out from its training). */
export async function measureInformation(encoder: DimEncoder, photos: readonly string[], options: InformationOptions): Promise<ModelInformation> {
  await initBackend();
  const estimator = options.estimator ?? 'infonce';
  const size = encoder.options.inputSize;
  const per = size * size * 3;
  const rng = new Rng(options.seed ?? 0);
  const report = options.onProgress ?? (() => undefined);

  const decoded: Float32Array[] = [];
  let skipped = 0;
  for (const [i, path] of photos.entries()) {
    options.signal?.throwIfAborted();
    try {
      decoded.push(await options.decode(path, size));
    } catch {
      skipped++; // unreadable photos simply don't take part
    }
    if (i % 32 === 0 || i === photos.length - 1) report({ phase: 'decoding', done: i + 1, total: photos.length });
  }
  const n = decoded.length;
  if (n < MIN_PHOTOS) throw new Error(`need at least ${MIN_PHOTOS} readable held-out photos to measure information, got ${n}`);

  const zDim = encoder.options.zDim;
  const channels = encoder.options.blockWidths[encoder.options.blockWidths.length - 1];
  const side = size / 2 ** encoder.options.blockWidths.length;
  const positions = side * side;
  // Several augmentation rounds per photo: the critic learns from many view pairs, not a few fixed
  // ones it could memorise. Entry r·n + i holds round r of photo i; vectors are L2-normalised.
  const rounds = AUGMENT_ROUNDS;
  const codes1 = new Float32Array(rounds * n * zDim);
  const codes2 = new Float32Array(rounds * n * zDim);
  const locals1 = new Float32Array(rounds * n * positions * channels);
  const batch = 64;
  for (let r = 0; r < rounds; r++) {
    for (let start = 0; start < n; start += batch) {
      options.signal?.throwIfAborted();
      const count = Math.min(batch, n - start);
      const pixels = new Float32Array(count * per);
      for (let b = 0; b < count; b++) pixels.set(decoded[start + b], b * per);
      const views = [augmentBatch(pixels, count, size, rng), augmentBatch(pixels, count, size, rng)];
      const [first, second] = views.map((view) =>
        tf.tidy(() => {
          const out = encoder.forwardInfer(tf.tensor4d(view, [count, size, size, 3]));
          const unit = (t: tf.Tensor) => tf.div(t, tf.add(tf.norm(t, 'euclidean', -1, true), 1e-8));
          return { mean: unit(out.mean), local: unit(out.local) };
        }),
      );
      const at = r * n + start;
      codes1.set(await first.mean.data(), at * zDim);
      locals1.set(await first.local.data(), at * positions * channels);
      codes2.set(await second.mean.data(), at * zDim);
      tf.dispose([first.local, first.mean, second.local, second.mean]);
      report({ phase: 'encoding', done: r * n + start + count, total: rounds * n });
    }
  }

  // Three disjoint sets of photos: the critic trains on half, the best critic is picked on a
  // quarter (validation), and the bound is read on the last quarter, which neither saw.
  const order = Array.from(permutation(n, rng));
  const quarter = Math.max(8, Math.floor(n / 4));
  const evalImages = order.slice(0, quarter);
  const validationImages = order.slice(quarter, 2 * quarter);
  const trainImages = order.slice(2 * quarter);
  const steps = options.steps ?? 400;
  const common = {
    estimator,
    steps,
    batch: Math.min(128, trainImages.length),
    evalBatch: evalImages.length,
    evalBatches: 4,
    hidden: 64,
    embed: 32,
    signal: options.signal,
    seed: options.seed ?? 0,
  };
  const run = async (phase: 'global' | 'local', xs: Float32Array, dx: number, xPositions: number) =>
    estimateMutualInformation(poolSampler(xs, dx, xPositions, codes2, zDim, trainImages, n, rounds, rng), { dx, dy: zDim }, {
      ...common,
      evalSampler: poolSampler(xs, dx, xPositions, codes2, zDim, evalImages, n, rounds, rng),
      validation: { sampler: poolSampler(xs, dx, xPositions, codes2, zDim, validationImages, n, rounds, rng), batch: validationImages.length },
      onProgress: (p: MiProgress) => report({ phase, done: p.step, total: p.steps }),
    });
  const global = await run('global', codes1, zDim, 1);
  const local = await run('local', locals1, channels, positions);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    miGlobal: round(global.estimate),
    miLocal: round(local.estimate),
    estimator,
    cap: global.cap === null ? null : round(global.cap),
    samples: n,
    skipped,
    measuredAt: new Date().toISOString(),
  };
}

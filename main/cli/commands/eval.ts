/**
 * `eval`: score an encoder's codes for retrieval on a labelled folder-per-class split.
 *
 *   npm run -s cli -- eval <train-folder> <test-folder> --model <name|dir|pixels|random> [--limit N] --json
 *   → {"model": m, "n": queries, "knn1": %, "knn20": %, "knn200": %, "precisionAt10": %, …}
 *
 * The train split is the memory bank, the test split the queries; codes are L2-normalised and
 * compared by cosine; kNN votes are weighted by exp(sim / 0.07) (see main/ml/eval/knn.ts).
 * Baselines: `pixels` (the model input at --size, default 32, centred per image) and `random`
 * (the DIM encoder architecture, untrained, seeded by --seed; --size sets its input size, and
 * --like <model> copies a trained model's architecture so the comparison is like for like).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ImageEncoder } from '../../ml/image-encoder';
import { evaluateEncoder, type EncodeProgress } from '../../ml/eval/harness';
import { PixelsEncoder } from '../../ml/eval/pixels';
import { decodeModelPixels } from '../../core/imaging/decode';
import { endProgress, formatEta, formatUsage, printJson, progressLine, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'eval <train-folder> <test-folder> --model <name|dir|pixels|random> [options] [--json]',
  summary:
    "Scores a model's codes for retrieval on a labelled split (one sub-folder per class): the train folder is\n" +
    'the memory bank, the test folder the queries; kNN accuracy at 1, 20 and 200 and precision at 10.',
  options: [
    ['--model <name|dir>', 'the model, or a baseline: pixels (the input itself) or random (untrained)'],
    ['--limit <n>', 'at most this many photos of each folder'],
    ['--size <n>', 'input size of the pixels and random baselines (default 32)'],
    ['--like <model>', "with --model random: copy this model's architecture"],
    ['--seed <n>', 'seed of the random baseline and the sample (default 0)'],
    ['--temperature <t>', 'kNN vote weighting exp(similarity / t) (default 0.07)'],
    ['--concurrency <n>', 'photos decoded at once'],
    ['--json', 'last stdout line: {"model","n","knn1","knn20","knn200","precisionAt10",…}'],
  ],
  examples: ['npm run -s cli -- eval data/cifar10/train data/cifar10/test --model dim-both --limit 2000 --json'],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      limit: { type: 'string' },
      size: { type: 'string' },
      like: { type: 'string' },
      seed: { type: 'string', default: '0' },
      temperature: { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (positionals.length !== 2) throw new UsageError('expected a train folder and a test folder');
  if (!values.model) throw new UsageError('--model is required');
  const [trainDir, testDir] = positionals;
  const limit = values.limit === undefined ? undefined : integer('--limit', values.limit, 1);
  const size = values.size === undefined ? undefined : integer('--size', values.size, 1);
  const seed = integer('--seed', values.seed!, 0);
  const temperature = values.temperature === undefined ? undefined : Number(values.temperature);
  if (temperature !== undefined && !(temperature > 0)) throw new UsageError(`--temperature must be positive, got '${values.temperature}'`);
  const concurrency = values.concurrency === undefined ? undefined : integer('--concurrency', values.concurrency, 1);

  if (values.like !== undefined && values.model !== 'random') throw new UsageError('--like applies only to --model random');
  const encoder = await openEncoder(values.model, size, seed, values.like);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('cancelled'));
  process.once('SIGINT', onSignal);
  let lastReport = 0;
  const report = (p: EncodeProgress) => {
    const now = performance.now();
    if (p.done < p.total && now - lastReport < 500) return;
    lastReport = now;
    const unit = p.phase === 'knn' ? 'pairs' : 'images';
    const rate = p.phase === 'knn' ? `${(p.ratePerSecond / 1e6).toFixed(1)}M` : p.ratePerSecond.toFixed(0);
    progressLine(`eval ${encoder.name} ${p.phase}: ${p.done}/${p.total} ${unit}, ${rate}/s, ${formatEta(p.etaSeconds)} left`);
  };
  try {
    const result = await evaluateEncoder(encoder, trainDir, testDir, {
      decode: decodeModelPixels,
      limit,
      temperature,
      concurrency,
      signal: controller.signal,
      onProgress: report,
    });
    endProgress();
    for (const f of result.failed) process.stderr.write(`eval: skipped ${f.path}: ${f.reason}\n`);
    const { accuracy, precision } = result.knn;
    const summary = {
      model: values.model,
      n: result.n,
      knn1: accuracy[1],
      knn20: accuracy[20],
      knn200: accuracy[200],
      precisionAt10: precision,
      modelId: result.modelId,
      bank: result.bank,
      dim: result.dim,
      classes: result.classes,
      limit: limit ?? null,
      temperature: result.knn.temperature,
      skipped: result.failed.length,
      backend: encoder.backend,
      seconds: result.seconds,
    };
    if (values.json) printJson(summary);
    else
      process.stdout.write(
        `${values.model}: kNN top-1 @1 ${pct(accuracy[1])}, @20 ${pct(accuracy[20])}, @200 ${pct(accuracy[200])}, ` +
          `precision@10 ${pct(precision)} (${result.n} queries against ${result.bank}, ${result.classes} classes)\n`,
      );
  } finally {
    process.off('SIGINT', onSignal);
    encoder.dispose();
  }
}

async function openEncoder(model: string, size: number | undefined, seed: number, like: string | undefined): Promise<ImageEncoder> {
  if (model === 'pixels') return new PixelsEncoder(size ?? 32);
  const { createRandomEncoder, loadEncoder, resolveModelDir } = await import('../../ml/models');
  const { searchCodeOf, searchInputSizeOf } = await import('../../ml/dim/search-code');
  const { encoderOptions } = await import('../../ml/dim/encoder');
  if (model === 'random') {
    if (like === undefined) return createRandomEncoder({ inputSize: size, seed });
    const path = join(resolveModelDir(like), 'model.json');
    let architecture: { inputSize: number; zDim: number; blockWidths: number[]; headWidths: number[] };
    let searchCode: unknown;
    let searchInputSize: unknown;
    try {
      ({ architecture, searchCode, searchInputSize } = JSON.parse(await readFile(path, 'utf8')));
    } catch (error) {
      throw new UsageError(`--like ${like}: cannot read ${path} (${(error as Error).message})`);
    }
    const { inputSize, zDim, blockWidths, headWidths } = architecture;
    // Searching the way the model it stands beside does (its code, its side), so the two differ only in training.
    const side = size ?? searchInputSizeOf(searchInputSize, encoderOptions(inputSize, { zDim, blockWidths, headWidths }), path);
    return createRandomEncoder({ inputSize: size ?? inputSize, zDim, blockWidths, headWidths, seed, searchCode: searchCodeOf(searchCode, path), searchInputSize: side });
  }
  if (size !== undefined) throw new UsageError('--size applies only to --model pixels or random (a trained model has its own input size)');
  return loadEncoder(model);
}

const pct = (value: number) => `${value.toFixed(2)} %`;

function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}

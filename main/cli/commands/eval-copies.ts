/**
 * `eval-copies`: how well a model finds a photo's edited copy (crop, rescale, colour, rotation,
 * recompression; see main/ml/eval/copies.ts) among all the photos of a folder.
 *
 *   npm run -s cli -- eval-copies <folder> --model <m> [--limit N] [--seed S] [--write-card] [--json]
 *   → {"model","n","top1","top10","copyScore":{"p5","p50"},"otherScore":{"p50","p95","p99"},
 *      "likeness":{"copy":{"p5","p50"},"other":{"p99","p999","p9999"}}}
 *
 * top1 / top10: share of copies whose original is the nearest / among the 10 nearest photos.
 * copyScore: cosine similarity of a copy to its original; otherScore: to every other photo.
 * likeness: the same for the duplicates' score (codes and colour layouts, main/ml/eval/likeness.ts).
 * --write-card stores the same object, with `measuredOn`, as the model card's `copies` (the app
 * words its scores and sets the duplicates threshold from it).
 */
import { parseArgs } from 'node:util';
import { decodeForModel } from '../../core/imaging/decode';
import { scanFolder } from '../../core/imaging/scan';
import { scoreCopies, type CopyScoreProgress } from '../../ml/eval/copies';
import { writeCardCopies } from '../../ml/eval/copies-card';
import { loadEncoder } from '../../ml/models';
import { cancelOnSignals } from '../cancel';
import { endProgress, formatEta, formatUsage, printJson, progressLine, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'eval-copies <folder> --model <name|dir> [--limit N] [--seed S] [--write-card] [--json]',
  summary:
    "How well a model finds a photo's edited copy (crop, rescale, colour, rotation, recompression) among\n" +
    'all the photos of a folder, and the similarity scores of copies and of unrelated photos.',
  options: [
    ['--model, -m <name|dir>', 'the model to measure (required)'],
    ['--limit <n>', 'make edited copies of at most this many photos'],
    ['--seed <s>', 'the seed of the sample and the edits (default 0)'],
    ['--write-card', "store the figures on the model's card (the app words its scores from them)"],
    ['--json', 'last stdout line: {"model","n","top1","top10","copyScore","otherScore","likeness"}'],
  ],
  examples: ['npm run -s cli -- eval-copies ~/Pictures --model dim-both --limit 500'],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string', short: 'm' },
      limit: { type: 'string' },
      seed: { type: 'string', default: '0' },
      'write-card': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected one folder of photos');
  if (!values.model) throw new UsageError('--model is required');
  const limit = values.limit === undefined ? undefined : integer('--limit', values.limit, 1);
  const seed = integer('--seed', values.seed!, 0);
  const folder = positionals[0]!;

  let files: string[];
  try {
    files = (await scanFolder(folder)).files.map((f) => f.path).sort();
  } catch (error) {
    throw new UsageError(`cannot read folder ${folder}: ${(error as Error).message}`);
  }
  if (files.length < 2) throw new UsageError(`${folder} holds ${files.length} photo(s); edited copies need at least 2 to search among`);

  const encoder = await loadEncoder(values.model);
  const cancel = cancelOnSignals('eval-copies: cancelling…');
  let lastReport = 0;
  const report = (p: CopyScoreProgress) => {
    const now = performance.now();
    if (p.done < p.total && now - lastReport < 500) return;
    lastReport = now;
    progressLine(`eval-copies ${encoder.name} ${p.phase}: ${p.done}/${p.total}, ${p.ratePerSecond.toFixed(0)}/s, ${formatEta(p.etaSeconds)} left`);
  };
  try {
    const result = await scoreCopies(encoder, files, (input, size) => decodeForModel(input, size).then((d) => d.pixels), {
      limit,
      seed,
      signal: cancel.signal,
      onProgress: report,
    });
    endProgress();
    for (const f of result.failed) process.stderr.write(`eval-copies: skipped ${f.path}: ${f.reason}\n`);
    const round = (v: number) => Math.round(v * 1e4) / 1e4;
    const summary = {
      model: encoder.name,
      n: result.n,
      top1: round(result.top1),
      top10: round(result.top10),
      copyScore: { p5: round(result.copyScore.p5), p50: round(result.copyScore.p50) },
      otherScore: { p50: round(result.otherScore.p50), p95: round(result.otherScore.p95), p99: round(result.otherScore.p99) },
      likeness: result.likeness && {
        copy: { p5: round(result.likeness.copy.p5), p50: round(result.likeness.copy.p50) },
        other: { p99: round(result.likeness.other.p99), p999: round(result.likeness.other.p999), p9999: round(result.likeness.other.p9999) },
      },
    };
    if (values['write-card']) {
      if (!encoder.dir) throw new UsageError(`model ${encoder.name} has no directory to write a card in`);
      const sample = limit !== undefined && limit < files.length ? `${result.n} photos sampled (seed ${seed}) from` : `all ${result.n} photos of`;
      const measuredOn = `${sample} ${folder}, each searched as an edited copy among the folder's ${result.photos} photos`;
      await writeCardCopies(encoder.dir, { ...summary, measuredOn });
      process.stderr.write(`eval-copies: wrote copies to ${encoder.dir}/card.json\n`);
    }
    if (values.json) printJson(summary);
    else
      process.stdout.write(
        `${encoder.name}: original first for ${pct(result.top1)} of ${result.n} edited copies, in the 10 nearest for ${pct(result.top10)}; ` +
          `copy–original similarity p5 ${summary.copyScore.p5}, p50 ${summary.copyScore.p50}; ` +
          `unrelated photos p50 ${summary.otherScore.p50}, p95 ${summary.otherScore.p95}, p99 ${summary.otherScore.p99} (${result.seconds.toFixed(1)} s)\n`,
      );
  } finally {
    cancel.release();
    encoder.dispose();
  }
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}

/**
 * `duplicates`: groups of copies and near-copies in a library (a likeness at or above the threshold:
 * the current model's codes and the photos' colour layouts, main/ml/eval/likeness.ts; and
 * byte-identical files whatever it is).
 *
 *   npm run -s cli -- duplicates --library <dir> [--threshold T] [--model <m>] [--json]
 *   → {"threshold": T, "groups": [{"keep": path, "photos": [{"path","score","width","height","bytes","mtime","identical"}]}], "seconds": s}
 *
 * Groups largest first; in each, the kept photo first (most pixels, then larger file, then oldest),
 * then the others by their likeness to it. Without --threshold, the model card's measured copy
 * scores set it (see main/core/duplicates/threshold.ts). Nothing is moved: the app's Duplicates
 * view does that, to the system trash, with an undo.
 */
import { parseArgs } from 'node:util';
import { DuplicatesError, findDuplicates } from '../../core/duplicates/find-duplicates';
import { Library } from '../../core/library/library';
import { endProgress, formatUsage, printJson, progressLine, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'duplicates --library <dir> [--threshold T] [--model <name|dir>] [--json]',
  summary:
    "Lists groups of copies and near-copies in a library, largest first, the photo to keep first. Nothing\n" +
    "is moved: the app's Duplicates view does that, to the system trash, with an undo.",
  options: [
    ['--library, -l <dir>', 'the library to look in (made by `index`)'],
    ['--threshold, -t <T>', "likeness from which two photos are copies, 0 < T ≤ 1 (default: from the model's\nmeasured copy scores)"],
    ['--model, -m <name|dir>', "the model whose codes to compare (default: the library's)"],
    ['--json', 'last stdout line: {"threshold","groups":[{"keep","photos":[…]}],"seconds"}'],
  ],
  examples: ['npm run -s cli -- duplicates --library ~/.dimsearch --threshold 0.95'],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      library: { type: 'string', short: 'l' },
      threshold: { type: 'string', short: 't' },
      model: { type: 'string', short: 'm' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.library) throw new UsageError('duplicates needs --library <dir>');
  let threshold: number | undefined;
  if (values.threshold !== undefined) {
    threshold = Number(values.threshold);
    if (values.threshold.trim() === '' || !Number.isFinite(threshold) || threshold <= 0 || threshold > 1)
      throw new UsageError(`--threshold must be a number greater than 0 and at most 1, got '${values.threshold}'`);
  }

  const library = await Library.open(values.library, {
    mustExist: true,
    ...(values.model ? { model: values.model } : {}),
    onNotice: (message) => process.stderr.write(`dimsearch: ${message}\n`),
  });
  try {
    let result;
    try {
      result = await findDuplicates(library, threshold, { onProgress: (done, total) => progressLine(`duplicates: ${done}/${total} photos compared`) });
    } catch (error) {
      if (error instanceof DuplicatesError) throw new UsageError(error.message);
      throw error;
    }
    endProgress();
    const groups = result.groups.map((g) => ({
      keep: g.keep,
      photos: g.photos.map(({ path, score, width, height, bytes, mtime, identical }) => ({ path, score, width, height, bytes, mtime, identical })),
    }));
    if (values.json) {
      printJson({ threshold: result.threshold, groups, seconds: Math.round(result.seconds * 1000) / 1000 });
      return;
    }
    const inGroups = groups.reduce((n, g) => n + g.photos.length, 0);
    process.stdout.write(
      `${groups.length} group(s), ${inGroups} photos, at likeness ≥ ${result.threshold} (${result.thresholdSource}); ` +
        `${result.coded} of ${result.photos} photos compared in ${result.seconds.toFixed(2)} s\n`,
    );
    groups.forEach((g, i) => {
      process.stdout.write(`\ngroup ${i + 1} (${g.photos.length} photos)\n`);
      for (const p of g.photos) {
        const what = p.path === g.keep ? 'keep     ' : p.identical ? 'identical' : p.score.toFixed(4).padEnd(9);
        const size = p.width && p.height ? `${p.width}×${p.height}` : '?';
        process.stdout.write(`  ${what}  ${size.padEnd(11)} ${formatBytes(p.bytes).padStart(9)}  ${new Date(p.mtime).toISOString().slice(0, 10)}  ${p.path}\n`);
      }
    });
  } finally {
    await library.close();
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

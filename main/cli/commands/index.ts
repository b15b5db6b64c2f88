/**
 * `dimsearch index <folder> --library <dir> [--model <name|dir>] [--exclude <glob>]... [--json]`
 * Adds the folder to the library and indexes it: only new or changed files are processed, deleted
 * ones are dropped. `--exclude` (repeatable) sets the library's exclusion globs to those given
 * (`--exclude ''` clears them; photos under an excluded folder leave the index); without it the
 * library keeps its own. Progress goes to stderr; with --json the last stdout line is
 * {"indexed": n, "skipped": [{"path", "reason"}], "seconds": s, ...}. Ctrl-C stops cleanly.
 */
import { parseArgs } from 'node:util';
import { cancelOnSignals } from '../cancel';
import { ProgressMeter } from '../../core/jobs/job';
import { Library } from '../../core/library/library';
import { displayPath } from '../../core/file-names';
import { endProgress, formatEta, formatUsage, printJson, progressLine, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'index <folder> --library <dir> [--model <name|dir>] [--exclude <glob>]... [--json]',
  summary:
    'Adds the folder to the library and indexes its photos (found in sub-folders too). Only new or changed\n' +
    'files are read again; deleted ones leave the index. Ctrl-C stops cleanly, keeping what is done.',
  options: [
    ['--library, -l <dir>', 'where the index and thumbnails live (made if new)'],
    ['--model, -m <name|dir>', "the model that encodes the photos; it becomes the library's (default: the library's)"],
    ['--exclude <glob>', "leave out folders matching this pattern, relative to each folder (repeat for more;\n" +
      "replaces the library's patterns; --exclude '' clears them)"],
    ['--json', 'last stdout line: {"indexed","skipped":[{"path","reason"}],"removed","total","exclude",…}'],
  ],
  examples: ["npm run -s cli -- index ~/Pictures --library ~/.dimsearch --exclude '**/@eaDir'"],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      library: { type: 'string', short: 'l' },
      model: { type: 'string', short: 'm' },
      json: { type: 'boolean', default: false },
      exclude: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const folder = positionals[0];
  if (!folder || positionals.length > 1) throw new UsageError('expected one folder to index');
  if (!values.library) throw new UsageError('index needs --library <dir> (where the index and thumbnails live)');

  const library = await Library.open(values.library, {
    ...(values.model ? { model: values.model } : {}),
    onNotice: (message) => process.stderr.write(`dimsearch: ${message}\n`),
  });
  if (values.exclude) library.setExclusions(values.exclude);
  const meter = new ProgressMeter();
  const cancel = cancelOnSignals('stopping: finishing the photos in flight and saving…');
  try {
    const result = await library.indexFolder(folder, {
      signal: cancel.signal,
      report: (phase, done, total) => {
        const p = meter.sample(phase, done, total);
        if (!p) return;
        if (phase === 'scanning') progressLine(`scanning… ${done} photos found`);
        else progressLine(`${phase} ${done}/${total} · ${p.ratePerSecond.toFixed(1)}/s · ${formatEta(p.etaSeconds)} left`);
      },
    });
    endProgress();
    // A model named here becomes the library's: search and duplicates then use it without --model.
    if (values.model && !result.cancelled) library.keepModel();
    const photosPerSecond = result.seconds > 0 ? result.indexed / result.seconds : 0;
    if (values.json) {
      printJson({
        indexed: result.indexed,
        // Paths as a person reads them: U+FFFD for each byte of a name that is not UTF-8.
        skipped: result.skipped.map((s) => ({ path: displayPath(s.path), reason: s.reason })),
        seconds: round(result.seconds, 3),
        unchanged: result.unchanged,
        removed: result.removed,
        total: result.total,
        photosPerSecond: round(photosPerSecond, 1),
        cancelled: result.cancelled,
        model: library.modelId,
        exclude: library.exclusions(),
      });
    } else {
      const out = process.stdout;
      out.write(
        `${result.cancelled ? 'cancelled: ' : ''}indexed ${result.indexed} photos in ${result.seconds.toFixed(1)}s ` +
          `(${photosPerSecond.toFixed(1)} photos/s); ${result.unchanged} unchanged, ${result.removed} removed, ` +
          `${result.total} in this folder now\n`,
      );
      if (result.skipped.length > 0) {
        out.write(`skipped ${result.skipped.length}:\n`);
        for (const s of result.skipped) out.write(`  ${displayPath(s.path)}: ${s.reason}\n`);
      }
    }
    if (result.cancelled) process.exitCode = 130;
  } finally {
    cancel.release();
    await library.close();
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

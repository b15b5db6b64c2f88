/**
 * `dimsearch search <image> --library <dir> [-k 10] [--model <name|dir>] [--json]`
 * The k library photos most similar to an image, best first, with cosine similarity. The image may
 * be a library photo (it comes first, score ≈ 1) or any other image file.
 * With --json the last stdout line is [{"path": p, "score": s}, ...].
 */
import { displayPath } from '../../core/file-names';
import { parseArgs } from 'node:util';
import { Library } from '../../core/library/library';
import { formatUsage, printJson, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'search <image> --library <dir> [-k 10] [--model <name|dir>] [--json]',
  summary:
    'The k library photos most similar to an image, best first, with their cosine similarity (1 = the same code).\n' +
    'The image may be a library photo (it comes first, score ≈ 1) or any other image file.',
  options: [
    ['--library, -l <dir>', 'the library to search (made by `index`)'],
    ['-k <n>', 'how many photos to list, 1–10000 (default 10)'],
    ['--model, -m <name|dir>', "the model whose codes to search (default: the library's)"],
    ['--json', 'print the hits as JSON on the last line: [{"path","score"}]'],
  ],
  examples: ['npm run -s cli -- search ~/Pictures/cat.jpg --library ~/.dimsearch -k 5'],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      library: { type: 'string', short: 'l' },
      k: { type: 'string', short: 'k', default: '10' },
      model: { type: 'string', short: 'm' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const image = positionals[0];
  if (!image || positionals.length > 1) throw new UsageError('expected one image to search from');
  if (!values.library) throw new UsageError('search needs --library <dir>');
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 10_000) throw new UsageError(`-k must be a whole number from 1 to 10000, got '${values.k}'`);

  const library = await Library.open(values.library, {
    mustExist: true,
    ...(values.model ? { model: values.model } : {}),
    onNotice: (message) => process.stderr.write(`dimsearch: ${message}\n`),
  });
  try {
    const hits = await library.searchByPath(image, k);
    if (values.json) {
      printJson(hits.map(({ path, score }) => ({ path: displayPath(path), score: Math.round(score * 1e6) / 1e6 })));
    } else if (hits.length === 0) {
      process.stdout.write(`no photos in the library for model ${library.modelId} yet\n`);
    } else {
      process.stdout.write(' rank  score   path\n');
      hits.forEach((hit, i) => process.stdout.write(`${String(i + 1).padStart(5)}  ${hit.score.toFixed(4)}  ${displayPath(hit.path)}\n`));
    }
  } finally {
    await library.close();
  }
}

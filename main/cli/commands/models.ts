/**
 * `models [--library DIR] [--json]`: every model dimsearch can use — the shipped ones in
 * native-models/ and, with --library, the ones trained in that library — with the default marked.
 * Last stdout line with --json: [{"name","id","inputSize","default","trainedOn","card"}].
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { libraryModelsDir } from '../../core/library/model-catalog';
import { defaultModelName } from '../../ml/default-model';
import { modelFigures, trainedOnOf } from '../../ml/model-card';
import { listModels, nativeModelsDir } from '../../ml/models';
import { formatUsage, printJson, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'models [--library <dir>] [--json]',
  summary: 'Lists every model dimsearch can use — the shipped ones and, with --library, the ones trained in that library — with what each learned from and its measured figures; * marks the default.',
  options: [
    ['--library <dir>', "also list the models trained in this library (its models/ folder)"],
    ['--json', 'last stdout line: [{"name","id","inputSize","default","trainedOn","card"}]'],
  ],
  examples: ['npm run -s cli -- models', 'npm run -s cli -- models --library ~/.dimsearch --json'],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { library: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length > 0) throw new UsageError(`models takes no arguments, got '${positionals.join(' ')}'`);
  if (values.library !== undefined && !existsSync(resolve(values.library))) throw new UsageError(`no library at ${resolve(values.library)}`);
  const fallback = defaultModelName();
  const shipped = await listModels(nativeModelsDir());
  const trained = values.library ? await listModels(libraryModelsDir(resolve(values.library))) : [];
  const models = [...shipped, ...trained].map((m) => ({
    name: m.name,
    id: m.id,
    inputSize: m.inputSize,
    default: shipped.includes(m) && m.name === fallback,
    trainedOn: trainedOnOf(m.card),
    card: m.card,
  }));
  if (values.json) {
    printJson(models);
    return;
  }
  for (const m of models) {
    const figures = modelFigures(m.card)
      .map((f) => `${f.label} ${f.value}`)
      .join(', ');
    process.stdout.write(`${m.default ? '*' : ' '} ${m.name}  ${m.inputSize} px, trained on ${m.trainedOn}${figures ? `; ${figures}` : ''}\n`);
  }
  process.stdout.write('(* the default model)\n');
}

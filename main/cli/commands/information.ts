/**
 * `information <model> <folder> [--samples N] [--steps N] [--estimator infonce|dv|jsd] [--write-card] [--json]`:
 * lower bounds of the global and local I(X; Z) of a model's codes on a seeded random sample of the
 * photos in <folder> (which must be held out from its training). --write-card stores them in the
 * model's card.json as `information`, where the app's Compare view shows them.
 * Last stdout line with --json: {"model","miGlobal","miLocal","estimator","cap","samples",…}.
 */
import { parseArgs } from 'node:util';
import { scanFolder } from '../../core/imaging/scan';
import { isEstimatorName } from '../../ml/dim/estimators';
import { measureInformation, samplePhotos } from '../../ml/information';
import { decodeModelPixels } from '../../core/imaging/decode';
import { loadDimEncoder, resolveModelDir } from '../../ml/models';
import { writeCardInformation } from '../../core/library/information-store';
import { endProgress, formatUsage, printJson, progressLine, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'information <model> <held-out folder> [--samples N] [--steps N] [--estimator infonce|dv|jsd] [--write-card] [--json]',
  summary:
    "How much of a photo a model's codes keep: lower bounds of the global and local mutual information\n" +
    'I(X; Z), in nats, on a seeded sample of the photos in a folder the model never trained on.',
  options: [
    ['--samples <n>', 'photos to sample from the folder, at least 32 (default 1024)'],
    ['--steps <n>', "training steps of the critic that estimates the bound (default: the estimator's own)"],
    ['--estimator <name>', 'infonce, dv or jsd (default infonce)'],
    ['--write-card', "store the figures in the model's card.json, where the Compare view shows them"],
    ['--json', 'last stdout line: {"model","miGlobal","miLocal","estimator","samples",…}'],
  ],
  examples: ['npm run -s cli -- information dim-both ~/Pictures/holiday --samples 256'],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      samples: { type: 'string', default: '1024' },
      steps: { type: 'string' },
      estimator: { type: 'string', default: 'infonce' },
      'write-card': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const [model, folder] = positionals;
  if (!model || !folder) throw new UsageError('expected a model and a folder of photos it did not train on');
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 32) throw new UsageError(`--samples must be an integer ≥ 32, got '${values.samples}'`);
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) throw new UsageError(`--steps must be a positive integer`);
  if (!isEstimatorName(values.estimator!)) throw new UsageError(`--estimator must be infonce, dv or jsd, got '${values.estimator}'`);

  const files = (await scanFolder(folder)).files.map((f) => f.path).sort();
  if (files.length < 32) throw new UsageError(`${folder} has ${files.length} photos; at least 32 are needed`);
  const sample = samplePhotos(files, samples);

  const dir = resolveModelDir(model);
  const { encoder, info } = await loadDimEncoder(dir);
  try {
    const measured = await measureInformation(encoder, sample, {
      decode: decodeModelPixels,
      estimator: values.estimator,
      steps,
      onProgress: (p) => progressLine(`${info.name} ${p.phase}: ${p.done}/${p.total}`),
    });
    endProgress();
    const information = { ...measured, heldOut: `${measured.samples} photos sampled from ${folder}` };
    if (values['write-card']) await writeCardInformation(dir, information);
    const summary = { model: info.name, modelId: info.id, ...information };
    if (values.json) printJson(summary);
    else process.stdout.write(`${info.name}: I(X; Z) ≥ ${measured.miGlobal.toFixed(2)} nats (global), ≥ ${measured.miLocal.toFixed(2)} nats (local), ${measured.estimator} on ${measured.samples} held-out photos\n`);
  } finally {
    encoder.dispose();
  }
}

/**
 * `dimsearch train <folder> --out <dir>`: train a Deep InfoMax encoder on a folder of photos.
 *
 *   --size 32|64  --epochs N  --batch 64  --lr 0.001
 *   --objective both|global|local  --estimator jsd|infonce|dv
 *   --augmentation photo|pad-crop|none (two augmented views, or 'none': REFERENCE's one-view recipe;
 *     --augment is the older spelling of pad-crop)
 *   --from MODEL (start from a model's encoder, continuing with its recipe; critics start fresh)
 *   --initial-share S (with --from: the starting model's share of the saved weights, default 0.5)
 *   --limit N (photos)  --seed N  --name NAME  --checkpoint DIR  --resume  --keep-checkpoint
 *   --save-on-cancel (a Ctrl-C also writes the model from the current weights)
 *   --minutes M (train for M minutes from the first step, then write the model: a time budget, as
 *     the PyTorch peer's --minutes, for same-minutes comparisons)
 *   --json (last stdout line: {"model","epochs","imagesPerSecond","backend",...})
 *
 * Ctrl-C stops between steps and checkpoints; `--resume` continues that run. Unset options come
 * from the shared defaults (ml/dim/train-defaults.ts, the app's Train view uses the same), or with
 * --from from that model's own recipe.
 */
import { parseArgs } from 'node:util';
import { cancelOnSignals } from '../cancel';
import { endProgress, formatEta, formatUsage, printJson, progressLine, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'train <folder> --out <dir> [--from <model>] [--size 32|64] [--epochs N] [options] [--json]',
  summary:
    'Trains a Deep InfoMax encoder on a folder of photos and writes it as a model directory. Ctrl-C stops\n' +
    'between steps and checkpoints; --resume continues that run. Options left out come from the shared\n' +
    "defaults (the app's Train view uses the same), or with --from from that model's own recipe.",
  options: [
    ['--out <dir>', 'the model directory to write (required)'],
    ['--from <model>', "start from a model's encoder and continue with its recipe (critics start fresh)"],
    ['--initial-share <s>', "with --from: the starting model's share of the saved weights, 0–1 (default 0.5;\n0 keeps this run's weights alone)"],
    ['--size 32|64', "the model's input size in pixels"],
    ['--epochs <n>', 'passes over the photos'],
    ['--batch <n>', 'photos per step'],
    ['--lr <x>', 'learning rate'],
    ['--objective <name>', 'both, global or local: which mutual information the encoder maximises'],
    ['--estimator <name>', 'jsd, infonce or dv: how that mutual information is estimated'],
    ['--augmentation <name>', "photo or pad-crop (two augmented views per photo), or none (one view);\n--augment is the older spelling of pad-crop"],
    ['--limit <n>', 'train on at most this many photos'],
    ['--seed <n>', 'the seed of the weights, the order and the augmentations'],
    ['--name <name>', "the model's name (default: the --out folder's)"],
    ['--checkpoint <dir>', 'where checkpoints go (default: <out>.checkpoint)'],
    ['--resume', 'continue the checkpointed run'],
    ['--keep-checkpoint', 'keep the checkpoint once the model is written'],
    ['--save-on-cancel', 'a Ctrl-C also writes the model from the current weights'],
    ['--minutes <m>', 'train for this many minutes from the first step, then write the model'],
    ['--json', 'last stdout line: {"model","epochs","imagesPerSecond","backend",…}'],
  ],
  examples: ['npm run -s cli -- train ~/Pictures --out ~/models/my-photos --from dim-both --epochs 2'],
});
import { train, type TrainProgress } from '../../ml/dim/trainer';
import { isEstimatorName, type EstimatorName } from '../../ml/dim/estimators';
import { objectiveNames, type ObjectiveName } from '../../ml/dim/objective';
import { augmentationNames, recipeOptions, recipeToContinue, trainingDefaults, withOverrides, type AugmentationName } from '../../ml/dim/train-defaults';
import { readModelInfo, resolveModelDir } from '../../ml/models';
import { trainedOnOf } from '../../ml/model-card';
import { resolve } from 'node:path';
import { folderPhotoSource } from '../../core/training/photo-sources';

function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

function describe(p: TrainProgress): string {
  if (p.phase === 'training') {
    const t = p.terms;
    const f = (k: string) => (t[k] === undefined ? '' : ` ${k} ${t[k].toFixed(3)}`);
    return `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}${f('loss')}${f('global')}${f('local')}${f('kl')}${f('miGlobal')}${f('miLocal')} · ${p.imagesPerSecond.toFixed(1)} img/s · ${formatEta(p.etaSeconds)} left`;
  }
  if (p.phase === 'decoding') return `decoding ${p.done}/${p.total} · ${p.imagesPerSecond.toFixed(0)} img/s · ${formatEta(p.etaSeconds)} left`;
  return `${p.phase}${p.message ? `: ${p.message}` : ''}`;
}

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      size: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      objective: { type: 'string' },
      estimator: { type: 'string' },
      augment: { type: 'boolean', default: false },
      augmentation: { type: 'string' },
      from: { type: 'string' },
      'initial-share': { type: 'string' },
      limit: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      checkpoint: { type: 'string' },
      resume: { type: 'boolean', default: false },
      'keep-checkpoint': { type: 'boolean', default: false },
      'save-on-cancel': { type: 'boolean', default: false },
      minutes: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const folder = positionals[0];
  if (!folder)
    throw new UsageError('expected the folder of photos to train on');
  if (!values.out) throw new UsageError('--out <dir> is required (the model directory to write)');
  const size = intOption(values.size, 'size', 8);
  if (size !== undefined && size !== 32 && size !== 64) throw new UsageError(`--size must be 32 or 64, got ${size}`);
  if (values.objective !== undefined && !objectiveNames.includes(values.objective as ObjectiveName))
    throw new UsageError(`--objective must be one of ${objectiveNames.join(', ')}, got '${values.objective}'`);
  if (values.estimator !== undefined && !isEstimatorName(values.estimator)) throw new UsageError(`--estimator must be jsd, infonce or dv, got '${values.estimator}'`);
  const lr = values.lr === undefined ? undefined : Number(values.lr);
  if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr must be a positive number, got '${values.lr}'`);
  const augmentation = values.augmentation ?? (values.augment ? 'pad-crop' : undefined);
  if (augmentation !== undefined && augmentation !== 'none' && !augmentationNames.includes(augmentation as AugmentationName))
    throw new UsageError(`--augmentation must be photo, pad-crop or none, got '${augmentation}'`);
  if (values.augment && values.augmentation !== undefined && values.augmentation !== 'pad-crop')
    throw new UsageError(`--augment means --augmentation pad-crop; it contradicts --augmentation ${values.augmentation}`);

  const initialShare = values['initial-share'] === undefined ? undefined : Number(values['initial-share']);
  if (initialShare !== undefined && !(initialShare >= 0 && initialShare <= 1)) throw new UsageError(`--initial-share must be a number within 0–1, got '${values['initial-share']}'`);
  if (initialShare !== undefined && values.from === undefined) throw new UsageError('--initial-share needs --from (the model whose weights it keeps a share of)');

  // Explicit options win over the starting model's recipe, which wins over the shared defaults.
  let base = trainingDefaults;
  let from: string | undefined;
  let fromCard: Record<string, unknown> | undefined;
  if (values.from !== undefined) {
    from = resolveModelDir(values.from);
    const model = await readModelInfo(from).catch((error: Error) => {
      throw new UsageError(`--from: ${error.message}`);
    });
    if (size !== undefined && size !== model.inputSize) throw new UsageError(`--size ${size} differs from ${model.name}'s input size ${model.inputSize} (a model continues at its own size)`);
    base = recipeToContinue(model.card, model.inputSize);
    fromCard = model.card;
  }
  const recipe = withOverrides(base, {
    inputSize: size,
    epochs: intOption(values.epochs, 'epochs', 1),
    batchSize: intOption(values.batch, 'batch', 2),
    learningRate: lr,
    objective: values.objective as ObjectiveName | undefined,
    estimator: values.estimator as EstimatorName | undefined,
    initialWeightShare: initialShare,
    ...(augmentation && augmentation !== 'none' ? { augmentation: augmentation as AugmentationName } : {}),
  });
  // A model's own recipe keeps its source size; another input size keeps the trainer's 1.25 × rule.
  if (recipe.inputSize !== base.inputSize) recipe.sourceSize = null;

  const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
  if (minutes !== undefined && !(minutes > 0)) throw new UsageError(`--minutes must be a positive number, got '${values.minutes}'`);

  const cancel = cancelOnSignals('stopping after this step (the run is checkpointed; --resume continues it)');
  // The time budget counts from the first training step (after the photos are decoded), as the peer's does.
  const budget = new AbortController();
  let budgetTimer: NodeJS.Timeout | undefined;
  let last = 0;
  try {
    const result = await train({
      photos: folderPhotoSource(folder),
      out: values.out,
      name: values.name,
      ...recipeOptions(recipe),
      // 'none': REFERENCE's one-view recipe (the paper's comparison), never the default.
      ...(augmentation === 'none' ? { augment: false, augmentation: 'none' as const } : {}),
      ...(from ? { initialModel: from, card: { trainedOn: `${trainedOnOf(fromCard!)}, then photos in ${resolve(folder)}` } } : {}),
      limit: intOption(values.limit, 'limit', 2),
      seed: intOption(values.seed, 'seed', 0),
      checkpointDir: values.checkpoint,
      resume: values.resume,
      keepCheckpoint: values['keep-checkpoint'],
      saveModelOnStop: values['save-on-cancel'] || minutes !== undefined,
      signal: AbortSignal.any([cancel.signal, budget.signal]),
      onProgress: (p) => {
        if (minutes !== undefined && p.phase === 'training' && !budgetTimer) budgetTimer = setTimeout(() => budget.abort(), minutes * 60_000);
        const now = Date.now();
        if (p.phase === 'training' && now - last < 500 && p.step !== p.stepsPerEpoch) return;
        last = now;
        progressLine(describe(p));
      },
    });
    endProgress();
    for (const s of result.skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
    const summary = {
      model: result.model,
      epochs: result.epochs,
      imagesPerSecond: Math.round(result.imagesPerSecond * 10) / 10,
      backend: result.backend,
      status: result.status,
      modelId: result.modelId,
      images: result.images,
      skipped: result.skipped.length,
      checkpoint: result.checkpoint,
      seconds: Math.round(result.seconds * 10) / 10,
      ...(minutes !== undefined ? { minutes, budgetReached: budget.signal.aborted } : {}),
    };
    if (values.json) printJson(summary);
    else
      process.stdout.write(
        result.status === 'done' || budget.signal.aborted
          ? `trained ${result.model} (${result.modelId}): ${result.epochs} epochs on ${result.images} photos, ${summary.imagesPerSecond} img/s on ${result.backend}\n`
          : `${result.status} after ${result.epochs} epochs; resume with --resume (checkpoint ${result.checkpoint})\n`,
      );
  } finally {
    clearTimeout(budgetTimer);
    cancel.release();
  }
}

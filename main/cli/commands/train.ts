/**
 * `dimsearch train <folder> --out <dir>`: train a Deep InfoMax encoder on a folder of photos.
 *
 *   --size 32|64  --epochs N  --batch 64  --lr 0.001
 *   --objective both|global|local  --estimator jsd|infonce|dv  --augment (two views)
 *   --limit N (photos)  --seed N  --name NAME  --checkpoint DIR  --resume  --keep-checkpoint
 *   --save-on-cancel (a Ctrl-C also writes the model from the current weights)
 *   --json (last stdout line: {"model","epochs","imagesPerSecond","backend",...})
 *
 * Ctrl-C stops between steps and checkpoints; `--resume` continues that run.
 */
import { parseArgs } from 'node:util';
import { cancelOnSignals } from '../cancel';
import { endProgress, formatEta, printJson, progressLine, UsageError } from '../output';
import { train, type TrainProgress } from '../../ml/dim/trainer';
import { isEstimatorName } from '../../ml/dim/estimators';
import { objectiveNames, type ObjectiveName } from '../../ml/dim/objective';

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
      limit: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      checkpoint: { type: 'string' },
      resume: { type: 'boolean', default: false },
      'keep-checkpoint': { type: 'boolean', default: false },
      'save-on-cancel': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const folder = positionals[0];
  if (!folder) throw new UsageError('usage: train <folder> --out <dir> [--size 32] [--epochs N] [--objective both|global|local] [--estimator jsd|infonce|dv] [--json]');
  if (!values.out) throw new UsageError('--out <dir> is required (the model directory to write)');
  const size = intOption(values.size, 'size', 8);
  if (size !== undefined && size !== 32 && size !== 64) throw new UsageError(`--size must be 32 or 64, got ${size}`);
  if (values.objective !== undefined && !objectiveNames.includes(values.objective as ObjectiveName))
    throw new UsageError(`--objective must be one of ${objectiveNames.join(', ')}, got '${values.objective}'`);
  if (values.estimator !== undefined && !isEstimatorName(values.estimator)) throw new UsageError(`--estimator must be jsd, infonce or dv, got '${values.estimator}'`);
  const lr = values.lr === undefined ? undefined : Number(values.lr);
  if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr must be a positive number, got '${values.lr}'`);

  const cancel = cancelOnSignals('stopping after this step (the run is checkpointed; --resume continues it)');
  let last = 0;
  try {
    const result = await train({
      folder,
      out: values.out,
      name: values.name,
      inputSize: size,
      epochs: intOption(values.epochs, 'epochs', 1),
      batchSize: intOption(values.batch, 'batch', 2),
      learningRate: lr,
      objective: values.objective as ObjectiveName | undefined,
      estimator: values.estimator as 'jsd' | 'infonce' | 'dv' | undefined,
      augment: values.augment,
      limit: intOption(values.limit, 'limit', 2),
      seed: intOption(values.seed, 'seed', 0),
      checkpointDir: values.checkpoint,
      resume: values.resume,
      keepCheckpoint: values['keep-checkpoint'],
      saveModelOnStop: values['save-on-cancel'],
      signal: cancel.signal,
      onProgress: (p) => {
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
    };
    if (values.json) printJson(summary);
    else
      process.stdout.write(
        result.status === 'done'
          ? `trained ${result.model} (${result.modelId}): ${result.epochs} epochs on ${result.images} photos, ${summary.imagesPerSecond} img/s on ${result.backend}\n`
          : `${result.status} after ${result.epochs} epochs; resume with --resume (checkpoint ${result.checkpoint})\n`,
      );
  } finally {
    cancel.release();
  }
}

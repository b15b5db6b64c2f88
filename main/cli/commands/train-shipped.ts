/**
 * `npm run train:shipped -- <dim-both|dim-global|dim-local> [--fresh] [--json]`: reproduce a shipped
 * encoder (main/ml/shipped): extract CIFAR-10, train with the model's recipe, evaluate beside the
 * baselines, publish into native-models/<name>. Ctrl-C checkpoints; the same command resumes.
 * Photo encoders (dim-photo-*) train on mini-ImageNet across sittings (`--minutes M` per sitting,
 * resumed from training/<name>.checkpoint); `--publish` measures the latest and publishes it.
 * Last stdout line with --json: {"status","name","model","trainingSeconds","knn20",…}.
 */
import { parseArgs } from 'node:util';
import { cancelOnSignals } from '../cancel';
import { shippedRecipes } from '../../ml/shipped/recipes';
import { trainShipped } from '../../ml/shipped/train-shipped';
import { folderPhotoSource } from '../../core/training/photo-sources';
import { photoRecipes } from '../../ml/shipped/photo-recipes';
import { trainPhoto } from '../../ml/shipped/train-photo';
import { publishPhoto } from '../../ml/shipped/publish-photo';
import { decodeModelPixels } from '../../core/imaging/decode';
import type { TrainProgress } from '../../ml/dim/trainer';
import { endProgress, formatEta, formatUsage, printJson, progressLine, UsageError } from '../output';

const recipeNames = [...shippedRecipes, ...photoRecipes].map((r) => r.name);

export const usage = formatUsage({
  synopsis: `train-shipped <${recipeNames.join('|')}> [--fresh] [--checkpoint-every S] [--minutes M] [--epochs N] [--publish] [--json]`,
  summary:
    'Reproduces a shipped encoder and publishes it into native-models/<name>. The CIFAR-10 encoders\n' +
    '(dim-both, dim-global, dim-local) train with their recipe, are evaluated beside the baselines and\n' +
    'published in one run. The photo encoders (dim-photo-*) train on mini-ImageNet across sittings,\n' +
    'resumed from training/<name>.checkpoint; --publish measures the latest and publishes it.\n' +
    'Ctrl-C checkpoints; the same command resumes.',
  options: [
    ['--fresh', 'start over instead of resuming the checkpointed run (CIFAR-10 encoders)'],
    ['--checkpoint-every <s>', 'seconds between checkpoints'],
    ['--minutes <m>', 'length of this sitting (photo encoders)'],
    ['--epochs <n>', 'train up to this many epochs in all (photo encoders)'],
    ['--publish', 'measure the latest checkpoint and publish it (photo encoders)'],
    ['--json', 'last stdout line: {"status","name","model","trainingSeconds","knn20",…}'],
  ],
  examples: ['npm run train:shipped -- dim-photo-both --minutes 60'],
});

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      fresh: { type: 'boolean', default: false },
      'checkpoint-every': { type: 'string' },
      minutes: { type: 'string' },
      epochs: { type: 'string' },
      publish: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const name = positionals[0];
  if (!name) throw new UsageError(`expected the encoder to train: ${recipeNames.join(', ')}`);
  if (!recipeNames.includes(name)) throw new UsageError(`no shipped encoder named '${name}' (${recipeNames.join(', ')})`);
  const every = values['checkpoint-every'] === undefined ? undefined : Number(values['checkpoint-every']);
  if (every !== undefined && !(every > 0)) throw new UsageError(`--checkpoint-every must be a positive number of seconds`);

  const cancel = cancelOnSignals('stopping after this step; the run is checkpointed and the same command resumes it');
  let last = 0;
  const throttled = (line: string, force = false) => {
    const now = Date.now();
    if (!force && now - last < 1000) return;
    last = now;
    progressLine(line);
  };
  const onTrainProgress = (p: TrainProgress) => {
    if (p.phase === 'training') {
      const t = p.terms;
      const f = (k: string) => (t[k] === undefined ? '' : ` ${k} ${t[k].toFixed(3)}`);
      throttled(`${name} epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}${f('loss')}${f('miGlobal')}${f('miLocal')} · ${p.imagesPerSecond.toFixed(1)} img/s · ${formatEta(p.etaSeconds)} left`, p.step === p.stepsPerEpoch);
    } else if (p.phase === 'decoding') {
      throttled(`${name} decoding ${p.done}/${p.total} · ${p.imagesPerSecond.toFixed(0)} img/s · ${formatEta(p.etaSeconds)} left`, p.done === p.total);
    } else {
      throttled(`${name} ${p.phase}${p.message ? `: ${p.message}` : ''}`, true);
    }
  };
  const log = (line: string) => {
    endProgress();
    process.stderr.write(`${line}\n`);
  };
  if (photoRecipes.some((r) => r.name === name)) {
    const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
    if (minutes !== undefined && !(minutes > 0)) throw new UsageError('--minutes must be a positive number');
    const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
    if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) throw new UsageError('--epochs must be a positive integer');
    if (values.publish) {
      try {
        const result = await publishPhoto(name, {
          openFolder: folderPhotoSource,
          decode: decodeModelPixels,
          signal: cancel.signal,
          log,
          onEvalProgress: (label, p) => throttled(`eval ${label} ${p.phase}: ${p.done}/${p.total} · ${formatEta(p.etaSeconds)} left`, p.done === p.total),
        });
        endProgress();
        const summary = { status: 'published', name, model: result.model, ...result.figures.model, pixelsKnn20: result.figures.pixels.knn20, pixelsPrecisionAt10: result.figures.pixels.precisionAt10, randomKnn20: result.figures.random.knn20, copiesTop1: result.copies.top1, copiesTop10: result.copies.top10 };
        if (values.json) printJson(summary);
        else process.stdout.write(`${name}: published ${result.model} · kNN@20 ${result.figures.model.knn20} % (pixels ${result.figures.pixels.knn20} %, random ${result.figures.random.knn20} %)\n`);
      } finally {
        cancel.release();
      }
      return;
    }
    try {
      const result = await trainPhoto(name, { openFolder: folderPhotoSource, minutes, epochs, checkpointEverySeconds: every, signal: cancel.signal, log, onProgress: onTrainProgress });
      endProgress();
      const summary = { status: result.status, name, model: result.model, epochs: result.epochs, steps: result.steps, checkpoint: result.checkpoint, imagesPerSecond: Math.round(result.imagesPerSecond * 10) / 10, backend: result.backend, trainingSeconds: Math.round(result.seconds) };
      if (values.json) printJson(summary);
      else process.stdout.write(`${name}: ${result.status} after ${result.steps} steps (${result.epochs} epochs done); checkpoint ${result.checkpoint}\n`);
    } finally {
      cancel.release();
    }
    return;
  }
  try {
    const result = await trainShipped(name, {
      openFolder: folderPhotoSource,
      decode: decodeModelPixels,
      fresh: values.fresh,
      checkpointEverySeconds: every,
      signal: cancel.signal,
      log: (line) => {
        endProgress();
        process.stderr.write(`${line}\n`);
      },
      onTrainProgress: (p) => {
        if (p.phase === 'training') {
          const t = p.terms;
          const f = (k: string) => (t[k] === undefined ? '' : ` ${k} ${t[k].toFixed(3)}`);
          throttled(`${name} epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}${f('loss')}${f('miGlobal')}${f('miLocal')} · ${p.imagesPerSecond.toFixed(1)} img/s · ${formatEta(p.etaSeconds)} left`, p.step === p.stepsPerEpoch);
        } else if (p.phase === 'decoding') {
          throttled(`${name} decoding ${p.done}/${p.total} · ${p.imagesPerSecond.toFixed(0)} img/s · ${formatEta(p.etaSeconds)} left`, p.done === p.total);
        } else {
          throttled(`${name} ${p.phase}${p.message ? `: ${p.message}` : ''}`, true);
        }
      },
      onEvalProgress: (label, p) => throttled(`eval ${label} ${p.phase}: ${p.done}/${p.total} · ${formatEta(p.etaSeconds)} left`, p.done === p.total),
    });
    endProgress();
    const summary = {
      status: result.status,
      name: result.name,
      model: result.model,
      trainingSeconds: Math.round(result.trainingSeconds),
      ...(result.figures ? { ...result.figures.model, pixelsKnn20: result.figures.pixels.knn20, randomKnn20: result.figures.random.knn20 } : {}),
    };
    if (values.json) printJson(summary);
    else
      process.stdout.write(
        result.figures
          ? `${name}: published ${result.model} · kNN@20 ${result.figures.model.knn20} % (pixels ${result.figures.pixels.knn20} %, random ${result.figures.random.knn20} %)\n`
          : `${name}: paused; run the same command to resume\n`,
      );
  } finally {
    cancel.release();
  }
}

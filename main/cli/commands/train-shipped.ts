/**
 * `npm run train:shipped -- <dim-both|dim-global|dim-local> [--fresh] [--json]`: reproduce a shipped
 * encoder (main/ml/shipped): extract CIFAR-10, train with the model's recipe, evaluate beside the
 * baselines, publish into native-models/<name>. Ctrl-C checkpoints; the same command resumes.
 * Last stdout line with --json: {"status","name","model","trainingSeconds","knn20",…}.
 */
import { parseArgs } from 'node:util';
import { cancelOnSignals } from '../cancel';
import { shippedRecipes } from '../../ml/shipped/recipes';
import { trainShipped } from '../../ml/shipped/train-shipped';
import { endProgress, formatEta, printJson, progressLine, UsageError } from '../output';

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      fresh: { type: 'boolean', default: false },
      'checkpoint-every': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const names = shippedRecipes.map((r) => r.name);
  const name = positionals[0];
  if (!name || !names.includes(name)) throw new UsageError(`usage: train:shipped -- <${names.join('|')}> [--fresh] [--checkpoint-every SECONDS] [--json]`);
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
  try {
    const result = await trainShipped(name, {
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

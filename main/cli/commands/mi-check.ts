/**
 * `mi-check`: the standard correctness check of the MI estimators — train a critic on correlated
 * Gaussians (X, Y ∈ R^d, corr(X_i, Y_i) = ρ) and compare its estimate on fresh samples with the
 * true I(X; Y) = −(d/2)·log(1−ρ²).
 *
 *   npm run -s cli -- mi-check --dim 20 --rho 0.5 --estimator dv --json
 *   → {"trueMI": 2.877, "estimate": …, "estimator": "dv", "steps": …, …}
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../../ml/backend';
import { isEstimatorName } from '../../ml/dim/estimators';
import { correlatedGaussianSampler, gaussianTrueMI } from '../../ml/mi/gaussian';
import { estimateMutualInformation } from '../../ml/mi/mine';
import { endProgress, formatEta, formatUsage, printJson, progressLine, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'mi-check [--dim 20] [--rho 0.5] [--estimator dv|jsd|infonce] [options] [--json]',
  summary:
    'The correctness check of the mutual information estimators: trains a critic on correlated Gaussians\n' +
    'and compares its estimate with the true I(X; Y) = −(d/2)·log(1−ρ²).',
  options: [
    ['--dim <d>', 'dimensions of X and Y (default 20)'],
    ['--rho <ρ>', 'correlation of each X_i with Y_i, strictly between −1 and 1 (default 0.5)'],
    ['--estimator <name>', 'dv, jsd or infonce (default dv)'],
    ['--steps <n>', 'training steps of the critic'],
    ['--batch <n>', 'samples per step'],
    ['--lr <x>', "the critic's learning rate"],
    ['--hidden <n>', "the critic's hidden units"],
    ['--eval-batch <n>', 'fresh samples the estimate is taken on'],
    ['--seed <n>', 'seed of the samples and the critic (default 0)'],
    ['--json', 'last stdout line: {"trueMI","estimate","estimator","steps",…}'],
  ],
  examples: ['npm run -s cli -- mi-check --dim 20 --rho 0.5 --estimator dv --json'],
});

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dim: { type: 'string', default: '20' },
      rho: { type: 'string', default: '0.5' },
      estimator: { type: 'string', default: 'dv' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      hidden: { type: 'string' },
      'eval-batch': { type: 'string' },
      seed: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const estimator = values.estimator!;
  if (!isEstimatorName(estimator)) throw new UsageError(`--estimator must be dv, jsd or infonce, got '${estimator}'`);
  const dim = integer('--dim', values.dim!);
  const rho = Number(values.rho);
  if (!(rho > -1 && rho < 1)) throw new UsageError(`--rho must lie strictly between -1 and 1, got '${values.rho}'`);
  const seed = integer('--seed', values.seed!, 0);

  const backend = await initBackend();
  const trueMI = gaussianTrueMI(dim, rho);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('cancelled'));
  process.once('SIGINT', onSignal);
  try {
    const result = await estimateMutualInformation(
      correlatedGaussianSampler(dim, rho, seed + 1),
      { dx: dim, dy: dim },
      {
        estimator,
        steps: values.steps === undefined ? undefined : integer('--steps', values.steps),
        batch: values.batch === undefined ? undefined : integer('--batch', values.batch, 2),
        learningRate: values.lr === undefined ? undefined : positive('--lr', values.lr),
        hidden: values.hidden === undefined ? undefined : integer('--hidden', values.hidden),
        evalBatch: values['eval-batch'] === undefined ? undefined : integer('--eval-batch', values['eval-batch'], 2),
        seed,
        signal: controller.signal,
        onProgress: (p) =>
          progressLine(
            `mi-check ${estimator}: step ${p.step}/${p.steps}, bound ${p.bound.toFixed(3)} (true ${trueMI.toFixed(3)}), ` +
              `${p.stepsPerSecond.toFixed(1)} steps/s, ${formatEta(p.etaSeconds)} left`,
          ),
      },
    );
    endProgress();
    const summary = {
      trueMI,
      estimate: result.estimate,
      estimator,
      steps: result.steps,
      error: result.estimate - trueMI,
      evalStd: result.evalStd,
      batch: result.batch,
      evalBatch: result.evalBatch,
      cap: result.cap,
      dim,
      rho,
      seconds: result.trainSeconds,
      backend,
    };
    if (values.json) printJson(summary);
    else
      process.stdout.write(
        `${estimator}: estimate ${result.estimate.toFixed(3)} ± ${result.evalStd.toFixed(3)} nats, true ${trueMI.toFixed(3)} ` +
          `(d=${dim}, ρ=${rho}; ${result.steps} steps of ${result.batch}, ${result.trainSeconds.toFixed(0)} s on ${backend})` +
          `${result.cap === null ? '' : `; InfoNCE cap log(${result.evalBatch}) = ${result.cap.toFixed(3)}`}\n`,
      );
  } finally {
    process.off('SIGINT', onSignal);
  }
}

function integer(flag: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!(value > 0)) throw new UsageError(`${flag} must be a positive number, got '${text}'`);
  return value;
}

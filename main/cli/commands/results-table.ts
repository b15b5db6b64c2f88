/**
 * `npm run -s cli -- results-table`: the README's results table, from the evaluation figures the
 * harness wrote onto each shipped model's card (`npm run train:shipped -- <name>` measures them).
 * Prints Markdown; with --json the last line is the rows as JSON.
 */
import { parseArgs } from 'node:util';
import { listModels } from '../../ml/models';
import { printJson } from '../output';

interface Figures {
  knn1: number;
  knn20: number;
  knn200: number;
  precisionAt10: number;
}

interface Row extends Figures {
  model: string;
  trainingMinutes: number | null;
  backend: string | null;
}

function duration(minutes: number | null): string {
  if (minutes === null) return '–';
  return minutes >= 90 ? `${(minutes / 60).toFixed(1)} h` : `${Math.round(minutes)} min`;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const rows: Row[] = [];
  let baselines: { pixels?: Figures; random?: Figures } = {};
  for (const info of await listModels()) {
    const evaluation = info.card.evaluation as { model?: Figures; pixels?: Figures; random?: Figures; subset?: unknown } | undefined;
    if (!evaluation?.model || !evaluation.subset) continue; // not measured by train:shipped's protocol
    const seconds = Number(info.card.trainingSeconds);
    rows.push({ model: info.name, ...pick(evaluation.model), trainingMinutes: Number.isFinite(seconds) ? seconds / 60 : null, backend: String(info.card.backend ?? '') || null });
    baselines = { pixels: evaluation.pixels ?? baselines.pixels, random: evaluation.random ?? baselines.random };
  }
  if (baselines.pixels) rows.push({ model: 'pixels (baseline)', ...pick(baselines.pixels), trainingMinutes: null, backend: null });
  if (baselines.random) rows.push({ model: 'random init (baseline)', ...pick(baselines.random), trainingMinutes: null, backend: null });
  const pct = (x: number) => x.toFixed(1);
  const lines = [
    '| model | kNN@1 | kNN@20 | kNN@200 | precision@10 | training time |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.model} | ${pct(r.knn1)} | ${pct(r.knn20)} | ${pct(r.knn200)} | ${pct(r.precisionAt10)} | ${r.backend ? `${duration(r.trainingMinutes)} (${r.backend})` : '–'} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.json) printJson(rows);
}

function pick(f: Figures): Figures {
  return { knn1: f.knn1, knn20: f.knn20, knn200: f.knn200, precisionAt10: f.precisionAt10 };
}

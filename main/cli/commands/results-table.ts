/**
 * `npm run -s cli -- results-table`: the README's results table, from the evaluation figures the
 * harness wrote onto each shipped model's card (`npm run train:shipped -- <name>` measures them; photo
 * models with `--publish`): CIFAR-10 rows, then mini-ImageNet rows, each with pixels and random
 * baselines at every input size used. Prints Markdown; with --json the last line is the rows as JSON.
 */
import { parseArgs } from 'node:util';
import { listModels } from '../../ml/models';
import { formatUsage, printJson } from '../output';

export const usage = formatUsage({
  synopsis: 'results-table [--json]',
  summary: "Prints the README's results table (Markdown) from the evaluation figures on each shipped model's card.",
  options: [['--json', 'also print the rows as JSON on the last line']],
  examples: ['npm run -s cli -- results-table'],
});

interface Figures {
  knn1: number;
  knn20: number;
  knn200: number;
  precisionAt10: number;
}

interface Row extends Figures {
  /** The benchmark: CIFAR-10 (train bank, test queries) or mini-ImageNet (train bank, val queries). */
  dataset: string;
  model: string;
  inputSize: number | null;
  trainingMinutes: number | null;
  backend: string | null;
}

interface Evaluation {
  dataset?: string;
  model?: Figures;
  pixels?: Figures;
  random?: Figures;
  subset?: unknown;
}

function duration(minutes: number | null): string {
  if (minutes === null) return '–';
  return minutes >= 90 ? `${(minutes / 60).toFixed(1)} h` : `${Math.round(minutes)} min`;
}

/** The card's evaluations by train:shipped's protocol: `evaluation` (CIFAR-10) and `evaluation<Dataset>` fields naming theirs. */
function evaluationsOf(card: Record<string, unknown>): { dataset: string; evaluation: Evaluation }[] {
  return Object.entries(card)
    .filter(([key, value]) => key.startsWith('evaluation') && value && typeof value === 'object')
    .map(([key, value]) => ({ dataset: (value as Evaluation).dataset ?? (key === 'evaluation' ? 'CIFAR-10' : key.slice('evaluation'.length)), evaluation: value as Evaluation }))
    .filter(({ evaluation }) => evaluation.model && evaluation.subset); // measured by the publishing protocol
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const byDataset = new Map<string, { rows: Row[]; baselines: Map<number, { pixels?: Figures; random?: Figures }> }>();
  for (const info of await listModels()) {
    const seconds = Number(info.card.trainingSeconds);
    const inputSize = Number(info.card.inputSize) || null;
    for (const { dataset, evaluation } of evaluationsOf(info.card)) {
      const entry = byDataset.get(dataset) ?? { rows: [] as Row[], baselines: new Map<number, { pixels?: Figures; random?: Figures }>() };
      byDataset.set(dataset, entry);
      entry.rows.push({ dataset, model: info.name, inputSize, ...pick(evaluation.model!), trainingMinutes: Number.isFinite(seconds) ? seconds / 60 : null, backend: String(info.card.backend ?? '') || null });
      // Baselines at each input size a model of this dataset uses (pixels and an untrained encoder of that size).
      const known = entry.baselines.get(inputSize ?? 0) ?? {};
      entry.baselines.set(inputSize ?? 0, { pixels: evaluation.pixels ?? known.pixels, random: evaluation.random ?? known.random });
    }
  }
  const rows: Row[] = [];
  for (const [dataset, entry] of [...byDataset].sort(([a], [b]) => (a === 'CIFAR-10' ? -1 : b === 'CIFAR-10' ? 1 : a.localeCompare(b)))) {
    rows.push(...entry.rows);
    for (const [size, { pixels, random }] of [...entry.baselines].sort(([a], [b]) => a - b)) {
      const at = size ? ` ${size} px` : '';
      if (pixels) rows.push({ dataset, model: `pixels${at} (baseline)`, inputSize: size || null, ...pick(pixels), trainingMinutes: null, backend: null });
      if (random) rows.push({ dataset, model: `random init${at} (baseline)`, inputSize: size || null, ...pick(random), trainingMinutes: null, backend: null });
    }
  }
  const pct = (x: number) => x.toFixed(1);
  const lines = [
    '| benchmark | model | kNN@1 | kNN@20 | kNN@200 | precision@10 | training time |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.dataset} | ${r.model} | ${pct(r.knn1)} | ${pct(r.knn20)} | ${pct(r.knn200)} | ${pct(r.precisionAt10)} | ${r.backend ? `${duration(r.trainingMinutes)} (${r.backend})` : '–'} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.json) printJson(rows);
}

function pick(f: Figures): Figures {
  return { knn1: f.knn1, knn20: f.knn20, knn200: f.knn200, precisionAt10: f.precisionAt10 };
}

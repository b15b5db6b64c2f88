/**
 * Training curves: every loss term and MI bound per step, and the mean per epoch, kept while a run
 * goes and saved beside the model's card.json as curves.json.
 *
 * A long run has hundreds of thousands of steps; a chart needs a few thousand points. The recorder
 * keeps every `stride`-th step and doubles the stride whenever it holds twice its budget, so memory
 * stays bounded, points stay evenly spaced, and the latest step is always there.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CurvePoint, TrainingCurves } from '../../api/contract';
import { writeFileAtomic } from '../../ml/models';

export const CURVES_FILE = 'curves.json';
const CURVES_FORMAT = 'dimsearch-training-curves';

export class CurveRecorder {
  private points: CurvePoint[] = [];
  private latest: CurvePoint | null = null;
  private stride = 1;

  constructor(private readonly budget = 2000) {}

  push(point: CurvePoint): void {
    this.latest = point;
    if (point.globalStep % this.stride !== 0) return;
    this.points.push(point);
    if (this.points.length > 2 * this.budget) {
      this.stride *= 2;
      this.points = this.points.filter((p) => p.globalStep % this.stride === 0);
    }
  }

  /** The kept points, the latest step included. */
  steps(): CurvePoint[] {
    const last = this.points[this.points.length - 1];
    return this.latest && last?.globalStep !== this.latest.globalStep ? [...this.points, this.latest] : [...this.points];
  }
}

/** Write curves.json into a model directory. */
export async function saveCurves(modelDir: string, curves: TrainingCurves): Promise<void> {
  const body = { format: CURVES_FORMAT, formatVersion: 1, ...curves };
  await writeFileAtomic(join(modelDir, CURVES_FILE), `${JSON.stringify(body)}\n`);
}

function isTermRecord(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'number');
}

/**
 * A model's curves: curves.json when present; else the per-epoch history its card.json records
 * (models trained by the CLI), with no per-step points; null when neither exists.
 */
export async function readCurves(modelDir: string, card: Record<string, unknown> = {}): Promise<TrainingCurves | null> {
  const path = join(modelDir, CURVES_FILE);
  if (existsSync(path)) {
    let parsed: { format?: string; steps?: unknown; epochs?: unknown };
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
    }
    if (parsed.format !== CURVES_FORMAT || !Array.isArray(parsed.steps) || !Array.isArray(parsed.epochs)) {
      throw new Error(`${path} is not a dimsearch curves file`);
    }
    return { steps: parsed.steps as CurvePoint[], epochs: (parsed.epochs as unknown[]).filter(isTermRecord) };
  }
  const history = card.history;
  if (Array.isArray(history) && history.length > 0) return { steps: [], epochs: history.filter(isTermRecord) };
  return null;
}

/**
 * The new model against the current one on the library's held-out photos, without labels:
 * - edited copies (main/ml/eval/copies.ts): how often a copy's original comes first;
 * - information (main/ml/information.ts): lower bounds of I(X; Z), global and local;
 * - the spread of the codes (main/ml/eval/code-spread.ts): a model whose unrelated photos score
 *   above 0.9 in the median has collapsed codes and is never called better.
 * The verdict is advice in plain words; the user decides, and nothing switches without them.
 */
import type { HeldOutComparison, HeldOutModelFigures, ModelInfo } from '../../api/contract';
import { decodeForModel } from '../imaging/decode';
import { codeSpread } from '../../ml/eval/code-spread';
import { scoreCopies } from '../../ml/eval/copies';
import type { ImageEncoder } from '../../ml/image-encoder';

export interface ComparisonSettings {
  /** Critic training steps of each information bound (main/ml/information.ts default 400). */
  informationSteps: number;
  /** At most this many held-out photos are measured. */
  informationSamples: number;
  /** Edited copies made (one per held-out photo, up to this many). */
  copyLimit: number;
}

/** DIMSEARCH_HELD_OUT_MI_STEPS shortens the information bounds' critic training (tests). */
export function defaultComparisonSettings(): ComparisonSettings {
  const steps = Number(process.env.DIMSEARCH_HELD_OUT_MI_STEPS);
  return { informationSteps: Number.isInteger(steps) && steps > 0 ? steps : 400, informationSamples: 1024, copyLimit: 500 };
}

type Report = (phase: string, done: number, total: number, message?: string) => void;

const decode = async (input: string | Buffer, size: number) => (await decodeForModel(input, size)).pixels;

/** Codes of the photos (unreadable ones left out). */
async function encodePhotos(encoder: ImageEncoder, photos: readonly string[], signal: AbortSignal): Promise<{ codes: Float32Array; rows: number }> {
  const per = encoder.inputSize * encoder.inputSize * 3;
  const pixels: Float32Array[] = [];
  for (const photo of photos) {
    signal.throwIfAborted();
    try {
      pixels.push(await decode(photo, encoder.inputSize));
    } catch {
      // An unreadable photo simply takes no part.
    }
  }
  const batch = new Float32Array(pixels.length * per);
  pixels.forEach((p, i) => batch.set(p, i * per));
  return { codes: await encoder.encode(batch, pixels.length), rows: pixels.length };
}

async function measureModel(
  model: ModelInfo,
  role: 'current' | 'new',
  heldOut: readonly string[],
  settings: ComparisonSettings,
  signal: AbortSignal,
  report: Report,
  notes: string[],
): Promise<HeldOutModelFigures> {
  const [{ loadEncoder, loadDimEncoder }, { measureInformation, samplePhotos, MIN_PHOTOS }] = await Promise.all([import('../../ml/models'), import('../../ml/information')]);
  const encoder = await loadEncoder(model.dir);
  let copies: HeldOutModelFigures['copies'] = null;
  let spread: HeldOutModelFigures['spread'];
  try {
    report('comparing', 0, 3, `${model.name}: edited copies`);
    const scored = await scoreCopies(encoder, heldOut, decode, {
      limit: settings.copyLimit,
      signal,
      onProgress: (p) => report('comparing', 0, 3, `${model.name}: edited copies (${p.phase} ${p.done}/${p.total})`),
    });
    copies = { n: scored.n, top1: scored.top1, top10: scored.top10, copyScore: scored.copyScore, otherScore: scored.otherScore };
    report('comparing', 1, 3, `${model.name}: spread of the codes`);
    const { codes, rows } = await encodePhotos(encoder, heldOut, signal);
    const s = codeSpread(codes, rows, encoder.dim);
    spread = { medianCosine: s.medianCosine, collapsed: s.collapsed };
  } finally {
    encoder.dispose();
  }
  let information: HeldOutModelFigures['information'] = null;
  if (heldOut.length >= MIN_PHOTOS) {
    const { encoder: dim } = await loadDimEncoder(model.dir);
    try {
      const measured = await measureInformation(dim, samplePhotos(heldOut, settings.informationSamples), {
        decode,
        steps: settings.informationSteps,
        signal,
        onProgress: (p) => report('comparing', 2, 3, `${model.name}: information (${p.phase} ${p.done}/${p.total})`),
      });
      information = { miGlobal: measured.miGlobal, miLocal: measured.miLocal, estimator: measured.estimator, cap: measured.cap };
    } finally {
      dim.dispose();
    }
  } else if (role === 'new') {
    notes.push(`information not measured: it needs ${MIN_PHOTOS} held-out photos, there are ${heldOut.length}`);
  }
  report('comparing', 3, 3, `${model.name}: measured`);
  return { modelId: model.id, name: model.name, role, copies, information, spread };
}

/** Copies found first: differences below one point are a tie. Information: below 0.05 nats. */
const COPY_TIE = 0.01;
const INFORMATION_TIE = 0.05;

/** Advice from the two models' figures (pure; tested on its own). */
export function verdictOf(current: HeldOutModelFigures, candidate: HeldOutModelFigures): Pick<HeldOutComparison, 'verdict' | 'summary'> {
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  if (candidate.spread.collapsed)
    return {
      verdict: 'collapsed',
      summary: `The new model's codes collapsed: unrelated photos score ${candidate.spread.medianCosine.toFixed(2)} in the median (above 0.9), so its scores cannot tell photos apart. Keep ${current.name}.`,
    };
  if (current.spread.collapsed)
    return { verdict: 'better', summary: `${current.name}'s codes have collapsed on these photos; the new model's have not. The new model is better for this library.` };
  const deltas: number[] = [];
  const parts: string[] = [];
  if (current.copies && candidate.copies) {
    const d = candidate.copies.top1 - current.copies.top1;
    deltas.push(Math.abs(d) < COPY_TIE ? 0 : Math.sign(d));
    parts.push(`finds the original of an edited copy first ${pct(candidate.copies.top1)} of the time (${current.name}: ${pct(current.copies.top1)})`);
  }
  if (current.information && candidate.information) {
    const d = candidate.information.miGlobal - current.information.miGlobal;
    const tie = Math.abs(d) < INFORMATION_TIE;
    deltas.push(tie ? 0 : Math.sign(d));
    const figures = `${candidate.information.miGlobal.toFixed(2)} nats against ${current.information.miGlobal.toFixed(2)}`;
    parts.push(tie ? `keeps about as much information about each photo (${figures}, within the measurement's noise)` : `keeps ${d > 0 ? 'more' : 'less'} information about each photo (${figures})`);
  }
  const said = parts.length ? `On photos neither model trained on, the new model ${parts.join(' and ')}.` : 'Nothing could be measured on the held-out photos.';
  if (deltas.length > 0 && deltas.every((d) => d >= 0) && deltas.some((d) => d > 0)) return { verdict: 'better', summary: `${said} It looks better for this library.` };
  if (deltas.length > 0 && deltas.every((d) => d <= 0) && deltas.some((d) => d < 0)) return { verdict: 'worse', summary: `${said} It looks worse than ${current.name}; keeping ${current.name} is the safe choice.` };
  return { verdict: 'mixed', summary: `${said} Neither is clearly better: try both with the model picker and keep the one whose results you like.` };
}

/** Measure both models on the held-out photos and give the advice. Throws an AbortError when cancelled. */
export async function compareOnHeldOut(
  current: ModelInfo,
  candidate: ModelInfo,
  heldOut: readonly string[],
  describe: { seed: number; share: number; description: string },
  options: { settings?: ComparisonSettings; signal: AbortSignal; report: Report },
): Promise<HeldOutComparison> {
  const settings = options.settings ?? defaultComparisonSettings();
  const notes: string[] = [];
  const currentFigures = await measureModel(current, 'current', heldOut, settings, options.signal, options.report, notes);
  const candidateFigures = await measureModel(candidate, 'new', heldOut, settings, options.signal, options.report, notes);
  return {
    heldOut: { photos: heldOut.length, seed: describe.seed, share: describe.share, description: describe.description },
    current: currentFigures,
    candidate: candidateFigures,
    ...verdictOf(currentFigures, candidateFigures),
    notes,
    measuredAt: new Date().toISOString(),
  };
}

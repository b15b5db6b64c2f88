/**
 * Plain facts read from a model's card.json, for the model list (`cli models`, the header's model
 * picker): what it was trained on, its measured figures, and whether its codes collapsed. Pure
 * functions on the card (no IO), so the renderer uses the same reading as the CLI.
 */

type Card = Record<string, unknown>;

const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * What the model learned from, in a few words: the card's own `trainedOn` (photo models say
 * 'mini-ImageNet'; adapted models add the library), CIFAR-10 for the shipped CIFAR cards (their
 * data names it), 'this library' for a model trained in the app, else the folder it trained on.
 */
export function trainedOnOf(card: Card): string {
  if (typeof card.trainedOn === 'string' && card.trainedOn) return card.trainedOn;
  const data = record(card.data);
  const described = [data?.folder, data?.description].filter((v): v is string => typeof v === 'string').join(' ');
  if (/cifar-?10/i.test(described)) return 'CIFAR-10';
  if (/mini-?imagenet/i.test(described)) return 'mini-ImageNet';
  if (card.trainedIn === 'dimsearch app') return 'this library';
  if (card.trained === false) return 'nothing (untrained)';
  return typeof data?.folder === 'string' ? `photos in ${data.folder}` : 'unknown';
}

/** Median cosine between the codes of unrelated photos above which the codes count as collapsed. */
export const COLLAPSE_MEDIAN_COSINE = 0.9;

/** How spread out a model's codes are, as measured on some photos (see ml/eval/code-spread.ts). */
export interface CodeSpread {
  /** Median cosine similarity between the codes of two different photos. */
  medianCosine: number;
  /** Photos the median was taken over, and what they were (in words). */
  photos: number;
  measuredOn: string;
  collapsed: boolean;
}

/** The card's code-spread measurement, when it has one. */
export function codeSpreadOf(card: Card): CodeSpread | null {
  const spread = record(card.codeSpread);
  const median = num(spread?.medianCosine);
  if (!spread || median === undefined) return null;
  return {
    medianCosine: median,
    photos: num(spread.photos) ?? 0,
    measuredOn: typeof spread.measuredOn === 'string' ? spread.measuredOn : '',
    collapsed: median > COLLAPSE_MEDIAN_COSINE,
  };
}

/** Whether the model's codes are known to have collapsed (near-constant codes): never offered as better. */
export function codesCollapsed(card: Card): boolean {
  return codeSpreadOf(card)?.collapsed ?? false;
}

function datasetOfProtocol(protocol: unknown): string {
  if (typeof protocol === 'string' && /mini-?imagenet/i.test(protocol)) return 'mini-ImageNet';
  return 'CIFAR-10';
}

/** One measured figure of a model, for lists: a short label, the value, and what it was measured on. */
export interface ModelFigure {
  label: string;
  value: string;
  detail: string;
}

/**
 * The figures a card records, plain first: retrieval on the labelled benchmark the model was
 * evaluated on (kNN@20 and precision@10), the edited-copy score, and held-out information bounds.
 */
export function modelFigures(card: Card): ModelFigure[] {
  const figures: ModelFigure[] = [];
  // `evaluation` (the CIFAR cards' field) and any other `evaluation…` field, each naming its dataset.
  for (const [key, value] of Object.entries(card)) {
    const e = record(value);
    const model = record(e?.model);
    if (!key.startsWith('evaluation') || !model) continue;
    const dataset = typeof e?.dataset === 'string' ? e.dataset : key === 'evaluation' ? datasetOfProtocol(e?.protocol) : key.slice('evaluation'.length).replace(/^[-_]/, '');
    const knn20 = num(model.knn20);
    const p10 = num(model.precisionAt10);
    if (knn20 !== undefined) figures.push({ label: `${dataset} kNN@20`, value: `${knn20.toFixed(1)} %`, detail: `share of ${dataset} test photos whose 20 nearest vote for the right class` });
    if (p10 !== undefined) figures.push({ label: `${dataset} precision@10`, value: `${p10.toFixed(1)} %`, detail: 'share of the 10 nearest that show the same kind of thing' });
  }
  const copies = record(card.copies);
  const top1 = num(copies?.top1);
  if (top1 !== undefined) figures.push({ label: 'edited copies found first', value: `${(top1 * (top1 <= 1 ? 100 : 1)).toFixed(1)} %`, detail: typeof copies?.measuredOn === 'string' ? copies.measuredOn : 'edited copies searched among their originals' });
  const information = record(card.information);
  const g = num(information?.miGlobal);
  const l = num(information?.miLocal);
  if (g !== undefined || l !== undefined)
    figures.push({
      label: 'information (global / local)',
      value: `${g?.toFixed(2) ?? '–'} / ${l?.toFixed(2) ?? '–'} nats`,
      detail: typeof information?.heldOut === 'string' ? `lower bounds on ${information.heldOut}` : 'lower bounds of I(X; Z) on held-out photos',
    });
  const spread = codeSpreadOf(card);
  if (spread) figures.push({ label: 'unrelated photos, median score', value: spread.medianCosine.toFixed(2), detail: `${spread.collapsed ? 'codes collapsed: ' : ''}median cosine between different photos of ${spread.measuredOn || 'held-out photos'}` });
  return figures;
}

/**
 * How the model picker orders the models: the one in use first, then the models made for photos
 * (the shipped photo encoders and everything trained on this library), then the small CIFAR-10
 * research models, kept for the Compare view's global / local / both comparison. Those learned
 * from 32 px pictures and find fewer of the right photos in a real library, so they are folded
 * away and never offered as the obvious choice — unless no model for photos exists at all.
 */
import type { ModelInfo } from '../../../main/api/contract';
import { trainedOnOf } from '../../../main/ml/model-card';

export interface ModelGroups {
  /** The search model, when it is in the list. */
  current: ModelInfo | null;
  /** Models made for photos, in the list's order. */
  forPhotos: ModelInfo[];
  /** The CIFAR-10 research models and untrained placeholders, in the list's order. */
  forComparison: ModelInfo[];
  /** A model for photos is listed (in use or not): the research models are then folded away. */
  photoModelExists: boolean;
}

/** A model only there for the comparison: shipped, learned from CIFAR-10 alone, or never trained. */
export function isComparisonModel(model: ModelInfo): boolean {
  return model.card.trained === false || trainedOnOf(model.card) === 'CIFAR-10';
}

export function groupModels(list: readonly ModelInfo[], currentId: string | null): ModelGroups {
  const current = list.find((m) => m.id === currentId) ?? null;
  const others = list.filter((m) => m !== current);
  const forPhotos = others.filter((m) => !isComparisonModel(m));
  return {
    current,
    forPhotos,
    forComparison: others.filter(isComparisonModel),
    photoModelExists: forPhotos.length > 0 || (current !== null && !isComparisonModel(current)),
  };
}

/** The groups as one list, in the picker's order: where models are listed flat (the Compare view's chips). */
export function inPickerOrder(groups: ModelGroups): ModelInfo[] {
  return [...(groups.current ? [groups.current] : []), ...groups.forPhotos, ...groups.forComparison];
}

/**
 * The recipes of the photo encoders shipped in native-models/ (trained on mini-ImageNet train).
 * Like the CIFAR trio (recipes.ts) they share data, augmentation, estimator, optimiser and
 * budget, and differ only in which MI terms count, so the Compare view's global / local / both
 * comparison on photos stays honest. `npm run train:shipped -- <name>` trains, resumes and
 * publishes each.
 */
import type { ShippedRecipe } from './recipes';

/** Shared by every photo model: the DIM-64 architecture with REFERENCE's photo recipe. */
export const photoRecipe = {
  inputSize: 64,
  /** Photos are kept at this side in memory; each view is a random resized crop down to inputSize. */
  sourceSize: 80,
  /** Planned length; a run spans sittings (checkpointed) and may be published before it ends. */
  epochs: 35,
  batchSize: 64,
  learningRate: 1e-3,
  /**
   * Constant for the first 29 epochs, then eased down (cosine) to 5 % by the last: the constant rate
   * had kNN@20 creeping up about a point per 5 epochs; settling at a low rate is the usual last gain.
   */
  learningRateDecay: { fromEpoch: 29, finalFraction: 0.05 },
  estimator: 'infonce' as const,
  /** Search with z_mean and the local map's per-channel maximum, joined, C counting twice (search-code.ts: measured there). */
  searchCode: 'global+2local' as const,
  /** At the side it learned at: larger finds more of a kind but loses edited copies (search-code.ts: measured there). */
  searchInputSize: 64,
  augment: true,
  augmentation: 'photo' as const,
  gamma: 0,
  seed: 0,
  /** dim-photo-both's epochs before the augmentation gained shrink-and-recompress (photo-augment.ts (vi)); the later photo models have it from the start. */
  recompressFromEpoch: { 'dim-photo-both': 23.7 } as Record<string, number>,
} as const;

export const photoRecipes: readonly ShippedRecipe[] = [
  { name: 'dim-photo-both', summary: 'global + local MI (the default encoder)', objective: 'both', alpha: 0.5, beta: 1.5 },
  { name: 'dim-photo-global', summary: 'global MI only (the code against the other view’s code)', objective: 'global', alpha: 0.5, beta: 0 },
  { name: 'dim-photo-local', summary: 'local MI only (every local feature against the other view’s code)', objective: 'local', alpha: 0, beta: 1.5 },
];

/** The model search uses when the user has not chosen one. */
export const DEFAULT_PHOTO_MODEL = 'dim-photo-both';

export function photoRecipeNamed(name: string): ShippedRecipe | undefined {
  return photoRecipes.find((r) => r.name === name);
}

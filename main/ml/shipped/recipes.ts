/**
 * The recipes of the encoders shipped in native-models/. The three differ only in which MI terms
 * count (global, local, both); data, augmentation, estimator, optimiser and training budget are
 * the same, so their comparison is honest. `npm run train:shipped -- <name>` reproduces each.
 */
import type { ObjectiveName } from '../dim/objective';

export interface ShippedRecipe {
  name: string;
  /** What the model is for, shown on its card. */
  summary: string;
  objective: ObjectiveName;
  alpha: number;
  beta: number;
}

/** Shared by every shipped model: REFERENCE's augmented two-view recipe on CIFAR-10 train. */
export const sharedRecipe = {
  inputSize: 32,
  epochs: 2,
  batchSize: 64,
  learningRate: 1e-3,
  estimator: 'infonce' as const,
  augment: true,
  gamma: 0,
  seed: 0,
} as const;

export const shippedRecipes: readonly ShippedRecipe[] = [
  {
    name: 'dim-both',
    summary: 'global + local MI (the default encoder)',
    objective: 'both',
    alpha: 0.5,
    beta: 1.5,
  },
  {
    name: 'dim-global',
    summary: 'global MI only (the code against the other view’s code)',
    objective: 'global',
    alpha: 0.5,
    beta: 0,
  },
  {
    name: 'dim-local',
    summary: 'local MI only (every local feature against the other view’s code)',
    objective: 'local',
    alpha: 0,
    beta: 1.5,
  },
];

export function shippedRecipe(name: string): ShippedRecipe {
  const recipe = shippedRecipes.find((r) => r.name === name);
  if (!recipe) throw new Error(`no shipped recipe '${name}' (one of ${shippedRecipes.map((r) => r.name).join(', ')})`);
  return recipe;
}

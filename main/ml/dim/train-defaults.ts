/**
 * What a new training uses unless told otherwise — one object shared by `cli train` and the app's
 * Train view (and its "adapt to this library"), so both train the same way by default. The
 * default is the augmented two-view recipe with photo augmentation, never the one-view JSD recipe
 * (which, trained on a library, collapsed: unrelated photos at cosine 0.94–0.97).
 *
 * `recipeToContinue` picks the recipe to continue training a model with: its shipped recipe
 * (photo augmentation for photo models, pad-and-crop for the CIFAR ones), read from its card.
 * Pure data and functions (no Node, no tfjs): the renderer imports it too.
 */
import type { EstimatorName } from './estimators';
import type { ObjectiveName } from './objective';

export type AugmentationName = 'pad-crop' | 'photo';
export const augmentationNames: readonly AugmentationName[] = ['photo', 'pad-crop'];

export interface TrainingRecipe {
  objective: ObjectiveName;
  estimator: EstimatorName;
  augmentation: AugmentationName;
  inputSize: number;
  /** Side photos are kept at for 'photo' crops (null: the trainer's 1.25 × inputSize). */
  sourceSize: number | null;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /**
   * The rate eased down by a cosine over the whole run to this share of it (null: constant), for new
   * and continued models alike. A continued model starts from a settled state (the shipped photo
   * model ends its plan at 5 % of its rate): a run that stays at the full rate shakes it out of it,
   * one that eases down settles it again.
   */
  learningRateFinalShare: number | null;
  /**
   * Continuing a model: the starting model's share of the saved weights (weight-blend.ts); null
   * for a new model. Adapting keeps half, which raised labelled kNN@20 more steadily than the
   * adapted weights alone.
   */
  initialWeightShare: number | null;
  alpha: number;
  beta: number;
  gamma: number;
}

/** A new model from scratch: the shipped photo encoders' recipe (photo-recipes.ts) at 10 epochs. */
export const trainingDefaults: Readonly<TrainingRecipe> = Object.freeze({
  objective: 'both',
  estimator: 'infonce',
  augmentation: 'photo',
  inputSize: 64,
  sourceSize: 80,
  epochs: 10,
  batchSize: 64,
  learningRate: 1e-3,
  learningRateFinalShare: 0.05,
  initialWeightShare: null,
  alpha: 0.5,
  beta: 1.5,
  gamma: 0,
});

/** Epochs over the library's photos when adapting a model to it (each photo seen this many times, twice augmented). */
export const ADAPT_EPOCHS = 20;

/** The starting model's share of an adapted model's weights (weight-blend.ts). */
export const ADAPT_INITIAL_WEIGHT_SHARE = 0.5;

/** Share of a library held out from adapting, to compare the new and current models on (seeded). */
export const HELD_OUT_SHARE = 0.15;
export const HELD_OUT_MIN = 32;
export const HELD_OUT_MAX = 1024;
export const HELD_OUT_SEED = 7;

const isObjective = (v: unknown): v is ObjectiveName => v === 'both' || v === 'global' || v === 'local';
const isEstimator = (v: unknown): v is EstimatorName => v === 'jsd' || v === 'infonce' || v === 'dv';
const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * The recipe to continue training a model with, from its card: its own augmentation (photo or
 * pad-and-crop), estimator, terms and optimiser settings. A card that records no augmented
 * recipe (a one-view model) gets the defaults' augmentation and estimator instead: continuing
 * the one-view JSD recipe is what collapses.
 */
export function recipeToContinue(card: Record<string, unknown>, inputSize: number): TrainingRecipe {
  const weights = (card.weights ?? {}) as Record<string, unknown>;
  const augmented = card.augment === true || card.augmentation === 'photo' || card.augmentation === 'pad-crop';
  const augmentation: AugmentationName = card.augmentation === 'photo' ? 'photo' : augmented ? 'pad-crop' : trainingDefaults.augmentation;
  return {
    objective: isObjective(card.objective) ? card.objective : trainingDefaults.objective,
    estimator: augmented && isEstimator(card.estimator) ? card.estimator : trainingDefaults.estimator,
    augmentation,
    inputSize,
    sourceSize: augmentation === 'photo' && positive(card.sourceSize) ? card.sourceSize : null,
    epochs: ADAPT_EPOCHS,
    batchSize: positive(card.batchSize) ? card.batchSize : trainingDefaults.batchSize,
    learningRate: positive(card.learningRate) ? card.learningRate : trainingDefaults.learningRate,
    learningRateFinalShare: trainingDefaults.learningRateFinalShare,
    initialWeightShare: ADAPT_INITIAL_WEIGHT_SHARE,
    alpha: typeof weights.alpha === 'number' ? weights.alpha : trainingDefaults.alpha,
    beta: typeof weights.beta === 'number' ? weights.beta : trainingDefaults.beta,
    gamma: augmented && typeof weights.gamma === 'number' ? weights.gamma : trainingDefaults.gamma,
  };
}

/** `base` with every field `overrides` sets (explicit choices win over a recipe, a recipe over the defaults). */
export function withOverrides(base: TrainingRecipe, overrides: Partial<TrainingRecipe>): TrainingRecipe {
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...base, ...set };
}

/** A recipe as the trainer's options (main/ml/dim/trainer.ts TrainOptions fields). */
export function recipeOptions(recipe: TrainingRecipe) {
  return {
    objective: recipe.objective,
    estimator: recipe.estimator,
    augment: true,
    augmentation: recipe.augmentation,
    ...(recipe.augmentation === 'photo' && recipe.sourceSize ? { sourceSize: recipe.sourceSize } : {}),
    inputSize: recipe.inputSize,
    epochs: recipe.epochs,
    batchSize: recipe.batchSize,
    learningRate: recipe.learningRate,
    learningRateDecay: recipe.learningRateFinalShare === null ? null : { fromEpoch: 0, finalFraction: recipe.learningRateFinalShare },
    ...(recipe.initialWeightShare ? { initialWeightShare: recipe.initialWeightShare } : {}),
    alpha: recipe.alpha,
    beta: recipe.beta,
    gamma: recipe.gamma,
  };
}

/**
 * Which model search uses when the user has not chosen one: the shipped photo encoder once it is
 * published in native-models/, else the CIFAR-10 `dim-both` (kept for the paper's comparison).
 * The library, the back end and the CLI all ask this one function.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nativeModelsDir } from './models';
import { DEFAULT_PHOTO_MODEL } from './shipped/photo-recipes';

/** The shipped model used before the photo encoder is published (and where it is absent). */
export const FALLBACK_MODEL = 'dim-both';

export function defaultModelName(modelsDir: string = nativeModelsDir()): string {
  return existsSync(join(modelsDir, DEFAULT_PHOTO_MODEL, 'model.json')) ? DEFAULT_PHOTO_MODEL : FALLBACK_MODEL;
}

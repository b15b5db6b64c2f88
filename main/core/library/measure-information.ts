/**
 * A model's information measured on this library: a seeded random sample of its photos that the
 * model did not train on (photos under the model's training folder are left out), run through
 * main/ml/information.ts.
 */
import { isAbsolute, resolve, sep } from 'node:path';
import type { ModelInfo } from '../../api/contract';
import type { JobContext } from '../jobs/job';
import { decodeModelPixels } from '../imaging/decode';
import type { LibraryInformation } from './information-store';
import { LibraryError, type Library } from './library';

export const DEFAULT_INFORMATION_SAMPLES = 512;

/** The folders a model trained on, as its card records them (the app's `sourceFolders`, or the trainer's `data.folder`). */
function trainingFolders(model: ModelInfo): string[] {
  const card = model.card as { sourceFolders?: unknown; data?: { folder?: unknown } };
  const listed = Array.isArray(card.sourceFolders) ? card.sourceFolders : [card.data?.folder];
  return listed.filter((f): f is string => typeof f === 'string' && isAbsolute(f)).map((f) => resolve(f));
}

export async function measureLibraryInformation(
  library: Library,
  model: ModelInfo,
  options: { samples?: number; signal: AbortSignal; report: JobContext['report'] },
): Promise<LibraryInformation> {
  if (!model.dir) throw new LibraryError(`model ${model.id} has no directory to load its encoder from`);
  const seen = trainingFolders(model);
  const total = library.photoCount();
  const paths = library
    .listPhotos(0, total)
    .photos.map((p) => p.path)
    .filter((path) => !seen.some((folder) => (resolve(path) + sep).startsWith(folder + sep)));
  const { MIN_PHOTOS, measureInformation, samplePhotos } = await import('../../ml/information');
  if (paths.length < MIN_PHOTOS)
    throw new LibraryError(
      paths.length < total
        ? `${model.name} trained on ${seen.join(', ')}: fewer than ${MIN_PHOTOS} library photos outside it to measure on`
        : `measuring information needs at least ${MIN_PHOTOS} photos in the library, it has ${paths.length}`,
    );
  const { loadDimEncoder } = await import('../../ml/models');
  const sample = samplePhotos(paths, options.samples ?? DEFAULT_INFORMATION_SAMPLES);
  const { encoder } = await loadDimEncoder(model.dir);
  try {
    const phases = { decoding: 'reading photos', encoding: 'coding two views', global: 'training the global critic', local: 'training the local critic' };
    const measured = await measureInformation(encoder, sample, {
      decode: decodeModelPixels,
      signal: options.signal,
      onProgress: (p) => options.report('measure', p.done, p.total, `${model.name}: ${phases[p.phase]}`),
    });
    return {
      ...measured,
      heldOut: `${measured.samples} photos of this library${paths.length < total ? ` outside ${seen.join(', ')}` : ''} (seeded random sample)`,
    };
  } finally {
    encoder.dispose();
  }
}

/**
 * The models a library can use: the ones shipped in native-models/ and the ones trained in the
 * app, which live in the library's own models/ folder (<libraryDir>/models/<name>/). A model is
 * named in calls by its id (name + hash of weights), never by a path, so a page cannot make the
 * back end read an arbitrary folder.
 */
import { join } from 'node:path';
import type { ModelInfo } from '../../api/contract';
import { LibraryError } from './library';

export function libraryModelsDir(libraryDir: string): string {
  return join(libraryDir, 'models');
}

/** Every usable model: `current` first when given, then native models, then the library's own. */
export async function availableModels(libraryDir: string, current?: ModelInfo): Promise<ModelInfo[]> {
  const { listModels, nativeModelsDir } = await import('../../ml/models');
  const lists = await Promise.all([listModels(nativeModelsDir()).catch(() => []), listModels(libraryModelsDir(libraryDir)).catch(() => [])]);
  const seen = new Set<string>();
  const out: ModelInfo[] = [];
  for (const model of [...(current ? [current] : []), ...lists.flat()]) {
    if (seen.has(model.id)) continue;
    seen.add(model.id);
    out.push(model);
  }
  return out;
}

/** A model by id, or a LibraryError naming the ones there are. */
export async function findModel(libraryDir: string, id: string, current?: ModelInfo): Promise<ModelInfo> {
  const models = await availableModels(libraryDir, current);
  const found = models.find((m) => m.id === id);
  if (!found) throw new LibraryError(`unknown model '${id}' (available: ${models.map((m) => m.id).join(', ') || 'none'})`);
  if (!found.dir) throw new LibraryError(`model '${id}' has no directory to load it from`);
  return found;
}

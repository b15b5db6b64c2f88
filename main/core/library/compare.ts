/**
 * The Compare view's search: one library photo's nearest neighbours under several models side by
 * side, and how much their lists overlap.
 *
 * Codes of each model are computed once and kept (each model has its own index in the library).
 * A model whose codes are incomplete gets one indexing job, started through `indexModel`; until it
 * ends, the model answers with the codes it has (or a note when the query photo has none yet).
 */
import type { CompareColumn, CompareOverlap, ModelInfo, SearchHit } from '../../api/contract';
import { LibraryError, type Library, type ModelSpace } from './library';

export interface CompareRequest {
  id: number;
  k: number;
  models: ModelInfo[];
}

/** Starts (or finds) the job that indexes the library with a model; returns its id, or null when none is needed. */
export type IndexModel = (space: ModelSpace, model: ModelInfo) => string | null;

export async function compareModels(library: Library, request: CompareRequest, indexModel: IndexModel): Promise<{ columns: CompareColumn[]; overlap: CompareOverlap[] }> {
  const photo = library.photo(request.id);
  if (!photo) throw new LibraryError(`no photo with id ${request.id}`);
  const total = library.photoCount();
  const columns: CompareColumn[] = [];
  for (const model of request.models) {
    const space = model.id === library.modelId ? library.primarySpace : await library.openModel(model.dir);
    const coded = library.codedCount(space);
    const indexingJobId = coded < total ? indexModel(space, model) : null;
    let hits: SearchHit[] = [];
    let note: string | null = null;
    if (library.store.labelOf(space.modelId, request.id) === undefined) {
      note = indexingJobId ? `computing ${model.name} codes for the library…` : `this photo has no ${model.name} code yet`;
    } else {
      // One more than k: the photo itself comes first and is left out.
      hits = library.searchByPhoto(request.id, request.k + 1, space).filter((hit) => hit.id !== request.id).slice(0, request.k);
    }
    columns.push({ modelId: model.id, name: model.name, hits, coded: library.codedCount(space), total, indexingJobId, note });
  }
  return { columns, overlap: listOverlap(columns) };
}

/**
 * Photos shared by each pair of lists, and the Jaccard index of the two sets. A pair with an empty
 * list (a model still computing its codes, or with no code for this photo yet) gets no figure: "0 in
 * common" would read as a measured disagreement.
 */
export function listOverlap(columns: Pick<CompareColumn, 'modelId' | 'hits'>[]): CompareOverlap[] {
  const out: CompareOverlap[] = [];
  for (let i = 0; i < columns.length; i++)
    for (let j = i + 1; j < columns.length; j++) {
      if (columns[i].hits.length === 0 || columns[j].hits.length === 0) continue;
      const a = new Set(columns[i].hits.map((h) => h.path));
      const b = new Set(columns[j].hits.map((h) => h.path));
      let shared = 0;
      for (const path of a) if (b.has(path)) shared++;
      const union = a.size + b.size - shared;
      out.push({ a: columns[i].modelId, b: columns[j].modelId, shared, jaccard: union > 0 ? shared / union : 0 });
    }
  return out;
}

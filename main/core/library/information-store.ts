/**
 * Information measurements a library made of its models (lower bounds of I(X; Z) on a held-out
 * sample of its own photos), kept per model id in <libraryDir>/information.json — beside the
 * models rather than in their cards, since shipped models live in a read-only install folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelInfo } from '../../api/contract';
import type { ModelInformation } from '../../ml/information';
import { writeFileAtomicSync } from '../atomic-write';

export interface LibraryInformation extends ModelInformation {
  /** What the sample was, in words (shown in the app). */
  heldOut: string;
}

export class InformationStore {
  private readonly path: string;

  constructor(libraryDir: string) {
    this.path = join(libraryDir, 'information.json');
  }

  private readAll(): Record<string, LibraryInformation> {
    if (!existsSync(this.path)) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, LibraryInformation>) : {};
    } catch {
      return {}; // a damaged file only loses measurements, which can be made again
    }
  }

  get(modelId: string): LibraryInformation | undefined {
    return this.readAll()[modelId];
  }

  set(modelId: string, information: LibraryInformation): void {
    writeFileAtomicSync(this.path, `${JSON.stringify({ ...this.readAll(), [modelId]: information }, null, 2)}\n`);
  }

  /** The model with this library's measurement as its card's `information` (when there is one). */
  annotate(model: ModelInfo): ModelInfo {
    const measured = this.get(model.id);
    return measured ? { ...model, card: { ...model.card, information: measured } } : model;
  }
}

/** Record a measurement in a (writable) model directory's card.json, atomically. */
export async function writeCardInformation(modelDir: string, information: LibraryInformation): Promise<void> {
  const path = join(modelDir, 'card.json');
  const card = existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>) : {};
  writeFileAtomicSync(path, `${JSON.stringify({ ...card, information }, null, 2)}\n`);
}

/** A shipped model as the page receives it from listModels: its card as published in native-models/. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelInfo } from '../../../main/api/contract';

const modelsDir = join(import.meta.dirname, '..', '..', '..', 'native-models');

export function shippedModelInfo(name: string): ModelInfo {
  return {
    id: `${name}-0`,
    name,
    dir: join(modelsDir, name),
    inputSize: 32,
    dim: 64,
    card: JSON.parse(readFileSync(join(modelsDir, name, 'card.json'), 'utf8')) as Record<string, unknown>,
  };
}

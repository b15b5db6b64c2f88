/** The models the back end can use (shipped and trained in this library), reloaded when one is added. */
import type { ModelInfo } from '../../../main/api/contract';
import { api } from './client';
import { errorMessage } from './format';

class ModelsState {
  list = $state<ModelInfo[]>([]);
  error = $state<string | null>(null);
  private started = false;

  /** Load once, and again after each finished training (a new model) or library change (a new current model). */
  start(): void {
    if (this.started) return;
    this.started = true;
    api.on('jobFinished', (finished) => {
      if (finished.status === 'done') void this.refresh();
    });
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.list = await api.listModels({});
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  byId(id: string): ModelInfo | undefined {
    return this.list.find((m) => m.id === id);
  }
}

export const models = new ModelsState();

/** A short description of a model from its card: objective and estimator, or "untrained". */
export function describeModel(model: ModelInfo): string {
  const card = model.card;
  if (card.trained === false) return 'untrained placeholder';
  const parts = [card.objective, card.estimator, `${model.inputSize}px`].filter((p) => typeof p === 'string' || typeof p === 'number');
  return parts.join(' · ');
}

/**
 * A model's mutual-information lower bounds in nats, when its card has them: a held-out estimate
 * (`information`, with what it was measured on) if one was made, else the last epoch's training
 * estimates (`finalTerms`).
 */
export function modelInformation(model: ModelInfo): { global?: number; local?: number; source: 'held-out' | 'training'; heldOut?: string } | null {
  const card = model.card as { information?: Record<string, unknown>; finalTerms?: Record<string, unknown> };
  const pick = (terms: Record<string, unknown> | undefined, source: 'held-out' | 'training') => {
    if (!terms || typeof terms !== 'object') return null;
    const global = typeof terms.miGlobal === 'number' ? terms.miGlobal : undefined;
    const local = typeof terms.miLocal === 'number' ? terms.miLocal : undefined;
    const heldOut = typeof terms.heldOut === 'string' ? terms.heldOut : undefined;
    return global === undefined && local === undefined ? null : { global, local, source, heldOut };
  };
  return pick(card.information, 'held-out') ?? pick(card.finalTerms, 'training');
}

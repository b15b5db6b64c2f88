/**
 * What the rest of the app needs from a trained model: images in, codes out.
 * The core (indexer, search, eval) depends only on this; main/ml implements it.
 */
export interface EncodeOptions {
  /**
   * The caller keeps every core busy meanwhile (indexing decodes photos while it encodes): compute
   * on one thread, since splitting the work only adds handoffs between threads that compete anyway.
   */
  coresBusy?: boolean;
}

export interface ImageEncoder {
  /** Stable id of this model: its name and a short hash of its weights. Codes of different ids never mix. */
  readonly modelId: string;
  readonly name: string;
  /** The model's directory (model.json, weights.bin, card.json). */
  readonly dir: string;
  /** Square side in pixels photos are brought to for encoding (may exceed the side it learned at: dim/search-code.ts). */
  readonly inputSize: number;
  /** Square side in pixels the model learned at (continuing its training uses it). */
  readonly trainingInputSize: number;
  /** Length of a code (the encoder's mean vector). */
  readonly dim: number;
  /** Name of the tfjs backend it runs on. */
  readonly backend: string;
  /** The card.json contents. */
  readonly card: Record<string, unknown>;
  /**
   * Encode `count` images given as NHWC float32 RGB in [-0.5, 0.5] (inputSize × inputSize × 3 each).
   * Returns count × dim mean vectors (not samples), not normalised.
   */
  encode(pixels: Float32Array, count: number, options?: EncodeOptions): Promise<Float32Array>;
  dispose(): void;
}

/**
 * The raw-pixels baseline as an ImageEncoder: the photo brought to inputSize² exactly as a model
 * sees it (same decode), flattened to 3·inputSize² values and centred by subtracting the image's
 * own mean over all its values. The harness then L2-normalises codes, so the cosine of two
 * "pixel codes" is the Pearson correlation of the two images' pixel values: insensitive to
 * overall brightness and contrast, which is what a fair pixel baseline should be.
 */
import type { ImageEncoder } from '../image-encoder';

export class PixelsEncoder implements ImageEncoder {
  readonly name = 'pixels';
  readonly dir = '';
  readonly backend = 'js';
  readonly dim: number;
  readonly modelId: string;
  readonly card: Record<string, unknown>;

  readonly trainingInputSize: number;
  constructor(readonly inputSize = 32) {
    this.trainingInputSize = inputSize;
    if (!Number.isInteger(inputSize) || inputSize < 1) throw new Error(`pixel size must be a positive integer, got ${inputSize}`);
    this.dim = inputSize * inputSize * 3;
    this.modelId = `pixels-${inputSize}`;
    this.card = {
      name: 'pixels',
      description: `Raw pixels at ${inputSize}×${inputSize} RGB, flattened, centred per image (mean of all values subtracted), L2-normalised.`,
      inputSize,
      zDim: this.dim,
    };
  }

  async encode(pixels: Float32Array, count: number): Promise<Float32Array> {
    const per = this.dim;
    if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
    if (pixels.length !== count * per) throw new Error(`expected ${count}×${per} floats, got ${pixels.length}`);
    const out = new Float32Array(pixels);
    for (let i = 0; i < count; i++) {
      const image = out.subarray(i * per, (i + 1) * per);
      let sum = 0;
      for (let j = 0; j < per; j++) sum += image[j];
      const mean = sum / per;
      for (let j = 0; j < per; j++) image[j] -= mean;
    }
    return out;
  }

  dispose(): void {}
}

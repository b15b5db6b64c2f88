/**
 * A small generated photo folder for training tests: images of a few visual "kinds" (a coloured
 * disc, stripes, a gradient, a checkerboard) at random positions, colours and scales, plus
 * optional bad files. Made with sharp in a temp dir; no images are committed.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../../main/ml/dim/random';

export async function makeDataset(count: number, options: { size?: number; bad?: boolean; seed?: number } = {}): Promise<string> {
  const size = options.size ?? 48;
  const rng = new Rng(options.seed ?? 1);
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-train-'));
  await mkdir(join(dir, 'photos'));
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    const [r, g, b] = [rng.int(256), rng.int(256), rng.int(256)];
    const cx = rng.uniform(0.3, 0.7) * size;
    const cy = rng.uniform(0.3, 0.7) * size;
    const scale = rng.uniform(0.15, 0.35) * size;
    const data = Buffer.alloc(size * size * 3);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let on: number;
        if (kind === 0) on = (x - cx) ** 2 + (y - cy) ** 2 < scale ** 2 ? 1 : 0;
        else if (kind === 1) on = Math.floor(x / (scale / 3)) % 2;
        else if (kind === 2) on = y / size;
        else on = (Math.floor(x / (scale / 2)) + Math.floor(y / (scale / 2))) % 2;
        const noise = rng.uniform(-12, 12);
        const o = (y * size + x) * 3;
        data[o] = Math.max(0, Math.min(255, on * r + (1 - on) * (255 - r) + noise));
        data[o + 1] = Math.max(0, Math.min(255, on * g + (1 - on) * (255 - g) + noise));
        data[o + 2] = Math.max(0, Math.min(255, on * b + (1 - on) * (255 - b) + noise));
      }
    await sharp(data, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(join(dir, 'photos', `img-${String(i).padStart(3, '0')}.png`));
  }
  if (options.bad) await writeFile(join(dir, 'photos', 'broken.jpg'), Buffer.from('this is not a jpeg at all'));
  return join(dir, 'photos');
}

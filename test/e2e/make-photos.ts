/**
 * Generated photo folders for the web-mode tests: small images in a few visual families
 * (stripes, checks, rings, gradients in different colours) so that similar ones exist, plus
 * bad files the indexer must skip with a reason.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

const side = 96;

/** Deterministic pseudo-random numbers (xorshift), so every run makes the same pictures. */
function random(seed: number): () => number {
  let x = seed * 2654435761 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1_000_000) / 1_000_000;
  };
}

const palettes: Array<[number, number, number]> = [
  [220, 60, 50],
  [40, 120, 220],
  [60, 180, 90],
  [240, 200, 40],
];

/** One picture: pattern family `family`, colour `palette`, small variations from `seed`. */
export function photoPixels(family: number, palette: number, seed: number): Buffer {
  const next = random(seed + 1);
  const [r, g, b] = palettes[palette % palettes.length];
  const period = 10 + Math.floor(next() * 6);
  const phase = next() * period;
  const pixels = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let v: number;
      switch (family % 4) {
        case 0:
          v = Math.sin(((y + phase) / period) * Math.PI * 2) > 0 ? 1 : 0.2; // stripes
          break;
        case 1:
          v = (Math.floor((x + phase) / period) + Math.floor(y / period)) % 2 ? 1 : 0.15; // checks
          break;
        case 2:
          v = 0.55 + 0.45 * Math.sin(Math.hypot(x - side / 2, y - side / 2) / (period / 4)); // rings
          break;
        default:
          v = (x + y + phase) / (2 * side); // gradient
      }
      const noise = (next() - 0.5) * 30;
      const i = (y * side + x) * 3;
      pixels[i] = Math.max(0, Math.min(255, r * v + noise));
      pixels[i + 1] = Math.max(0, Math.min(255, g * v + noise));
      pixels[i + 2] = Math.max(0, Math.min(255, b * v + noise));
    }
  }
  return pixels;
}

export async function encodePhoto(pixels: Buffer, format: 'jpeg' | 'png'): Promise<Buffer> {
  const image = sharp(pixels, { raw: { width: side, height: side, channels: 3 } });
  return format === 'jpeg' ? image.jpeg({ quality: 88 }).toBuffer() : image.png().toBuffer();
}

export interface PhotoFolder {
  dir: string;
  goodCount: number;
  /** File names of the bad files, each of which must be skipped with a reason. */
  badFiles: string[];
}

/** Writes `count` good photos (JPEG and PNG) and two bad files into `dir`. */
export async function makePhotoFolder(dir: string, count: number): Promise<PhotoFolder> {
  await mkdir(join(dir, 'nested'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const format = i % 3 === 0 ? 'png' : 'jpeg';
    const name = `photo-${String(i).padStart(3, '0')}.${format === 'png' ? 'png' : 'jpg'}`;
    const where = i % 5 === 4 ? join(dir, 'nested', name) : join(dir, name);
    await writeFile(where, await encodePhoto(photoPixels(i % 4, Math.floor(i / 4) % 4, i), format));
  }
  await writeFile(join(dir, 'not-a-photo.jpg'), 'this is plain text, not a JPEG\n');
  await writeFile(join(dir, 'empty.png'), Buffer.alloc(0));
  return { dir, goodCount: count, badFiles: ['not-a-photo.jpg', 'empty.png'] };
}

/** An image that is not in any folder: a search query from outside the library. */
export async function makeOutsideImage(path: string): Promise<Buffer> {
  const bytes = await encodePhoto(photoPixels(2, 1, 999), 'png');
  await writeFile(path, bytes);
  return bytes;
}

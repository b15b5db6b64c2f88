/**
 * Large test photos for the indexing benchmark, made from the shipped CIFAR-10 JPEGs: each photo is
 * a mosaic of real CIFAR pictures, enlarged to camera size (12 MP by default) with a little sensor
 * grain, saved as a quality-90 JPEG, so file sizes and decode work are like a phone's photos
 * (smooth areas, edges and noise) rather than like a flat synthetic image. Seeded: the same seed
 * gives the same files. A finished folder is reused (marked by a .complete file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { rng } from '../../fixtures/photos';

export const CIFAR_TARBALL = process.env.DIMSEARCH_CIFAR_TARBALL ?? '/work/shared/datasets/cifar10-jpg.tar.gz';
export const CIFAR_ROOT = process.env.DIMSEARCH_CIFAR_DIR ?? '/tmp/cifar/cifar10';

const TILE = 32;
/** The mosaic is built at a quarter of the final size and enlarged, so tiles look like photo detail, not pixels. */
const ENLARGE = 4;

export interface LargePhotoOptions {
  width?: number;
  height?: number;
  seed?: number;
  quality?: number;
  log?: (line: string) => void;
}

/** The CIFAR-10 JPEG folder, extracted once from the shared tarball if it is not there yet. */
export function ensureCifar(root = CIFAR_ROOT): string {
  if (existsSync(join(root, 'train'))) return root;
  if (!existsSync(CIFAR_TARBALL)) throw new Error(`CIFAR-10 JPEGs not found: neither ${root} nor ${CIFAR_TARBALL} exists`);
  const parent = join(root, '..');
  const made = spawnSync('sh', ['-c', `mkdir -p "${parent}" && tar xzf "${CIFAR_TARBALL}" -C "${parent}"`], { stdio: 'inherit' });
  if (made.status !== 0 || !existsSync(join(root, 'train'))) throw new Error(`could not extract ${CIFAR_TARBALL} to ${parent}`);
  return root;
}

function cifarFiles(root: string): string[] {
  const train = join(root, 'train');
  return readdirSync(train)
    .sort()
    .flatMap((cls) =>
      readdirSync(join(train, cls))
        .filter((f) => f.endsWith('.jpg'))
        .sort()
        .slice(0, 400)
        .map((f) => join(train, cls, f)),
    );
}

/** Decoded 32×32 RGB tiles, loaded once per process. */
let tileCache: Buffer[] | null = null;
async function tiles(): Promise<Buffer[]> {
  if (tileCache) return tileCache;
  const files = cifarFiles(ensureCifar());
  if (files.length === 0) throw new Error('no CIFAR-10 JPEGs found');
  tileCache = await Promise.all(
    files.map((f) => sharp(f).resize(TILE, TILE, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer()),
  );
  return tileCache;
}

/** One large photo as JPEG bytes. */
export async function makeLargePhoto(index: number, options: LargePhotoOptions = {}): Promise<Buffer> {
  const width = options.width ?? 4000;
  const height = options.height ?? 3000;
  const random = rng((options.seed ?? 1) * 100_003 + index);
  const all = await tiles();
  // Mosaic at 1/ENLARGE scale, filled tile by tile (edges cropped).
  const mw = Math.max(1, Math.ceil(width / ENLARGE));
  const mh = Math.max(1, Math.ceil(height / ENLARGE));
  const mosaic = Buffer.alloc(mw * mh * 3);
  for (let ty = 0; ty < mh; ty += TILE) {
    for (let tx = 0; tx < mw; tx += TILE) {
      const tile = all[Math.floor(random() * all.length)]!;
      const rows = Math.min(TILE, mh - ty);
      const cols = Math.min(TILE, mw - tx);
      for (let y = 0; y < rows; y++) tile.copy(mosaic, ((ty + y) * mw + tx) * 3, y * TILE * 3, (y * TILE + cols) * 3);
    }
  }
  const big = await sharp(mosaic, { raw: { width: mw, height: mh, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  // Sensor grain: small noise from a cheap generator (xorshift), so JPEGs are photo-sized.
  let state = (index * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < big.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const v = big[i]! + ((state & 15) - 7.5);
    big[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return sharp(big, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: options.quality ?? 90 })
    .toBuffer();
}

/**
 * Fill `dir` with `count` large photos (photo-00000.jpg ...). A folder completed before with the
 * same settings is reused as is.
 */
export async function makeLargePhotos(dir: string, count: number, options: LargePhotoOptions = {}): Promise<string[]> {
  const width = options.width ?? 4000;
  const height = options.height ?? 3000;
  const marker = join(dir, '.complete');
  const signature = JSON.stringify({ count, width, height, seed: options.seed ?? 1, quality: options.quality ?? 90, version: 1 });
  const names = Array.from({ length: count }, (_, i) => `photo-${String(i).padStart(5, '0')}.jpg`);
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === signature) return names.map((n) => join(dir, n));
  await rm(marker, { force: true });
  await mkdir(dir, { recursive: true });
  const log = options.log ?? (() => {});
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await writeFile(join(dir, names[i]!), await makeLargePhoto(i, options));
    if ((i + 1) % 10 === 0 || i + 1 === count) {
      const rate = (i + 1) / ((performance.now() - started) / 1000);
      log(`made ${i + 1}/${count} photos of ${width}×${height} (${rate.toFixed(1)}/s)`);
    }
  }
  await writeFile(marker, signature);
  return names.map((n) => join(dir, n));
}

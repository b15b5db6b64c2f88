/**
 * `npm run -s bench -- heic [--make N] [--width W --height H] [--json]`
 *
 * HEIC indexing speed against JPEG of the same pixels, in the same run: N camera-size photos
 * (./support/large-photos.ts) saved as quality-90 JPEGs, and the same pictures encoded by heif-enc
 * as HEIC twice — with a 320 px embedded thumbnail, as phones write them, and without one (every
 * pixel decoded). Each folder is indexed into a fresh library with the same encoder; the result is
 * photos/s and the ratio to JPEG. The HEIC files are made once per size and reused.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { heicPool } from '../../main/core/imaging/formats/heic-pool';
import { Library } from '../../main/core/library/library';
import { loadEncoder } from '../../main/ml/models';
import { makeLargePhotos } from './support/large-photos';

const exec = promisify(execFile);

async function heicCopies(jpegs: string[], dir: string, thumbnail: boolean, log: (line: string) => void): Promise<void> {
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return;
  await mkdir(dir, { recursive: true });
  for (const [i, jpeg] of jpegs.entries()) {
    log(`heif-enc ${i + 1}/${jpegs.length}${thumbnail ? ' (with thumbnail)' : ''}`);
    const out = join(dir, `photo-${String(i).padStart(4, '0')}.heic`);
    await exec('heif-enc', ['-q', '60', ...(thumbnail ? ['-t', '320'] : []), '-o', out, jpeg]);
  }
  await writeFile(marker, '');
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { make: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const count = Number(values.make ?? 8);
  const width = Number(values.width ?? 4032);
  const height = Number(values.height ?? 3024);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const base = join(tmpdir(), `dimsearch-bench-heic-${count}-${width}x${height}`);
  const jpegDir = join(base, 'jpeg');
  const jpegs = await makeLargePhotos(jpegDir, count, { width, height, log });
  const sources = (await readdir(jpegDir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(jpegDir, f));
  await heicCopies(sources.length ? sources : jpegs, join(base, 'heic-thumbnail'), true, log);
  await heicCopies(sources.length ? sources : jpegs, join(base, 'heic-full'), false, log);

  const encoder = await loadEncoder('dim-both');
  const scratch = await mkdtemp(join(tmpdir(), 'dimsearch-bench-heic-lib-'));
  const rates: Record<string, number> = {};
  try {
    for (const name of ['jpeg', 'heic-thumbnail', 'heic-full']) {
      const library = await Library.open(join(scratch, name), { encoder });
      try {
        const result = await library.indexFolder(join(base, name));
        if (result.indexed !== count) throw new Error(`${name}: indexed ${result.indexed} of ${count} (${JSON.stringify(result.skipped.slice(0, 2))})`);
        rates[name] = result.indexed / result.seconds;
        log(`${name}: ${rates[name]!.toFixed(2)} photos/s`);
      } finally {
        await library.close();
      }
    }
  } finally {
    encoder.dispose();
    await heicPool().close();
    await rm(scratch, { recursive: true, force: true });
  }
  const summary = {
    photos: count,
    size: `${width}x${height}`,
    jpegPhotosPerSecond: round(rates.jpeg!),
    heicWithThumbnailPhotosPerSecond: round(rates['heic-thumbnail']!),
    heicFullPhotosPerSecond: round(rates['heic-full']!),
    heicWithThumbnailVsJpeg: round(rates['heic-thumbnail']! / rates.jpeg!),
    heicFullVsJpeg: round(rates['heic-full']! / rates.jpeg!),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${Object.entries(summary).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

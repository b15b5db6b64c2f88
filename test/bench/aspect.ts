/**
 * `bench aspect [--model M] [--limit N] [--json]`: how a photo that is not square should be brought
 * to the model's square input, decided by measurement. mini-ImageNet val photos are cut to
 * landscape 3:2 strips (the shape of most camera photos; the full width, the middle two thirds of
 * the height) and searched as queries among the train photos, three ways:
 *   centre — the centre square (what the app does: decodeForModel), losing the strip's sides;
 *   squash — the whole strip resized to a square, stretched;
 *   pad    — the whole strip fitted inside the square, the rest filled with mid-grey.
 * The bank photos are square, so all three bring them in alike. Reported: kNN@20 and precision@10
 * of each, and the same for the untouched square val photos as the reference.
 * Last stdout line with --json: {"model","limit","square":{…},"centre":{…},"squash":{…},"pad":{…}}.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import pMap from 'p-map';
import { decodeModelPixels } from '../../main/core/imaging/decode';
import { defaultModelName } from '../../main/ml/default-model';
import { evaluateEncoder } from '../../main/ml/eval/harness';
import { ensureMiniImagenet } from '../../main/ml/eval/mini-imagenet';
import type { PhotoDecoder } from '../../main/ml/eval/copies';
import { loadEncoder } from '../../main/ml/models';
import { printJson } from '../../main/cli/output';

/** RGB/255 − 0.5, NHWC, as the model input. */
async function toInput(image: sharp.Sharp, side: number): Promise<Float32Array> {
  const raw = await image.removeAlpha().raw().toBuffer();
  const out = new Float32Array(side * side * 3);
  for (let i = 0; i < out.length; i++) out[i] = raw[i]! / 255 - 0.5;
  return out;
}

const ways: Record<'centre' | 'squash' | 'pad', PhotoDecoder> = {
  centre: decodeModelPixels,
  squash: (input, side) => toInput(sharp(input).rotate().resize(side, side, { fit: 'fill', kernel: 'cubic' }), side),
  pad: (input, side) => toInput(sharp(input).rotate().resize(side, side, { fit: 'contain', background: { r: 128, g: 128, b: 128 }, kernel: 'cubic' }).flatten({ background: '#808080' }), side),
};

/** Each val photo's landscape 3:2 strip (full width, middle rows), one folder per class. */
async function landscapeStrips(valDir: string, target: string, limit: number): Promise<void> {
  const jobs: { from: string; to: string }[] = [];
  for (const name of (await readdir(valDir)).sort()) {
    await mkdir(join(target, name), { recursive: true });
    for (const file of (await readdir(join(valDir, name))).sort().slice(0, limit)) jobs.push({ from: join(valDir, name, file), to: join(target, name, file) });
  }
  await pMap(
    jobs,
    async ({ from, to }) => {
      const { width = 0, height = 0 } = await sharp(from).metadata();
      const stripHeight = Math.round((width * 2) / 3);
      await sharp(from)
        .extract({ left: 0, top: Math.floor((height - stripHeight) / 2), width, height: stripHeight })
        .jpeg({ quality: 95 })
        .toFile(to);
    },
    { concurrency: 4 },
  );
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { model: { type: 'string' }, limit: { type: 'string', default: '50' }, json: { type: 'boolean', default: false } } });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a positive integer, got ${values.limit}`);
  const model = values.model ?? defaultModelName();
  const data = await ensureMiniImagenet();
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-aspect-'));
  try {
    await landscapeStrips(data.test, join(root, 'val'), limit);
    const measure = async (queries: string, decode: PhotoDecoder) => {
      const encoder = await loadEncoder(model);
      try {
        const r = await evaluateEncoder(encoder, data.train, queries, { decode, limit });
        return { knn20: Math.round(r.knn.accuracy[20]! * 100) / 100, precisionAt10: Math.round(r.knn.precision * 100) / 100, n: r.n };
      } finally {
        encoder.dispose();
      }
    };
    const result: Record<string, unknown> = { model, limit, square: await measure(data.test, decodeModelPixels) };
    for (const [way, decode] of Object.entries(ways)) {
      process.stderr.write(`aspect: ${way}\n`);
      result[way] = await measure(join(root, 'val'), decode);
    }
    if (values.json) printJson(result);
    else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

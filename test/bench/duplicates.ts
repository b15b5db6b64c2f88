/**
 * `bench duplicates <folder> [--photos 1000] [--copies N] [--model m] [--threshold T] [--seed S] [--json]`:
 * how well duplicate grouping finds edited copies, against a perceptual hash measured in the same run.
 * A seeded sample of the folder's photos (taken as distinct) is copied to a temporary library
 * folder, N of them get 1–3 edited copies each (main/ml/eval/copies.ts, as eval-copies makes them),
 * the folder is indexed with the model, grouped by likeness (codes and colour layouts) at the default
 * threshold (or --threshold), and the pairs inside groups are scored against the truth (two photos
 * belong together when one is an edited copy of the other or both are copies of one photo).
 * `hashF1` is the best F1 of 64-bit dHash and pHash with Hamming distance over every threshold 0–24,
 * grouped as those tools do (union-find) or as we do (no chains: mean distance between groups), the
 * better of the two; `codesOnly` the best F1 of the codes' cosine alone, for the record.
 *   → {"photos","groups","pairs","precision","recall","f1","hashF1", "seconds", …details}
 *
 * `bench duplicates --n 100000 [--search] [--json]`: the time to group a library of n codes already indexed
 * (seeded clustered codes of the model's dimension, 2 % of them with a near-copy; colour layouts made
 * from the codes, as if cached), the app's index settings, the index saved to a file as a library's
 * is; `recallSample` checks that the pair search finds every pair an exact search from 200 seeded
 * codes finds at or above the threshold.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { printJson } from '../../main/cli/output';
import { groupDuplicates } from '../../main/core/duplicates/grouping';
import { libraryLayouts, type LayoutSource } from '../../main/core/duplicates/layouts';
import { LAYOUT_LENGTH, layoutSimilarity, likeness, lowestCosineFor } from '../../main/ml/eval/likeness';
import { thresholdFromCard } from '../../main/core/duplicates/threshold';
import { UnionFind } from '../../main/core/duplicates/union-find';
import { scanFolder } from '../../main/core/imaging/scan';
import type { PhotoWithCode } from '../../main/core/index/store';
import { DEFAULT_INDEX_PARAMS, VectorIndex } from '../../main/core/index/vector-index';
import { Library } from '../../main/core/library/library';
import { copyEditFor, makeEditedCopy, sampleForCopies } from '../../main/ml/eval/copies';
import { Rng, deriveSeed } from '../../main/ml/dim/random';
import { defaultModelName } from '../../main/ml/default-model';
import { loadEncoder } from '../../main/ml/models';
import { ClusteredCodes } from './support/clustered-codes';

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      photos: { type: 'string', default: '1000' },
      copies: { type: 'string' },
      model: { type: 'string', default: defaultModelName() },
      threshold: { type: 'string' },
      seed: { type: 'string', default: '0' },
      n: { type: 'string' },
      search: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const usage = 'usage: bench duplicates <folder> [--photos 1000] [--copies N] [--model m] [--threshold T] [--seed S] [--json]\n       bench duplicates --n 100000 [--search] [--json]';
  if (values.help) return void process.stdout.write(`${usage}\n`);
  const seed = Number(values.seed);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (values.n !== undefined) {
    const result = await timeGrouping(Number(values.n), seed, values.model!, values.search!, log);
    if (values.json) printJson(result);
    else log(`grouped ${result.n} codes in ${result.seconds.toFixed(2)} s (${result.groups} groups; index built in ${result.buildSeconds.toFixed(0)} s)`);
    return;
  }
  if (positionals.length !== 1) throw new Error(usage);
  const photos = Number(values.photos);
  const copies = values.copies === undefined ? Math.round(photos / 4) : Number(values.copies);
  if (!(Number.isInteger(photos) && photos >= 2) || !(Number.isInteger(copies) && copies >= 0 && copies <= photos))
    throw new Error('--photos must be an integer ≥ 2 and --copies an integer from 0 to --photos');
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  const result = await scoreGrouping(positionals[0]!, { photos, copies, model: values.model!, threshold, seed, log });
  if (values.json) printJson(result);
  else log(JSON.stringify(result, null, 2));
}

interface ScoreOptions {
  photos: number;
  copies: number;
  model: string;
  threshold?: number;
  seed: number;
  log: (line: string) => void;
}

async function scoreGrouping(folder: string, options: ScoreOptions) {
  const started = performance.now();
  const files = (await scanFolder(folder)).files.map((f) => f.path).sort();
  if (files.length < options.photos) throw new Error(`${folder} has ${files.length} photos, fewer than --photos ${options.photos}`);
  const chosen = sampleForCopies(files.length, options.photos, options.seed).map((i) => files[i]!);
  const work = await mkdtemp(join(tmpdir(), 'dimsearch-bench-dups-'));
  try {
    const photoDir = join(work, 'photos');
    await mkdir(photoDir);
    // truth[i]: the distinct photo file i shows.
    const names: string[] = [];
    const truth: number[] = [];
    for (const [i, path] of chosen.entries()) {
      const name = `p${String(i).padStart(6, '0')}${extname(path).toLowerCase()}`;
      await copyFile(path, join(photoDir, name));
      names.push(name);
      truth.push(i);
    }
    const rng = new Rng(deriveSeed(options.seed, 3));
    let made = 0;
    for (let i = 0; i < options.copies; i++) {
      const count = 1 + rng.int(3);
      for (let c = 0; c < count; c++) {
        const name = `p${String(i).padStart(6, '0')}-copy${c}.jpg`;
        await writeFile(join(photoDir, name), await makeEditedCopy(chosen[i]!, copyEditFor(options.seed, i * 4 + c)));
        names.push(name);
        truth.push(i);
        made++;
      }
    }
    options.log(`bench duplicates: ${chosen.length} photos, ${made} edited copies of ${options.copies} of them; indexing with ${options.model}…`);
    const encoder = await loadEncoder(options.model);
    const library = await Library.open(join(work, 'library'), { encoder });
    try {
      const indexStart = performance.now();
      await library.indexFolder(photoDir);
      const indexSeconds = (performance.now() - indexStart) / 1000;
      const rows = library.store.photosWithCodes(library.modelId);
      const truthOf = new Map(names.map((name, i) => [join(photoDir, name), truth[i]!]));
      const labelOfRow = rows.map((r) => truthOf.get(r.path) ?? -1);
      const truePairs = countTruePairs(labelOfRow);
      const { threshold, source } = options.threshold === undefined ? thresholdFromCard(encoder.card) : { threshold: options.threshold, source: 'given' };

      const layouts = libraryLayouts(library);
      // The layouts are made on the first look (and cached): timed apart from grouping.
      const layoutStart = performance.now();
      await layouts(rows);
      const layoutSeconds = (performance.now() - layoutStart) / 1000;
      const groupStart = performance.now();
      const grouped = await groupDuplicates(rows, library.index, threshold, layouts);
      const groupSeconds = (performance.now() - groupStart) / 1000;
      const rowOf = new Map(rows.map((r, i) => [r.path, i]));
      const ours = scorePairs(grouped.groups.map((g) => g.photos.map((p) => rowOf.get(p.path)!)), labelOfRow, truePairs);

      // The codes' own best threshold, for the record (how the default rule could be set).
      options.log(`bench duplicates: sweeping thresholds…`);
      const sweepWith = async (source: LayoutSource, thresholds: number[], toLikeness: (t: number) => number) => {
        const out = [];
        for (const t of thresholds) {
          const g = await groupDuplicates(rows, library.index, toLikeness(t), source);
          out.push({ threshold: t, ...scorePairs(g.groups.map((x) => x.photos.map((p) => rowOf.get(p.path)!)), labelOfRow, truePairs) });
        }
        return out;
      };
      const sweep = await sweepWith(layouts, [0.6, 0.65, 0.7, 0.72, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.82, 0.85, 0.9], (t) => t);
      const bestLikeness = sweep.reduce((a, b) => (b.f1 > a.f1 ? b : a));
      // The codes alone: no layouts, and the cosine threshold t as the likeness it then makes.
      const noLayouts: LayoutSource = async (photos) => photos.map(() => null);
      const codesSweep = await sweepWith(noLayouts, [0.7, 0.75, 0.8, 0.83, 0.85, 0.87, 0.89, 0.91, 0.93, 0.95], (t) => likeness(t, null));
      const bestCodes = codesSweep.reduce((a, b) => (b.f1 > a.f1 ? b : a));

      options.log(`bench duplicates: indexed in ${indexSeconds.toFixed(1)} s, grouped in ${groupSeconds.toFixed(2)} s; perceptual hashes…`);
      const hashStart = performance.now();
      const hashes = await Promise.all(rows.map(async (r) => ({ d: await dHash(r.path), p: await pHash(r.path) })));
      const hashSweep = (['d', 'p'] as const).map((kind) => {
        const distances = pairDistances(hashes.map((h) => h[kind]));
        let best = { kind: kind === 'd' ? 'dHash' : 'pHash', grouping: 'chains', distance: 0, precision: 0, recall: 0, f1: 0 };
        for (let t = 0; t <= 24; t++) {
          for (const grouping of ['chains', 'no chains'] as const) {
            const s = scorePairs(hashGroups(rows.length, distances, t, grouping === 'no chains'), labelOfRow, truePairs);
            if (s.f1 > best.f1) best = { kind: best.kind, grouping, distance: t, ...s };
          }
        }
        return best;
      });
      const bestHash = hashSweep[0]!.f1 >= hashSweep[1]!.f1 ? hashSweep[0]! : hashSweep[1]!;
      const hashSeconds = (performance.now() - hashStart) / 1000;
      return {
        photos: rows.length,
        groups: grouped.groups.length,
        pairs: ours.predictedPairs,
        precision: round(ours.precision),
        recall: round(ours.recall),
        f1: round(ours.f1),
        hashF1: round(bestHash.f1),
        seconds: round(groupSeconds),
        model: encoder.name,
        threshold,
        thresholdSource: source,
        truePairs,
        distinct: chosen.length,
        copies: made,
        bestThreshold: { threshold: bestLikeness.threshold, f1: round(bestLikeness.f1), precision: round(bestLikeness.precision), recall: round(bestLikeness.recall) },
        codesOnly: { threshold: bestCodes.threshold, f1: round(bestCodes.f1), precision: round(bestCodes.precision), recall: round(bestCodes.recall) },
        hash: { ...bestHash, precision: round(bestHash.precision), recall: round(bestHash.recall), f1: round(bestHash.f1) },
        sweep: sweep.map((s) => ({ threshold: s.threshold, f1: round(s.f1), precision: round(s.precision), recall: round(s.recall) })),
        layoutSeconds: round(layoutSeconds),
        indexSeconds: round(indexSeconds),
        hashSeconds: round(hashSeconds),
        totalSeconds: round((performance.now() - started) / 1000),
      };
    } finally {
      await library.close();
      encoder.dispose();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function countTruePairs(labels: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const l of labels) if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1);
  let pairs = 0;
  for (const c of counts.values()) pairs += (c * (c - 1)) / 2;
  return pairs;
}

/** Pairs inside predicted groups against the truth's pairs. */
function scorePairs(groups: readonly number[][], labels: readonly number[], truePairs: number) {
  let predictedPairs = 0;
  let correct = 0;
  for (const g of groups) {
    predictedPairs += (g.length * (g.length - 1)) / 2;
    const counts = new Map<number, number>();
    for (const i of g) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
    for (const [label, c] of counts) if (label >= 0) correct += (c * (c - 1)) / 2;
  }
  const precision = predictedPairs > 0 ? correct / predictedPairs : 1;
  const recall = truePairs > 0 ? correct / truePairs : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { predictedPairs, precision, recall, f1 };
}

/** 64-bit difference hash: 9×8 grey, each pixel brighter than its right neighbour (as Czkawka and dupeGuru do). */
async function dHash(path: string): Promise<bigint> {
  const px = await sharp(path).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let h = 0n;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) h = (h << 1n) | (px[y * 9 + x]! > px[y * 9 + x + 1]! ? 1n : 0n);
  return h;
}

/** 64-bit perceptual hash: 32×32 grey, 2-D DCT, the 8×8 lowest frequencies above their median. */
async function pHash(path: string): Promise<bigint> {
  const N = 32;
  const px = await sharp(path).greyscale().resize(N, N, { fit: 'fill' }).raw().toBuffer();
  const cos = (k: number, n: number) => Math.cos(((2 * n + 1) * k * Math.PI) / (2 * N));
  const coeffs: number[] = [];
  for (let u = 0; u < 8; u++)
    for (let v = 0; v < 8; v++) {
      let s = 0;
      for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) s += px[y * N + x]! * cos(u, y) * cos(v, x);
      coeffs.push(s);
    }
  const median = [...coeffs.slice(1)].sort((a, b) => a - b)[31]!;
  let h = 0n;
  for (const c of coeffs) h = (h << 1n) | (c > median ? 1n : 0n);
  return h;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Hamming distance of every pair (i < j), row by row, computed once for the whole sweep. */
function pairDistances(hashes: readonly bigint[]): Uint8Array {
  const n = hashes.length;
  const hi = Uint32Array.from(hashes, (h) => Number(h >> 32n));
  const lo = Uint32Array.from(hashes, (h) => Number(h & 0xffffffffn));
  const out = new Uint8Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = popcount32(hi[i]! ^ hi[j]!) + popcount32(lo[i]! ^ lo[j]!);
  return out;
}

/**
 * Groups of photos whose hashes are within `maxDistance`: chained (union-find, as Czkawka and dupeGuru
 * do) or, with `noChains`, as the app groups (closest pairs first; two groups join when their mean
 * distance over every pair across them is within `maxDistance` too).
 */
function hashGroups(n: number, distances: Uint8Array, maxDistance: number, noChains: boolean): number[][] {
  // Row i's pairs (i, j > i) start at offset(i) in the triangular `distances`.
  const offset = (i: number) => i * n - (i * (i + 1)) / 2 - i - 1;
  const distance = (i: number, j: number) => (i < j ? distances[offset(i) + j]! : distances[offset(j) + i]!);
  if (!noChains) {
    const sets = new UnionFind(n);
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (distances[k++]! <= maxDistance) sets.union(i, j);
    return sets.sets(2);
  }
  const close: { i: number; j: number; d: number }[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (distances[k++]! <= maxDistance) close.push({ i, j, d: distances[k - 1]! });
  close.sort((a, b) => a.d - b.d);
  const groupOf = Int32Array.from({ length: n }, (_, i) => i);
  const members = new Map<number, number[]>();
  const of = (g: number) => members.get(g) ?? [g];
  for (const { i, j } of close) {
    const [a, b] = [groupOf[i]!, groupOf[j]!];
    if (a === b) continue;
    const [A, B] = [of(a), of(b)];
    let total = 0;
    for (const x of A) for (const y of B) total += distance(x, y);
    if (total > maxDistance * A.length * B.length) continue;
    for (const y of B) groupOf[y] = a;
    members.set(a, A.concat(B));
    members.delete(b);
  }
  return [...members.values()];
}

async function timeGrouping(n: number, seed: number, model: string, search: boolean, log: (line: string) => void) {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error('--n must be an integer ≥ 2');
  const { readModelInfo } = await import('../../main/ml/models');
  const info = await readModelInfo(model);
  const dim = info.dim;
  const codes = new ClusteredCodes({ dim, clusters: Math.max(1, Math.round(n / 100)), seed: seed + 1 }).draw(n, 0);
  // 2 % of the codes get a near-copy (a little noise), so there is something to group.
  const rng = new Rng(seed + 7);
  for (let i = 0; i < Math.floor(n * 0.02); i++) {
    const from = rng.int(n);
    const to = rng.int(n);
    if (from === to) continue;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = codes[from * dim + d]! + (rng.next() - 0.5) * 0.02;
      codes[to * dim + d] = v;
      norm += v * v;
    }
    for (let d = 0; d < dim; d++) codes[to * dim + d]! /= Math.sqrt(norm);
  }
  const work = await mkdtemp(join(tmpdir(), 'dimsearch-bench-dups-'));
  try {
    // Built once and kept beside the bench: a library's index is on disk before it is grouped.
    const indexFile = join(work, 'codes.hnsw');
    const buildStart = performance.now();
    const index = VectorIndex.create(dim, DEFAULT_INDEX_PARAMS, n);
    for (let start = 0; start < n; start += 5000) {
      const count = Math.min(5000, n - start);
      index.add(codes.subarray(start * dim, (start + count) * dim), count);
      log(`bench duplicates: indexed ${start + count}/${n} codes`);
    }
    index.save(indexFile);
    const buildSeconds = (performance.now() - buildStart) / 1000;
    const rows: PhotoWithCode[] = Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      folderId: 1,
      path: `/photos/${i}.jpg`,
      size: 100_000 + i,
      mtimeMs: 1_700_000_000_000 + i,
      hash: `h${i}`,
      width: 4000,
      height: 3000,
      label: i,
    }));
    const threshold = thresholdFromCard(info.card).threshold;
    // Layouts as if cached (made before the clock starts, as a library's store holds them): the
    // code's first values plus noise, so near-copies mostly match.
    const cachedLayouts = Array.from({ length: n }, (_, label) => {
      const noise = new Rng(deriveSeed(seed, 12, label));
      const layout = new Float32Array(LAYOUT_LENGTH);
      let norm = 0;
      for (let k = 0; k < LAYOUT_LENGTH; k++) norm += (layout[k] = codes[label * dim + (k % dim)]! + (noise.next() - 0.5) * 0.1) ** 2;
      for (let k = 0; k < LAYOUT_LENGTH; k++) layout[k]! /= Math.sqrt(norm);
      return layout;
    });
    const layoutOf = (label: number) => cachedLayouts[label]!;
    const layouts: LayoutSource = async (photos) => photos.map((p) => layoutOf(p.label!));
    const foundPairs = new Set<number>();
    const started = performance.now();
    const result = await groupDuplicates(rows, index, threshold, layouts, {
      onAlikePair: (i, j) => foundPairs.add(i * n + j),
      // --search: as for an index with unsaved changes (each code's neighbours searched), to compare.
      ...(search ? {} : { savedIndexFile: indexFile }),
      onProgress: (done, total) => {
        if (done % 10240 === 0) log(`bench duplicates: compared ${done}/${total}`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const recall = sampleRecall(codes, dim, foundPairs, threshold, (i, j, cosine) => likeness(cosine, layoutSimilarity(layoutOf(i), layoutOf(j))), seed);
    return {
      n,
      seconds: round(seconds),
      groups: result.groups.length,
      pairs: result.pairs,
      declined: result.declined,
      candidates: result.candidates,
      threshold,
      dim,
      pairsFrom: search ? 'search' : 'saved graph',
      ...recall,
      buildSeconds: round(buildSeconds),
      limitSeconds: 10,
      withinLimit: seconds <= 10,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * How many of the pairs an exact search finds from a seeded sample of codes are linked by the pairs
 * the grouping found (`found`: i·n + j, i < j; joined by union-find, so a pair reached through others
 * counts): the check that the short HNSW candidate list (DEFAULT_PAIR_SEARCH) loses no copies,
 * whatever the grouping then makes of the pairs.
 */
function sampleRecall(
  codes: Float32Array,
  dim: number,
  found: ReadonlySet<number>,
  threshold: number,
  likenessOf: (i: number, j: number, cosine: number) => number,
  seed: number,
  queries = 200,
) {
  const n = codes.length / dim;
  const linked = new UnionFind(n);
  for (const key of found) linked.union(Math.floor(key / n), key % n);
  const rng = new Rng(deriveSeed(seed, 11));
  let exactPairs = 0;
  let linkedPairs = 0;
  for (let q = 0; q < Math.min(queries, n); q++) {
    const i = rng.int(n);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let d = 0; d < dim; d++) s += codes[i * dim + d]! * codes[j * dim + d]!;
      if (s < lowestCosineFor(threshold) || likenessOf(i, j, s) < threshold) continue;
      exactPairs++;
      if (linked.find(i) === linked.find(j)) linkedPairs++;
    }
  }
  return { recallSample: { queries, exactPairs, linked: linkedPairs, recall: exactPairs > 0 ? round(linkedPairs / exactPairs) : 1 } };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

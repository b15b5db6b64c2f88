/**
 * `bench query --n 100000 [--queries 500] [--json]`: search speed and recall of the app's own HNSW
 * index (main/core/index/vector-index.ts, the settings the app uses) on seeded clustered codes of
 * the shipped model's dimension, against exact search measured in the same run.
 *
 * Exact search is hnswlib's native brute force (BruteforceSearch, same cosine distance code), so
 * both sides are native code and the ratio is fair; a few of its answers are checked against a
 * plain JavaScript scan. Queries are held out (drawn from their own stream, not in the index).
 * Options --m, --ef-construction and --ef-search override the app's settings to explore others.
 *
 * Last stdout line with --json:
 *   {"n", "recallAt10", "p50Ms", "p99Ms", "bruteForceP50Ms", "indexBytes", ...details}
 */
import hnswlib from 'hnswlib-node';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printJson } from '../../main/cli/output';
import { DEFAULT_INDEX_PARAMS, VectorIndex, type VectorIndexParams } from '../../main/core/index/vector-index';
import { readModelInfo } from '../../main/ml/models';
import { ClusteredCodes, percentile } from './support/clustered-codes';

const K = 10;
const ADD_CHUNK = 2000;

export interface QueryBenchOptions {
  n: number;
  queries: number;
  seed: number;
  dim: number;
  clusters: number;
  /** Shape of the clusters (see ClusteredCodes); defaults there. */
  intrinsicDim?: number;
  spread?: number;
  noise?: number;
  params: VectorIndexParams;
  log?: (line: string) => void;
}

export interface QueryBenchResult {
  n: number;
  recallAt10: number;
  p50Ms: number;
  p99Ms: number;
  bruteForceP50Ms: number;
  indexBytes: number;
  /** How many times faster the median HNSW query is than the median exact one. */
  speedup: number;
  buildSeconds: number;
  /** One atomic save of the whole index file (what each indexer checkpoint costs at this size). */
  saveSeconds: number;
  queries: number;
  dim: number;
  clusters: number;
  intrinsicDim: number;
  spread: number;
  noise: number;
  params: VectorIndexParams;
}

/** Exact top-k by a plain scan of unit rows (only used to check the native brute force). */
function exactTopK(data: Float32Array, dim: number, query: Float32Array, k: number): number[] {
  const n = data.length / dim;
  const best: { label: number; score: number }[] = [];
  for (let r = 0; r < n; r++) {
    let dot = 0;
    const base = r * dim;
    for (let i = 0; i < dim; i++) dot += data[base + i]! * query[i]!;
    if (best.length < k || dot > best[best.length - 1]!.score) {
      best.push({ label: r, score: dot });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.label);
}

export async function runQueryBench(options: QueryBenchOptions): Promise<QueryBenchResult> {
  const { n, dim, params } = options;
  const log = options.log ?? (() => {});
  const generator = new ClusteredCodes({
    dim,
    clusters: options.clusters,
    seed: options.seed,
    ...(options.intrinsicDim !== undefined ? { intrinsicDim: options.intrinsicDim } : {}),
    ...(options.spread !== undefined ? { spread: options.spread } : {}),
    ...(options.noise !== undefined ? { noise: options.noise } : {}),
  });

  log(`generating ${n.toLocaleString('en')} clustered ${dim}-d codes (${generator.clusters} clusters) and ${options.queries} held-out queries`);
  const data = generator.draw(n, 0);
  const queries = generator.draw(options.queries, 1);

  // ---- the app's index, built with its own API ----
  log(`building HNSW (M=${params.m}, efConstruction=${params.efConstruction}, efSearch=${params.efSearch})`);
  const index = VectorIndex.create(dim, params, n);
  const buildStart = performance.now();
  let lastLog = buildStart;
  for (let start = 0; start < n; start += ADD_CHUNK) {
    const count = Math.min(ADD_CHUNK, n - start);
    index.add(data.subarray(start * dim, (start + count) * dim), count);
    const now = performance.now();
    if (now - lastLog > 10_000) {
      const done = start + count;
      const rate = done / ((now - buildStart) / 1000);
      log(`  ${done.toLocaleString('en')} / ${n.toLocaleString('en')} (${rate.toFixed(0)}/s, ${((n - done) / rate).toFixed(0)} s left)`);
      lastLog = now;
    }
  }
  const buildSeconds = (performance.now() - buildStart) / 1000;
  log(`built in ${buildSeconds.toFixed(1)} s (${(n / buildSeconds).toFixed(0)} codes/s)`);

  const dir = mkdtempSync(join(tmpdir(), 'dimsearch-bench-query-'));
  let indexBytes: number;
  let saveSeconds: number;
  try {
    const file = join(dir, 'bench.hnsw');
    // What each indexer checkpoint pays at this size (atomic write + fsync of the whole file).
    const saveStart = performance.now();
    index.save(file);
    saveSeconds = (performance.now() - saveStart) / 1000;
    indexBytes = statSync(file).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // ---- exact search: native brute force over the same codes ----
  log('building exact (brute-force) index');
  const exact = new hnswlib.BruteforceSearch('cosine', dim);
  exact.initIndex(n);
  for (let r = 0; r < n; r++) exact.addPoint(Array.from(data.subarray(r * dim, (r + 1) * dim)), r);

  const queryRow = (q: number) => queries.subarray(q * dim, (q + 1) * dim);
  const warmup = Math.min(20, options.queries);
  for (let q = 0; q < warmup; q++) index.search(queryRow(q), K);

  log(`timing ${options.queries} HNSW queries`);
  const hnswMs: number[] = [];
  const found: number[][] = [];
  for (let q = 0; q < options.queries; q++) {
    const row = queryRow(q);
    const t = performance.now();
    const hits = index.search(row, K);
    hnswMs.push(performance.now() - t);
    found.push(hits.map((h) => h.label));
  }

  log(`timing ${options.queries} exact queries`);
  for (let q = 0; q < Math.min(3, options.queries); q++) exact.searchKnn(Array.from(queryRow(q)), K);
  const exactMs: number[] = [];
  const truth: number[][] = [];
  for (let q = 0; q < options.queries; q++) {
    const row = queryRow(q);
    const t = performance.now();
    const result = exact.searchKnn(Array.from(row), K);
    exactMs.push(performance.now() - t);
    truth.push(result.neighbors);
  }

  // The ground truth itself is checked on a few queries (labels are row numbers: both add in row order).
  for (let q = 0; q < Math.min(3, options.queries); q++) {
    const js = new Set(exactTopK(data, dim, queryRow(q), K));
    const agree = truth[q]!.filter((label) => js.has(label)).length;
    if (agree < K - 1) throw new Error(`exact search disagrees with a plain scan on query ${q} (${agree}/${K})`);
  }

  let hitsTotal = 0;
  for (let q = 0; q < options.queries; q++) {
    const want = new Set(truth[q]);
    hitsTotal += found[q]!.filter((label) => want.has(label)).length;
  }
  const p50Ms = percentile(hnswMs, 50);
  const bruteForceP50Ms = percentile(exactMs, 50);
  return {
    n,
    recallAt10: hitsTotal / (options.queries * K),
    p50Ms: round(p50Ms, 4),
    p99Ms: round(percentile(hnswMs, 99), 4),
    bruteForceP50Ms: round(bruteForceP50Ms, 4),
    indexBytes,
    speedup: round(bruteForceP50Ms / p50Ms, 1),
    buildSeconds: round(buildSeconds, 2),
    saveSeconds: round(saveSeconds, 3),
    queries: options.queries,
    dim,
    clusters: generator.clusters,
    intrinsicDim: generator.intrinsicDim,
    spread: generator.spread,
    noise: generator.noise,
    params,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return parsed;
}

function nonNegative(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number ≥ 0, got '${value}'`);
  return parsed;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: 'string' },
      queries: { type: 'string' },
      seed: { type: 'string' },
      clusters: { type: 'string' },
      intrinsic: { type: 'string' },
      spread: { type: 'string' },
      noise: { type: 'string' },
      model: { type: 'string' },
      m: { type: 'string' },
      'ef-construction': { type: 'string' },
      'ef-search': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const n = positiveInt('n', values.n, 100_000);
  const queries = positiveInt('queries', values.queries, 500);
  // The shipped model's code length (its architecture's zDim), not a constant here.
  const dim = (await readModelInfo(values.model ?? 'dim-both')).dim;
  const params: VectorIndexParams = {
    m: positiveInt('m', values.m, DEFAULT_INDEX_PARAMS.m),
    efConstruction: positiveInt('ef-construction', values['ef-construction'], DEFAULT_INDEX_PARAMS.efConstruction),
    efSearch: positiveInt('ef-search', values['ef-search'], DEFAULT_INDEX_PARAMS.efSearch),
  };
  const result = await runQueryBench({
    n,
    queries,
    dim,
    seed: positiveInt('seed', values.seed, 1),
    // A thousand groups (subjects, trips, bursts) whatever n: larger libraries have denser groups,
    // which is the harder case for a graph index (a group no longer fits in one search's list).
    clusters: positiveInt('clusters', values.clusters, 1000),
    ...(values.intrinsic !== undefined ? { intrinsicDim: positiveInt('intrinsic', values.intrinsic, 12) } : {}),
    ...(values.spread !== undefined ? { spread: nonNegative('spread', values.spread) } : {}),
    ...(values.noise !== undefined ? { noise: nonNegative('noise', values.noise) } : {}),
    params,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const summary =
    `n=${result.n.toLocaleString('en')} recall@10=${result.recallAt10.toFixed(4)} p50=${result.p50Ms.toFixed(3)} ms ` +
    `p99=${result.p99Ms.toFixed(3)} ms exact p50=${result.bruteForceP50Ms.toFixed(2)} ms (${result.speedup}× faster) ` +
    `index=${(result.indexBytes / 1024 ** 2).toFixed(1)} MiB build=${result.buildSeconds} s`;
  if (values.json) {
    process.stderr.write(`${summary}\n`);
    printJson(result);
  } else {
    process.stdout.write(`${summary}\n`);
  }
}

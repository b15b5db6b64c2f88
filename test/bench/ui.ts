/**
 * `bench ui [--n 100000] [--distinct 256] [--dir DIR] [--no-watch] [--json]`: a large library in
 * the real web mode, measured end to end in Chromium.
 *
 * The library is real but built without decoding n photos: `distinct` small JPEGs are generated and
 * hard-linked into n files (many paths, same bytes: a library of copies, which the store and the
 * hash-keyed thumbnail cache both allow), each file gets its row with its real content hash, and
 * the rows get seeded clustered codes (support/clustered-codes.ts) in the library's own HNSW index —
 * all through the core's APIs (Library, VectorIndex, Store, ThumbnailCache), in the indexer's write
 * order (index saved, then rows committed). Then `serve` starts on it as a user starts it, and
 * Chromium (playwright-core) drives the page:
 *
 *   firstGridMs        navigation start → every grid cell in view shows its thumbnail
 *   scrollMs           the slower of two jumps (to the middle, to the end) → every cell in view there
 *                      shows its thumbnail (after a fast wheel scroll has settled: wheelSettleMs)
 *   clickToResultsMs   click on a photo near the end → its k results listed, first thumbnail shown
 *   longTasksOver50ms  main-thread tasks over 50 ms (Long Tasks API) from navigation to the end,
 *                      including a wheel scroll through the first rows (frame times reported too)
 *
 * --dir DIR keeps the built library there and reuses it on the next run with the same n.
 * Last stdout line with --json: {"n", "firstGridMs", "clickToResultsMs", "longTasksOver50ms", "scrollMs", ...}
 */
import { existsSync, linkSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { printJson } from '../../main/cli/output';
import type { PhotoUpsert } from '../../main/core/index/store';
import { contentHash } from '../../main/core/library/content-hash';
import { Library } from '../../main/core/library/library';
import { startServe } from '../e2e/serve-process';
import { readModelInfo } from '../../main/ml/models';
import { makePhoto } from '../fixtures/photos';
import { ClusteredCodes, percentile } from './support/clustered-codes';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FILES_PER_FOLDER = 1000;
const COMMIT_CHUNK = 5000;
const ADD_CHUNK = 2000;
const PHOTO_WIDTH = 160;
const PHOTO_HEIGHT = 120;
/** The page's default number of results (library.svelte.ts `k`). */
const RESULTS_K = 12;

export interface UiBenchResult {
  n: number;
  firstGridMs: number;
  clickToResultsMs: number;
  longTasksOver50ms: number;
  scrollMs: number;
  scrollMiddleMs: number;
  /** Navigation start → the first thumbnail (firstGridMs waits for every cell in view). */
  firstThumbnailMs: number;
  /** After 40 fast wheel steps, until the rows in view show their thumbnails. */
  wheelSettleMs: number;
  scrollEndMs: number;
  maxLongTaskMs: number;
  /** Frame intervals while wheel-scrolling through the first rows. */
  wheelFrameP50Ms: number;
  wheelFrameP95Ms: number;
  wheelLongTasks: number;
  watch: boolean;
  buildSeconds: number | null;
  serveStartSeconds: number;
  distinct: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return parsed;
}

/** Build (or reuse) a library of n photos under `dir`; returns the library folder and build seconds (null when reused). */
export async function buildLargeLibrary(dir: string, n: number, distinct: number): Promise<{ libraryDir: string; buildSeconds: number | null }> {
  const libraryDir = join(dir, 'library');
  const marker = join(dir, 'built.json');
  // Codes belong to a model: a library built under another shipped model is built again.
  const modelId = (await readModelInfo('dim-both')).id;
  const built = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { n?: number; modelId?: string }) : null;
  if (built?.n === n && built.modelId === modelId) {
    log(`reusing the ${n.toLocaleString('en')}-photo library in ${dir}`);
    return { libraryDir, buildSeconds: null };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();

  // Distinct photos, outside the library's folder; the folder holds hard links to them.
  const sourcesDir = join(dir, 'sources');
  const photosDir = join(dir, 'photos');
  mkdirSync(sourcesDir);
  log(`making ${distinct} distinct ${PHOTO_WIDTH}×${PHOTO_HEIGHT} photos`);
  const sources: { path: string; bytes: Buffer; hash: string; size: number; mtimeMs: number }[] = [];
  for (let i = 0; i < distinct; i++) {
    const bytes = await makePhoto(1000 + i, { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, format: 'jpeg' });
    const path = join(sourcesDir, `source-${i}.jpg`);
    writeFileSync(path, bytes);
    const info = statSync(path);
    sources.push({ path, bytes, hash: await contentHash(bytes), size: info.size, mtimeMs: info.mtimeMs });
  }
  log(`linking ${n.toLocaleString('en')} files`);
  const files: { path: string; source: number }[] = [];
  for (let i = 0; i < n; i++) {
    const folder = join(photosDir, `roll-${String(Math.floor(i / FILES_PER_FOLDER)).padStart(4, '0')}`);
    if (i % FILES_PER_FOLDER === 0) mkdirSync(folder, { recursive: true });
    const path = join(folder, `img-${String(i).padStart(7, '0')}.jpg`);
    const source = i % distinct;
    try {
      linkSync(sources[source]!.path, path);
    } catch {
      copyFileSync(sources[source]!.path, path);
    }
    files.push({ path, source });
  }

  const library = await Library.open(libraryDir);
  try {
    const folder = await library.addFolder(photosDir);
    for (const source of sources) if (!library.thumbnails.has(source.hash)) await library.thumbnails.make(source.hash, source.bytes);

    const dim = library.encoder.dim;
    log(`drawing ${n.toLocaleString('en')} clustered ${dim}-d codes`);
    const codes = new ClusteredCodes({ dim, clusters: 1000, seed: 1 }).draw(n, 0);
    log(`adding them to the library's HNSW index`);
    const labels: number[] = [];
    let lastLog = performance.now();
    for (let start = 0; start < n; start += ADD_CHUNK) {
      const count = Math.min(ADD_CHUNK, n - start);
      labels.push(...library.index.add(codes.subarray(start * dim, (start + count) * dim), count));
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`  ${labels.length.toLocaleString('en')} / ${n.toLocaleString('en')}`);
      }
    }
    // The indexer's order: the index file first, then the rows that name its labels.
    library.index.save(library.indexFile);
    log('committing the rows');
    for (let start = 0; start < n; start += COMMIT_CHUNK) {
      const upserts: PhotoUpsert[] = files.slice(start, start + COMMIT_CHUNK).map((file, i) => {
        const source = sources[file.source]!;
        return {
          folderId: folder.id,
          path: file.path,
          size: source.size,
          mtimeMs: source.mtimeMs,
          hash: source.hash,
          width: PHOTO_WIDTH,
          height: PHOTO_HEIGHT,
          label: labels[start + i]!,
        };
      });
      library.store.commitPhotos(library.modelId, upserts);
    }
    if (library.photoCount() !== n) throw new Error(`built ${library.photoCount()} photos, expected ${n}`);
  } finally {
    await library.close();
  }
  const buildSeconds = (performance.now() - started) / 1000;
  writeFileSync(marker, JSON.stringify({ n, distinct, modelId }));
  log(`built in ${buildSeconds.toFixed(1)} s`);
  return { libraryDir, buildSeconds };
}

/** Installed before any page script: long tasks and the time of the last click, in page time. */
function instrument(): void {
  const w = window as unknown as { longTasks: number[]; clickAt: number };
  w.longTasks = [];
  w.clickAt = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  document.addEventListener('click', () => (w.clickAt = performance.now()), true);
}

/**
 * Probe: page time once every grid cell in view shows its thumbnail (or its "unavailable" mark) and,
 * when `near` ≥ 0, the cells in view are those around index `near`; else false.
 */
function viewShown(near: number): number | false {
  const grid = document.querySelector('[data-testid=photo-grid]');
  if (!grid) return false;
  const view = grid.getBoundingClientRect();
  const cells = [...document.querySelectorAll('[data-testid=photo-cell]')].filter((cell) => {
    const box = cell.getBoundingClientRect();
    return box.bottom > view.top && box.top < view.bottom;
  });
  if (cells.length === 0) return false;
  if (near >= 0 && !cells.some((cell) => Math.abs(Number(cell.id.slice('photo-cell-'.length)) - near) < 400)) return false;
  return cells.every((cell) => cell.querySelector('img.loaded, .missing')) ? performance.now() : false;
}

/**
 * Page time (performance.now) when `probe` first answers one, polled every frame. The probe runs in
 * the page and answers `performance.now()` once its condition holds, else false (a function, not a
 * string: the app's Content-Security-Policy forbids eval).
 */
async function pageTimeWhen(page: Page, probe: (arg: number) => number | false, arg: number, timeoutMs = 120_000): Promise<number> {
  const handle = await page.waitForFunction(probe, arg, { polling: 'raf', timeout: timeoutMs });
  return (await handle.jsonValue()) as number;
}

export async function measureUi(url: string, n: number): Promise<Omit<UiBenchResult, 'watch' | 'buildSeconds' | 'serveStartSeconds' | 'distinct'>> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // tsx (esbuild keepNames) wraps named functions in __name(), which the page lacks.
    await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    await page.addInitScript(instrument);

    // ---- first grid: navigation start (page time 0) → the thumbnails in view shown ----
    await page.goto(url);
    const firstThumbnailMs = await pageTimeWhen(page, () => (document.querySelector('[data-testid=photo-cell] img.loaded') ? performance.now() : false), 0);
    const firstGridMs = await pageTimeWhen(page, viewShown, -1);
    const grid = page.locator('[data-testid=photo-grid]');
    const total = await grid.getAttribute('data-total');
    if (total !== String(n)) throw new Error(`the grid shows ${total} photos, expected ${n}`);

    // ---- wheel scroll through the first rows: frame times and long tasks ----
    const longTasksBefore = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.length);
    await page.evaluate(() => {
      const w = window as unknown as { frames: number[]; framing: boolean };
      w.frames = [];
      w.framing = true;
      let last = performance.now();
      const tick = (now: number) => {
        w.frames.push(now - last);
        last = now;
        if (w.framing) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await grid.hover();
    for (let i = 0; i < 40; i++) {
      await page.mouse.wheel(0, 600);
      await page.waitForTimeout(16);
    }
    // After a fast scroll: how long until the rows it stopped on show their thumbnails.
    const wheelStopped = await page.evaluate(() => performance.now());
    const wheelSettleMs = (await pageTimeWhen(page, viewShown, -1)) - wheelStopped;
    const frames = await page.evaluate(() => {
      const w = window as unknown as { frames: number[]; framing: boolean };
      w.framing = false;
      return w.frames.slice(1);
    });
    const wheelLongTasks = (await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.length)) - longTasksBefore;

    // ---- jumps: to the middle, then to the end → thumbnails shown there ----
    const jump = async (fraction: number, targetIndex: number): Promise<number> => {
      const started = await grid.evaluate((element, f) => {
        element.scrollTop = f >= 1 ? element.scrollHeight : element.scrollHeight * f;
        return performance.now();
      }, fraction);
      const shown = await pageTimeWhen(page, viewShown, targetIndex);
      return shown - started;
    };
    const scrollMiddleMs = await jump(0.5, Math.floor(n / 2));
    const scrollEndMs = await jump(1, n - 1);

    // ---- click a photo near the end → its results listed with a thumbnail ----
    const cell = page.locator(`#photo-cell-${n - 1}`);
    await cell.locator('img.loaded').waitFor();
    // Read first: the results panel narrows the grid, which may scroll the cell away.
    const clickedId = await cell.getAttribute('data-photo-id');
    await cell.click();
    const k = Math.min(RESULTS_K, n);
    const listed = await pageTimeWhen(
      page,
      (count) =>
        document.querySelectorAll('[data-testid=result-item]').length === count &&
        !document.querySelector('[aria-busy=true]') &&
        document.querySelector('[data-testid=result-item] img.loaded')
          ? performance.now()
          : false,
      k,
    );
    const clickAt = await page.evaluate(() => (window as unknown as { clickAt: number }).clickAt);
    // The query is shown once, in the panel's header, never again among its results.
    const hits = await page.locator('[data-testid=result-item]').evaluateAll((items) => items.map((item) => item.getAttribute('data-photo-id')));
    if (hits.includes(clickedId)) throw new Error('the clicked photo is repeated among its own results');

    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    const scrollMs = Math.max(scrollMiddleMs, scrollEndMs);
    return {
      n,
      firstGridMs: round(firstGridMs),
      firstThumbnailMs: round(firstThumbnailMs),
      wheelSettleMs: round(wheelSettleMs),
      clickToResultsMs: round(listed - clickAt),
      longTasksOver50ms: longTasks.length,
      scrollMs: round(scrollMs),
      scrollMiddleMs: round(scrollMiddleMs),
      scrollEndMs: round(scrollEndMs),
      maxLongTaskMs: round(Math.max(0, ...longTasks)),
      wheelFrameP50Ms: round(percentile(frames, 50)),
      wheelFrameP95Ms: round(percentile(frames, 95)),
      wheelLongTasks,
    };
  } finally {
    await browser.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: 'string' },
      distinct: { type: 'string' },
      dir: { type: 'string' },
      'no-watch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const n = positiveInt('n', values.n, 100_000);
  const distinct = Math.min(n, positiveInt('distinct', values.distinct, 256));
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`);
  const dir = values.dir ? resolve(values.dir) : mkdtempSync(join(tmpdir(), 'dimsearch-bench-ui-'));
  const watch = !values['no-watch'];
  try {
    const { libraryDir, buildSeconds } = await buildLargeLibrary(dir, n, distinct);
    log(`starting serve${watch ? '' : ' --no-watch'}`);
    const serveStarted = performance.now();
    const server = await startServe(['--library', libraryDir, ...(watch ? [] : ['--no-watch'])], 300_000);
    const serveStartSeconds = (performance.now() - serveStarted) / 1000;
    let measured;
    try {
      measured = await measureUi(server.url, n);
    } finally {
      await server.stop();
    }
    const result: UiBenchResult = { ...measured, watch, buildSeconds: buildSeconds === null ? null : Math.round(buildSeconds * 10) / 10, serveStartSeconds: Math.round(serveStartSeconds * 10) / 10, distinct };
    const summary =
      `n=${n.toLocaleString('en')} first grid ${result.firstGridMs} ms (first thumbnail ${result.firstThumbnailMs}) · wheel settle ${result.wheelSettleMs} ms · scroll (middle/end) ${result.scrollMiddleMs}/${result.scrollEndMs} ms · ` +
      `click→results ${result.clickToResultsMs} ms · long tasks ${result.longTasksOver50ms} (max ${result.maxLongTaskMs} ms) · ` +
      `wheel frames p50/p95 ${result.wheelFrameP50Ms}/${result.wheelFrameP95Ms} ms`;
    if (values.json) {
      log(summary);
      printJson(result);
    } else {
      process.stdout.write(`${summary}\n`);
    }
  } finally {
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }
}

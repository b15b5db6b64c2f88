/**
 * Crash safety of indexing: the CLI's `index` command is killed with SIGKILL at 20 random moments
 * (delays drawn from a seeded generator, uniform over a window that adapts to the run's length;
 * two libraries side by side, ten kills each, the folder changing between runs so every run has
 * photos to add, replace and drop; a checkpoint after every batch of 3). After each kill:
 *   - the library as the kill left it passes checkLibraryConsistency (no problems; leftovers such
 *     as unnamed index labels or stray thumbnails are allowed, they are repaired on open),
 *   - it reopens consistent (after reconcile not even leftovers in the index),
 *   - the next run finishes with exactly the photos on disk, each with a code in the saved index.
 * The CLI is started as `node --import tsx main/cli/main.ts` (what `npm run -s cli` runs, minus npm).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Library } from '../../../main/core/library/library';
import { checkLibraryConsistency } from '../../../main/core/library/verify';
import { defaultModelName } from '../../../main/ml/default-model';
import { loadEncoder } from '../../../main/ml/models';
import type { ImageEncoder } from '../../../main/ml/image-encoder';
import { makePhoto, rng } from '../../fixtures/photos';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const KILLS_PER_LANE = 10;
const LANES = 2;

let root: string;
let encoder: ImageEncoder;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dimsearch-crash-'));
  encoder = await loadEncoder(defaultModelName()); // the model the killed `index` runs use: none is named
});

after(async () => {
  encoder?.dispose();
  await rm(root, { recursive: true, force: true });
});

/** In-process library work of the lanes runs one at a time (they share one encoder). */
let inProcess: Promise<unknown> = Promise.resolve();
function serially<T>(work: () => Promise<T>): Promise<T> {
  const next = inProcess.catch(() => undefined).then(work);
  inProcess = next;
  return next;
}

interface KilledRun {
  /** The child was still running when it was killed. */
  killedMidRun: boolean;
  stage: string;
  /** From the first progress line to the child's exit. */
  ms: number;
}

/** Run the CLI's index command and SIGKILL it `delayMs` after its first progress line (the library is open, the scan starts). */
function indexAndKill(folder: string, libraryDir: string, delayMs: number): Promise<KilledRun> {
  const trigger = /scanning/;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'index', folder, '--library', libraryDir], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DIMSEARCH_CHECKPOINT_MS: '0', DIMSEARCH_BATCH_SIZE: '3', DIMSEARCH_PROGRESS: '1' },
    });
    let stderr = '';
    let armed = false;
    let exited = false;
    let stage = 'startup';
    let triggeredAt = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const lines = stderr.trimEnd().split('\n');
      stage = lines[lines.length - 1]!.split(' ')[0] ?? stage;
      if (!armed && trigger.test(stderr)) {
        armed = true;
        triggeredAt = performance.now();
        setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      exited = true;
      const ms = triggeredAt > 0 ? performance.now() - triggeredAt : 0;
      if (signal === 'SIGKILL') resolve({ killedMidRun: true, stage, ms });
      else if (code === 0) resolve({ killedMidRun: false, stage: 'finished', ms });
      else reject(new Error(`index exited with ${code}: ${stderr.slice(-500)}`));
    });
  });
}

async function lane(laneNo: number): Promise<KilledRun[]> {
  const random = rng(1000 + laneNo);
  const folder = join(root, `photos-${laneNo}`);
  const libraryDir = join(root, `library-${laneNo}`);
  let nextSeed = laneNo * 10_000;
  const onDisk = new Set<string>();
  const addPhotos = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const seed = nextSeed++;
      const path = join(folder, `p${String(seed).padStart(6, '0')}.${seed % 3 === 0 ? 'png' : 'jpg'}`);
      await writeFile(path, await makePhoto(seed, { width: 96, height: 72, format: seed % 3 === 0 ? 'png' : 'jpeg' }));
      onDisk.add(path);
    }
  };
  const pick = (count: number) => {
    const list = [...onDisk].sort();
    const chosen: string[] = [];
    while (chosen.length < count && list.length > 0) chosen.push(list.splice(Math.floor(random() * list.length), 1)[0]!);
    return chosen;
  };
  await mkdir(folder, { recursive: true });
  await addPhotos(18);

  const runs: KilledRun[] = [];
  let window = 800;
  for (let kill = 0; kill < KILLS_PER_LANE; kill++) {
    if (kill > 0) {
      // New work for the next run: photos to drop, to add, and to replace with other bytes.
      for (const path of pick(4)) {
        await unlink(path);
        onDisk.delete(path);
      }
      await addPhotos(6);
      for (const path of pick(2)) await writeFile(path, await makePhoto(nextSeed++, { width: 96, height: 72, format: path.endsWith('.png') ? 'png' : 'jpeg' }));
    }
    // A uniform moment of the run's own duration. The window adapts to this machine's speed: it
    // shrinks to a run's length when a run finished before its kill, and widens a little after a
    // kill, so the kills keep covering the whole run (scan, decode, checkpoints, removals).
    const run = await indexAndKill(folder, libraryDir, Math.floor(random() * window));
    window = run.killedMidRun ? Math.min(window * 1.15, 5000) : Math.max(50, run.ms * 0.9);
    runs.push(run);
    const context = `lane ${laneNo}, kill ${kill} (${run.killedMidRun ? `killed during ${run.stage}` : 'finished first'})`;

    if (existsSync(join(libraryDir, 'library.sqlite'))) {
      const asKilled = checkLibraryConsistency(libraryDir);
      assert.deepEqual(asKilled.problems, [], `${context}: the library as the kill left it`);
    }
    await serially(async () => {
      const library = await Library.open(libraryDir, { encoder });
      try {
        const reopened = checkLibraryConsistency(libraryDir);
        assert.deepEqual(reopened.problems, [], `${context}: reopened`);
        assert.ok(!reopened.repairable.some((r) => /index labels/.test(r)), `${context}: open reconciles the index: ${reopened.repairable}`);
        const result = await library.indexFolder(folder);
        assert.equal(result.cancelled, false);
        assert.deepEqual(result.skipped, [], context);
        const paths = library.listPhotos(0, 1000).photos.map((p) => p.path);
        assert.deepEqual(paths, [...onDisk].sort(), `${context}: the next run has exactly the photos on disk`);
        assert.equal(library.store.codeCount(library.modelId), paths.length, `${context}: each photo has one code`);
        const first = library.listPhotos(0, 1).photos[0]!;
        assert.equal(library.searchByPhoto(first.id, paths.length + 5).length, paths.length, `${context}: search sees each photo once`);
      } finally {
        await library.close();
      }
      const completed = checkLibraryConsistency(libraryDir);
      assert.deepEqual(completed.problems, [], `${context}: after the completing run`);
      assert.equal(completed.photos, onDisk.size);
    });
  }
  return runs;
}

test(`SIGKILL at ${KILLS_PER_LANE * LANES} random moments of index runs never leaves an inconsistent library`, async () => {
  const runs = (await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)))).flat();
  assert.equal(runs.length, KILLS_PER_LANE * LANES);
  const midRun = runs.filter((r) => r.killedMidRun);
  // Timing is not deterministic; most kills must still land inside a run for the test to mean anything.
  assert.ok(midRun.length >= runs.length * 0.5, `only ${midRun.length} of ${runs.length} kills landed mid-run`);
  const stages = midRun.map((r) => r.stage);
  assert.ok(stages.some((stage) => stage !== 'scanning…'), `kills landed in: ${stages.join(', ')}`);
  process.stderr.write(`crash test: ${midRun.length}/${runs.length} kills mid-run, during: ${stages.join(', ')}\n`);
});

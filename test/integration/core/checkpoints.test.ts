/**
 * Index checkpoints adapt to the index's size: each saves the whole index file, so after a save
 * that took s ms the next waits at least 20·s. Saves then stay within ~5% of a run even when the
 * fixed interval asks for a checkpoint after every photo (checkpointMs 0).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointInterval, SAVE_COST_FACTOR } from '../../../main/core/jobs/indexer';
import { Library } from '../../../main/core/library/library';
import { ClusteredCodes } from '../../bench/support/clustered-codes';
import { writePhotos } from '../../fixtures/photos';

describe('checkpointInterval', () => {
  it('is the fixed interval while saves are cheap, and 20 × the last save once they are not', () => {
    assert.equal(SAVE_COST_FACTOR, 20);
    assert.equal(checkpointInterval(5000, 10), 5000);
    assert.equal(checkpointInterval(5000, 400), 8000);
    assert.equal(checkpointInterval(0, 3), 60);
  });
});

describe('an index run on a large index', { timeout: 120_000 }, () => {
  let root: string;
  let library: Library;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'dimsearch-checkpoints-'));
    library = await Library.open(join(root, 'library'));
  });
  after(async () => {
    await library?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('waits 20 × the last save before the next checkpoint, however often it is asked to checkpoint', async () => {
    // Codes already in the index make each save cost something, as in a real library.
    const existing = 3000;
    library.index.add(new ClusteredCodes({ dim: library.encoder.dim, clusters: 40, seed: 3 }).draw(existing, 0), existing);
    const photos = join(root, 'photos');
    await writePhotos(photos, 120, 1, ['jpeg']);

    const saves: { start: number; end: number }[] = [];
    const index = library.index;
    const save = index.save.bind(index);
    index.save = (file: string) => {
      const start = performance.now();
      save(file);
      saves.push({ start, end: performance.now() });
    };
    const result = await library.indexFolder(photos, { checkpointMs: 0, batchSize: 4 });
    assert.equal(result.indexed, 120);
    const report = saves.map((s) => `${(s.end - s.start).toFixed(1)} ms at ${(s.start - saves[0]!.start).toFixed(0)}`).join('; ');
    assert.ok(saves.length >= 3, `checkpoints still happen during the run: ${report}`);
    // Between two checkpoints of the run (the last save is its final commit, due at once) lies a
    // wait of at least 20 times what the earlier one cost.
    for (let i = 0; i + 2 < saves.length; i++) {
      const cost = saves[i]!.end - saves[i]!.start;
      const wait = saves[i + 1]!.start - saves[i]!.end;
      assert.ok(wait >= SAVE_COST_FACTOR * cost, `save ${i} took ${cost.toFixed(1)} ms, the next came ${wait.toFixed(0)} ms later (${report})`);
    }
  });
});

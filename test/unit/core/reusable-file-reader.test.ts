import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReusableFileReader } from '../../../main/core/jobs/reusable-file-reader';

test('reads whole files of any size one after another into its buffer; a missing file is an ENOENT', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-reader-'));
  try {
    const contents = [randomBytes(1000), randomBytes(300_000), randomBytes(10), Buffer.alloc(0), randomBytes(70 * 1024 ** 2)];
    const paths = await Promise.all(contents.map(async (bytes, i) => {
      const path = join(dir, `f${i}`);
      await writeFile(path, bytes);
      return path;
    }));
    const reader = new ReusableFileReader();
    const seen: Buffer[] = [];
    for (const [i, path] of paths.entries()) {
      const bytes = await reader.read(path);
      assert.ok(bytes.equals(contents[i]!), `file ${i}`);
      seen.push(bytes);
    }
    // The small files shared one buffer; the 70 MB one had its own, which was not kept.
    assert.equal(seen[1]!.buffer, seen[2]!.buffer);
    assert.notEqual(seen[4]!.buffer, seen[1]!.buffer);
    assert.ok((await reader.read(paths[0]!)).equals(contents[0]!));
    await assert.rejects(reader.read(join(dir, 'missing')), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

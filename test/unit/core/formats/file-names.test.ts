/** Paths of names that are not UTF-8 (main/core/file-names.ts): one-to-one with the bytes on disk. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesOfPath, displayPath, hasEscapedBytes, onDiskPath, pathFromBytes } from '../../../../main/core/file-names';

test('valid UTF-8 paths are their own strings; invalid bytes map back exactly and show as U+FFFD', () => {
  assert.equal(pathFromBytes(Buffer.from('/photos/été/IMG 1.jpg')), '/photos/été/IMG 1.jpg');
  assert.equal(onDiskPath('/photos/été/IMG 1.jpg'), '/photos/été/IMG 1.jpg');
  const latin1 = Buffer.concat([Buffer.from('/photos/caf'), Buffer.from([0xe9]), Buffer.from('/x'), Buffer.from([0xff, 0xc3]), Buffer.from('.jpg')]);
  const stored = pathFromBytes(latin1);
  assert.ok(hasEscapedBytes(stored));
  assert.deepEqual(onDiskPath(stored), latin1);
  assert.equal(displayPath(stored), '/photos/caf\uFFFD/x\uFFFD\uFFFD.jpg');
});

test('every byte string round-trips, including names that hold the escape range itself', () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: 1 + (next() % 12) }, () => next() % 256));
    assert.deepEqual(bytesOfPath(pathFromBytes(bytes)), bytes, bytes.toString('hex'));
  }
  const privateUse = Buffer.from('a\uEF80b', 'utf8'); // valid UTF-8 in the escape range
  assert.deepEqual(bytesOfPath(pathFromBytes(privateUse)), privateUse);
  assert.notEqual(pathFromBytes(privateUse), pathFromBytes(Buffer.from([0x61, 0x80, 0x62])));
});

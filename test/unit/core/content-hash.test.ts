import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentHash, isLegacyContentHash, legacyContentHash } from '../../../main/core/library/content-hash';

test('content hashes are XXH3-128 in hex, stable across versions, and tell apart bytes that differ by one bit', async () => {
  // Pinned: a library's thumbnails and moved-photo matching depend on this never changing silently.
  assert.equal(await contentHash(Buffer.from('hello')), 'b5e9c1ad071b3e7fc779cfaa5e523818');
  const photo = Buffer.alloc(3_000_000, 7);
  const a = await contentHash(photo);
  photo[1_234_567] ^= 1;
  assert.notEqual(await contentHash(photo), a);
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.equal(isLegacyContentHash(a), false);
  assert.equal(legacyContentHash(Buffer.from('hello')), 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
  assert.equal(isLegacyContentHash(legacyContentHash(photo)), true);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { contentHash, isLegacyContentHash, legacyContentHash, nativeXxh3, wasmXxh3 } from '../../../main/core/library/content-hash';

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

test('the native hasher and its wasm fallback give the same hash for every length and offset', async () => {
  const native = nativeXxh3();
  assert.ok(native, 'xxhash-addon loads here (a prebuilt binary for linux-x64)');
  const wasm = await wasmXxh3();
  const bytes = randomBytes(3_000_017);
  // Lengths around XXH3's internal block boundaries, and views that do not start at offset 0.
  for (const length of [0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1024, 1025, 65_536, 3_000_000]) {
    const view = bytes.subarray(17, 17 + length);
    assert.equal(native(view), wasm(view), `length ${length}`);
    assert.equal(native(new Uint8Array(view)), wasm(view), `length ${length} as a Uint8Array copy`);
  }
});

/**
 * HEIC decoding (main/core/imaging/formats/heic*.ts) on files made here by heif-enc: the primary
 * image of a multi-image file, its embedded thumbnail where that serves the encoder, a bomb refused
 * before any pixel, a truncated file with a reason, and a decode past its time limit stopped
 * (the pool carries on).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeForModelAndThumbnail, openAnyImage } from '../../../../main/core/imaging/decode';
import { decodeHeic, isHeic } from '../../../../main/core/imaging/formats/heic';
import { heicPool } from '../../../../main/core/imaging/formats/heic-pool';
import { heicClaiming, makeHeic } from '../../../fixtures/heic';
import { makePhoto } from '../../../fixtures/photos';

after(() => heicPool().close());

test('the primary image of a multi-image HEIC, oriented RGB; AVIF is not HEIC', async () => {
  const heic = await makeHeic([await makePhoto(1, { width: 320, height: 240 }), await makePhoto(2, { width: 200, height: 300 })]);
  assert.ok(isHeic(heic));
  assert.equal(isHeic(await makePhoto(1, { format: 'avif' })), false);
  const decoded = await decodeHeic(heic, { maxPixels: 1e8 });
  assert.deepEqual([decoded.width, decoded.height, decoded.data.length], [320, 240, 320 * 240 * 3]);
  const full = await (await openAnyImage(heic)).jpeg().toBuffer({ resolveWithObject: true });
  assert.deepEqual([full.info.width, full.info.height], [320, 240]);
});

test('an embedded thumbnail big enough for the working copy is decoded instead of the image', async () => {
  const heic = await makeHeic(await makePhoto(3, { width: 1200, height: 900 }), { thumbnail: 320 });
  const fromThumbnail = await decodeHeic(heic, { maxPixels: 1e8, enough: { long: 256, short: 64 } });
  assert.deepEqual([fromThumbnail.width, fromThumbnail.height, fromThumbnail.fullWidth, fromThumbnail.fullHeight], [320, 240, 1200, 900]);
  const whole = await decodeHeic(heic, { maxPixels: 1e8, enough: { long: 512, short: 64 } });
  assert.equal(whole.width, 1200, 'a thumbnail too small is passed over');
  const indexed = await decodeForModelAndThumbnail(heic, 32);
  assert.deepEqual([indexed.width, indexed.height], [1200, 900], 'the photo keeps its own size');
});

test('a bomb is refused by its declared size; a truncated file gets a reason; a hang is stopped', async () => {
  const heic = await makeHeic(await makePhoto(4, { width: 320, height: 240 }));
  await assert.rejects(decodeForModelAndThumbnail(heicClaiming(heic, 60000, 60000), 32), {
    name: 'DecodeError',
    kind: 'too-large',
    reason: 'too large: 60000×60000 exceeds the limit of 100 megapixels',
  });
  await assert.rejects(decodeForModelAndThumbnail(heic.subarray(0, heic.length >> 1), 32), { kind: 'corrupt', reason: /^truncated or corrupt HEIC: / });
  // A 2 MP decode takes a few hundred ms of the worker's time: far past a 20 ms limit.
  const slow = await makeHeic(await makePhoto(5, { width: 1600, height: 1200 }));
  await assert.rejects(decodeHeic(slow, { maxPixels: 1e8, timeLimitMs: 20 }), { reason: 'truncated or corrupt HEIC: decoding took longer than 0.02 s: stopped' });
  const after = await decodeHeic(heic, { maxPixels: 1e8 });
  assert.equal(after.width, 320, 'the pool replaced the stopped worker');
});

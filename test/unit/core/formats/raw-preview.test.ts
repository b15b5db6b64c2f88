/**
 * RAW previews (main/core/imaging/formats/raw-preview.ts and its readers): from fixtures laid out
 * as each format is (test/fixtures/raw.ts), the largest decodable JPEG comes out with the RAW's
 * orientation; a RAW without one gives null; damaged files never throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodableJpegFrame, withExifOrientation } from '../../../../main/core/imaging/formats/jpeg-segments';
import { isRawFile, rawPreviewJpeg } from '../../../../main/core/imaging/formats/raw-preview';
import { TiffStructure } from '../../../../main/core/imaging/formats/tiff-structure';
import { losslessJpegStandIn, makeRaw, RAW_FORMATS } from '../../../fixtures/raw';

const preview = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#a04020' } }).jpeg().toBuffer();

for (const format of RAW_FORMATS) {
  test(`${format}: the largest embedded preview, turned by the RAW's orientation; none → null`, async () => {
    const raw = await makeRaw(format, { preview, orientation: 6 });
    assert.ok(isRawFile(raw, `photo.${format}`));
    const jpeg = rawPreviewJpeg(raw);
    assert.ok(jpeg, 'a preview');
    // Not the 160 px thumbnail beside it, not the lossless sensor data.
    assert.deepEqual(decodableJpegFrame(jpeg), { width: 400, height: 300 });
    const upright = await sharp(jpeg, { autoOrient: true }).toBuffer({ resolveWithObject: true });
    assert.deepEqual([upright.info.width, upright.info.height], [300, 400], 'orientation 6 turns it upright');
    assert.equal(rawPreviewJpeg(await makeRaw(format, { preview, withoutPreview: true })), null);
  });
}

test('a damaged RAW gives no preview and never throws', async () => {
  const raw = await makeRaw('nef', { preview });
  for (const cut of [0, 8, 16, 40, 200, raw.length - 100]) assert.doesNotThrow(() => rawPreviewJpeg(raw.subarray(0, cut)));
  const garbage = Buffer.from(raw);
  for (let i = 8; i < garbage.length; i += 7) garbage[i] = (garbage[i]! * 31 + 17) & 0xff;
  assert.doesNotThrow(() => rawPreviewJpeg(garbage));
  // An IFD that points at itself ends the walk.
  const loop = Buffer.from('II*\0\x08\0\0\0\x00\x00\x08\0\0\0', 'latin1');
  loop.writeUInt16LE(0, 8);
  assert.ok(TiffStructure.read(loop));
});

test('lossless JPEG (sensor data) is not taken for a preview; an EXIF orientation is written once', async () => {
  assert.equal(decodableJpegFrame(losslessJpegStandIn()), null);
  const withExif = await sharp(preview).withMetadata({ orientation: 3 }).jpeg().toBuffer();
  const turned = withExifOrientation(withExif, 8);
  assert.equal((await sharp(turned).metadata()).orientation, 8);
  assert.equal(turned.indexOf(Buffer.from('Exif\0\0', 'latin1')), turned.lastIndexOf(Buffer.from('Exif\0\0', 'latin1')), 'one EXIF segment');
  assert.deepEqual(decodableJpegFrame(turned), { width: 400, height: 300 });
});

test('a TIFF is a RAW only by a RAW extension or a distinctive header', async () => {
  const tiff = await sharp(preview).tiff().toBuffer();
  assert.equal(isRawFile(tiff, 'scan.tif'), false);
  assert.equal(isRawFile(tiff), false);
  assert.equal(isRawFile(tiff, 'x.DNG'), true);
  assert.equal(isRawFile(preview, 'x.dng'), false, 'a JPEG named .dng is a JPEG');
});

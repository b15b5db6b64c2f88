import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  DecodeError,
  decodeForModel,
  decodeForModelAndThumbnail,
  inspectImage,
  packBatch,
  quickHeader,
  workingCopyResize,
} from '../../../main/core/imaging/decode';
import { makePhoto, pngClaiming } from '../../fixtures/photos';

const SIZE = 32;

/** Mean RGB of a region of an NHWC float image (rows y0..y1, all columns). */
function meanRows(pixels: Float32Array, size: number, y0: number, y1: number): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      sum[0]! += pixels[i]!;
      sum[1]! += pixels[i + 1]!;
      sum[2]! += pixels[i + 2]!;
      n++;
    }
  }
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** A width × height JPEG, left half red and right half blue. */
async function leftRedRightBlue(width: number, height: number, orientation?: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width / 2}" height="${height}" fill="#ff0000"/><rect x="${width / 2}" width="${width / 2}" height="${height}" fill="#0000ff"/></svg>`;
  let image = sharp(Buffer.from(svg)).jpeg({ quality: 95 });
  if (orientation) image = image.withMetadata({ orientation });
  return image.toBuffer();
}

test('EXIF orientation is applied: a 90° tag turns left/right halves into top/bottom', async () => {
  const upright = await decodeForModel(await leftRedRightBlue(128, 64), SIZE);
  // Upright: top and bottom rows are alike (both half red, half blue).
  const topU = meanRows(upright.pixels, SIZE, 0, 4);
  const bottomU = meanRows(upright.pixels, SIZE, SIZE - 4, SIZE);
  assert.ok(Math.abs(topU[0] - bottomU[0]) < 0.05);
  assert.deepEqual([upright.width, upright.height], [128, 64]);

  // Orientation 6 = rotate 90° clockwise to display: the left (red) half ends on top.
  const rotated = await decodeForModel(await leftRedRightBlue(128, 64, 6), SIZE);
  assert.deepEqual([rotated.width, rotated.height], [64, 128], 'reported size is the displayed size');
  const top = meanRows(rotated.pixels, SIZE, 0, 4);
  const bottom = meanRows(rotated.pixels, SIZE, SIZE - 4, SIZE);
  assert.ok(top[0] > 0.4 && top[2] < -0.4, `top should be red, got ${top}`);
  assert.ok(bottom[2] > 0.4 && bottom[0] < -0.4, `bottom should be blue, got ${bottom}`);
});

/**
 * A JPEG with an EXIF block sharp does not write: IFD0 at offset 16 of the TIFF header, not 8.
 * Valid EXIF (libvips follows the offset), but beyond a reader that assumes 8.
 */
function withExifOrientationAtOffset16(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.alloc(16 + 2 + 12 + 4);
  tiff.write('II*\0', 0, 'latin1');
  tiff.writeUInt32LE(16, 4); // IFD0 offset (bytes 8..15 left as padding)
  tiff.writeUInt16LE(1, 16); // one entry
  tiff.writeUInt16LE(0x0112, 18); // Orientation
  tiff.writeUInt16LE(3, 20); // SHORT
  tiff.writeUInt32LE(1, 22); // count
  tiff.writeUInt16LE(orientation, 26);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), app1, payload, jpeg.subarray(2)]);
}

test('headers of JPEG, PNG and WebP are read from the bytes; other formats and damaged headers go to sharp', async () => {
  assert.deepEqual(quickHeader(await leftRedRightBlue(128, 64)), { format: 'jpeg', width: 128, height: 64 });
  assert.deepEqual(quickHeader(await leftRedRightBlue(128, 64, 6)), { format: 'jpeg', width: 64, height: 128 }, 'EXIF orientation applied');
  assert.deepEqual(quickHeader(await makePhoto(3, { width: 90, height: 60, format: 'png' })), { format: 'png', width: 90, height: 60 });
  assert.deepEqual(quickHeader(await makePhoto(3, { width: 90, height: 60, format: 'webp' })), { format: 'webp', width: 90, height: 60 });
  assert.equal(quickHeader(await makePhoto(3, { width: 90, height: 60, format: 'tiff' })), null);
  assert.equal(quickHeader(Buffer.from('not an image at all')), null);
  assert.equal(quickHeader((await leftRedRightBlue(128, 64)).subarray(0, 20)), null, 'cut before its size');
});

test('a turned photo whose orientation the quick header misses is still reported at its displayed size', async () => {
  const jpeg = withExifOrientationAtOffset16(await leftRedRightBlue(128, 64), 6);
  assert.equal((await sharp(jpeg).metadata()).orientation, 6, 'the EXIF block is valid');
  assert.deepEqual(quickHeader(jpeg), { format: 'jpeg', width: 128, height: 64 }, 'the quick reader misses it');
  for (const decoded of [await decodeForModel(jpeg, SIZE), await decodeForModelAndThumbnail(jpeg, SIZE)]) {
    assert.deepEqual([decoded.width, decoded.height], [64, 128]);
    const top = meanRows(decoded.pixels, SIZE, 0, 4);
    assert.ok(top[0] > 0.4 && top[2] < -0.4, `turned like the tag says: red on top, got ${top}`);
  }
});

test('output is inputSize² × 3 floats in [-0.5, 0.5] for any shape and format', async () => {
  for (const [format, width, height] of [
    ['jpeg', 640, 480],
    ['png', 100, 300],
    ['webp', 33, 33],
    ['tiff', 200, 120],
    ['gif', 90, 60],
    ['avif', 64, 48],
  ] as const) {
    for (const inputSize of [32, 64]) {
      const out = await decodeForModel(await makePhoto(5, { format, width, height }), inputSize);
      assert.equal(out.pixels.length, inputSize * inputSize * 3, `${format} ${inputSize}`);
      let min = Infinity;
      let max = -Infinity;
      for (const v of out.pixels) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assert.ok(min >= -0.5 && max <= 0.5, `${format}: range ${min}..${max}`);
      assert.ok(max - min > 0.1, `${format}: the picture is not flat`);
      assert.deepEqual([out.width, out.height], [width, height]);
    }
  }
});

test('white is +0.5, black is -0.5; alpha is flattened onto white; grey gives equal channels', async () => {
  const solid = (background: sharp.Color, channels: 3 | 4 = 3) =>
    sharp({ create: { width: 40, height: 40, channels, background } }).png().toBuffer();
  const white = await decodeForModel(await solid('#ffffff'), SIZE);
  const black = await decodeForModel(await solid('#000000'), SIZE);
  const clear = await decodeForModel(await solid({ r: 0, g: 0, b: 0, alpha: 0 }, 4), SIZE);
  assert.ok(white.pixels.every((v) => v === 0.5));
  assert.ok(black.pixels.every((v) => v === -0.5));
  assert.ok(clear.pixels.every((v) => v === 0.5), 'transparent pixels become white');
  const grey = await decodeForModel(await sharp({ create: { width: 20, height: 20, channels: 3, background: '#808080' } }).greyscale().png().toBuffer(), SIZE);
  for (let i = 0; i < grey.pixels.length; i += 3) {
    assert.equal(grey.pixels[i], grey.pixels[i + 1]);
    assert.equal(grey.pixels[i], grey.pixels[i + 2]);
  }
});

test('CMYK JPEG and 16-bit PNG decode to the same picture as the sRGB original', async () => {
  const original = await makePhoto(11, { format: 'png' });
  const reference = await decodeForModel(original, SIZE);
  const cmyk = await decodeForModel(await sharp(original).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(), SIZE);
  const sixteen = await decodeForModel(await sharp(original).toColourspace('rgb16').png().toBuffer(), SIZE);
  const meanAbs = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
  assert.ok(meanAbs(reference.pixels, sixteen.pixels) < 0.01);
  assert.ok(meanAbs(reference.pixels, cmyk.pixels) < 0.06, `cmyk differs by ${meanAbs(reference.pixels, cmyk.pixels)}`);
});

async function decodeError(input: Buffer, options = {}): Promise<DecodeError> {
  try {
    await decodeForModel(input, SIZE, options);
  } catch (error) {
    assert.ok(error instanceof DecodeError, `expected a DecodeError, got ${String(error)}`);
    return error;
  }
  assert.fail('decode should have failed');
}

test('each kind of bad file fails with a typed error and a human reason', async () => {
  const jpeg = await makePhoto(3, { width: 400, height: 300 });
  const empty = await decodeError(Buffer.alloc(0));
  assert.deepEqual([empty.kind, empty.reason], ['empty', 'empty file (0 bytes)']);

  const text = await decodeError(Buffer.from('hello, I am a text file named photo.jpg'));
  assert.deepEqual([text.kind, text.reason], ['not-image', 'not an image']);

  const truncated = await decodeError(jpeg.subarray(0, Math.floor(jpeg.length * 0.7)));
  assert.deepEqual([truncated.kind, truncated.reason], ['corrupt', 'truncated or corrupt JPEG']);

  const tables = Buffer.from(jpeg);
  tables.fill(0xff, tables.indexOf(Buffer.from([0xff, 0xc4])) + 4, tables.indexOf(Buffer.from([0xff, 0xc4])) + 30);
  const corrupt = await decodeError(tables);
  assert.equal(corrupt.kind, 'corrupt');
  assert.match(corrupt.reason, /^corrupt JPEG: /);

  const huge = await decodeError(await pngClaiming(30000, 30000));
  assert.deepEqual([huge.kind, huge.reason], ['too-large', 'too large: 30000×30000 exceeds the limit of 100 megapixels']);

  const truncatedPng = await makePhoto(4, { format: 'png' });
  const cutPng = await decodeError(truncatedPng.subarray(0, truncatedPng.length - 100));
  assert.deepEqual([cutPng.kind, cutPng.reason], ['corrupt', 'truncated or corrupt PNG']);

  const missing = await decodeForModel('/nonexistent/dimsearch/photo.jpg', SIZE).catch((e: unknown) => e as DecodeError);
  assert.ok(missing instanceof DecodeError);
  assert.equal(missing.kind, 'unreadable');
});

test('the pixel limit is configurable and checked from the header', async () => {
  const photo = await makePhoto(8, { width: 640, height: 480 });
  const refused = await decodeError(photo, { maxPixels: 100_000 });
  assert.equal(refused.kind, 'too-large');
  assert.match(refused.reason, /640×480 exceeds the limit of 0\.1 megapixels/);
  assert.equal((await decodeForModel(photo, SIZE, { maxPixels: 640 * 480 })).pixels.length, SIZE * SIZE * 3);
  assert.deepEqual(await inspectImage(photo), { format: 'jpeg', width: 640, height: 480 });
});

test('one decode gives the model input and a JPEG thumbnail of at most 256 px', async () => {
  const photo = await makePhoto(9, { width: 1200, height: 800 });
  const both = await decodeForModelAndThumbnail(photo, SIZE);
  const alone = await decodeForModel(photo, SIZE);
  assert.deepEqual(both.pixels, alone.pixels);
  const meta = await sharp(both.thumbnail).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.deepEqual([meta.width, meta.height], [256, 171]);
  const small = await decodeForModelAndThumbnail(await makePhoto(9, { width: 100, height: 50 }), SIZE);
  const smallMeta = await sharp(small.thumbnail).metadata();
  assert.deepEqual([smallMeta.width, smallMeta.height], [100, 50], 'small photos are not enlarged');
});

test('the working copy fits the thumbnail box, except that a panorama keeps a short side of twice the input', async () => {
  // The copy sharp makes with these options, from a plain image or a JPEG stored turned (EXIF 6).
  const copySize = async (width: number, height: number, inputSize: number, orientation?: number) => {
    const plain = sharp({ create: { width, height, channels: 3, background: '#808080' } });
    const input = orientation ? await plain.jpeg().withMetadata({ orientation }).toBuffer() : await plain.raw().toBuffer();
    const open = orientation ? sharp(input, { autoOrient: true }) : sharp(input, { raw: { width, height, channels: 3 } });
    const upright = orientation && orientation >= 5 ? [height, width] : [width, height];
    const { info } = await open.resize(workingCopyResize(upright[0]!, upright[1]!, inputSize)).raw().toBuffer({ resolveWithObject: true });
    return [info.width, info.height];
  };
  assert.deepEqual(await copySize(4000, 3000, 32), [256, 192]);
  assert.deepEqual(await copySize(3000, 4000, 64), [192, 256]);
  assert.deepEqual(await copySize(4000, 3000, 32, 6), [192, 256], 'stored landscape, shown portrait');
  assert.deepEqual(await copySize(4000, 500, 64), [1024, 128], 'a panorama keeps a short side of twice the input');
  assert.deepEqual(await copySize(500, 4000, 32), [64, 512]);
  assert.deepEqual(await copySize(200, 100, 32), [200, 100], 'never enlarged');
  // The panorama's thumbnail still fits the box; its input is cut from the taller copy.
  const panorama = await makePhoto(12, { width: 2400, height: 300 });
  const both = await decodeForModelAndThumbnail(panorama, 64);
  const meta = await sharp(both.thumbnail).metadata();
  assert.deepEqual([meta.width, meta.height], [256, 32]);
  assert.equal(both.pixels.length, 64 * 64 * 3);
});

test('packBatch lays inputs end to end and checks their length', () => {
  const per = 2 * 2 * 3;
  const a = new Float32Array(per).fill(0.1);
  const b = new Float32Array(per).fill(-0.2);
  const batch = packBatch([a, b], 2);
  assert.equal(batch.length, 2 * per);
  assert.deepEqual(batch.subarray(0, per), a);
  assert.deepEqual(batch.subarray(per), b);
  assert.throws(() => packBatch([new Float32Array(5)], 2), /expected 12/);
});

/**
 * The JPEG loss used by the photo augmentation, against the reference: sharp's (libjpeg-turbo's)
 * real encode and decode at the same quality and 4:2:0 chroma. The simulation must land within a
 * small part of what JPEG itself changes, and lose more at lower quality.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { jpegRoundTrip, quantisationTable } from '../../../main/ml/dim/jpeg-loss';

/** A textured test picture: waves, a bright quarter and seeded grain, whole levels 0–255. */
function picture(width: number, height: number): Float32Array {
  const out = new Float32Array(width * height * 3);
  let seed = 12345;
  const grain = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const v = 128 + 60 * Math.sin(x / (3 + c) + y / 5) + 40 * Math.cos((x * y) / 40 + c) + (x > width / 2 && y < height / 2 ? 30 : -20) + 12 * grain();
        out[(y * width + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(v)));
      }
  return out;
}

async function sharpRoundTrip(rgb: Float32Array, width: number, height: number, quality: number): Promise<Buffer> {
  const saved = await sharp(Buffer.from(Uint8Array.from(rgb)), { raw: { width, height, channels: 3 } }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  return sharp(saved).raw().toBuffer();
}

const meanAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

test('quality scales the standard tables as libjpeg does', () => {
  const luma = [16, 11, 10];
  assert.deepEqual(Array.from(quantisationTable(luma, 50)), [16, 11, 10]);
  assert.deepEqual(Array.from(quantisationTable(luma, 75)), [8, 6, 5]);
  assert.deepEqual(Array.from(quantisationTable(luma, 10)), [80, 55, 50]);
  assert.deepEqual(Array.from(quantisationTable(luma, 100)), [1, 1, 1]);
});

test('the simulated round trip reads back as sharp reads back a real JPEG, odd sizes included', async () => {
  for (const [width, height] of [[40, 40], [37, 29]] as const) {
    const losses: number[] = [];
    for (const quality of [30, 50, 70, 90]) {
      const photo = picture(width, height);
      const real = await sharpRoundTrip(photo, width, height, quality);
      const simulated = jpegRoundTrip(photo, width, height, quality);
      const jpegLoss = meanAbs(real, photo);
      const gap = meanAbs(simulated, real);
      assert.ok(gap < 0.35 * jpegLoss, `${width}×${height} q${quality}: simulated vs real ${gap.toFixed(2)} levels, JPEG itself moved ${jpegLoss.toFixed(2)}`);
      assert.ok(Math.abs(meanAbs(simulated, photo) - jpegLoss) < 0.1 * jpegLoss, `q${quality}: the simulated loss is the real loss's size`);
      losses.push(meanAbs(simulated, photo));
    }
    for (let i = 1; i < losses.length; i++) assert.ok(losses[i]! < losses[i - 1]!, `higher quality loses less: ${losses.join(', ')}`);
  }
});

test('a flat grey survives within the one level its quantised mean can move; the wrong length is refused', () => {
  const grey = new Float32Array(16 * 16 * 3).fill(100);
  for (const v of jpegRoundTrip(grey, 16, 16, 40)) assert.ok(Math.abs(v - 100) <= 1, `grey 100 read back as ${v}`);
  assert.throws(() => jpegRoundTrip(new Float32Array(5), 2, 2, 50), /expected 12 values, got 5/);
});

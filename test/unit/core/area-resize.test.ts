import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverAreaResize } from '../../../main/core/imaging/area-resize';

function randomImage(width: number, height: number, seed: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < rgb.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    rgb[i] = state >>> 24;
  }
  return rgb;
}

/** The definition, pixel by pixel: the mean of the centred square's area under each output pixel. */
function reference(rgb: Uint8Array, width: number, height: number, size: number): Float32Array {
  const side = Math.min(width, height);
  const x0 = (width - side) / 2;
  const y0 = (height - side) / 2;
  const scale = side / size;
  const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  const out = new Float32Array(size * size * 3);
  for (let k = 0; k < size; k++) {
    for (let i = 0; i < size; i++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let y = 0; y < height; y++) {
          const wy = overlap(y, y + 1, y0 + k * scale, y0 + (k + 1) * scale);
          if (wy === 0) continue;
          for (let x = 0; x < width; x++) {
            const wx = overlap(x, x + 1, x0 + i * scale, x0 + (i + 1) * scale);
            sum += wx * wy * rgb[(y * width + x) * 3 + c]!;
          }
        }
        out[(k * size + i) * 3 + c] = Math.round(sum / (scale * scale)) / 255 - 0.5;
      }
    }
  }
  return out;
}

test('an image of the output size comes back pixel for pixel', () => {
  const rgb = randomImage(32, 32, 1);
  const out = coverAreaResize(rgb, 32, 32, 32);
  for (let i = 0; i < rgb.length; i++) assert.equal(out[i], Math.fround(rgb[i]! / 255 - 0.5));
});

test('each output pixel is the mean of the centred square area it covers (down, fractional and up)', () => {
  for (const [width, height, size] of [
    [256, 192, 32], // a 4:3 working copy to the encoder's input, whole factor 6
    [256, 171, 32], // 3:2, fractional factor and a fractional crop offset
    [37, 23, 8],
    [23, 37, 64], // smaller than the output: enlarged
  ] as const) {
    const rgb = randomImage(width, height, width * height);
    const got = coverAreaResize(rgb, width, height, size);
    const want = reference(rgb, width, height, size);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    // Equal up to where a sum lands exactly between two 8-bit levels.
    assert.ok(worst <= 1 / 255 + 1e-6, `${width}×${height}→${size}: off by ${worst * 255} levels`);
  }
});

test('what lies outside the centred square does not count; a flat image stays flat', () => {
  // 60×20: a red 20-px band on each side of a grey centre square.
  const width = 60;
  const height = 20;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const centre = x >= 20 && x < 40;
      rgb.set(centre ? [128, 128, 128] : [255, 0, 0], p);
    }
  }
  const out = coverAreaResize(rgb, width, height, 7);
  assert.ok(out.every((v) => v === Math.fround(128 / 255 - 0.5)));
  assert.throws(() => coverAreaResize(rgb, width, height + 1, 7), /bytes for 60×21×3/);
});

/**
 * The duplicates' likeness: a colour layout ignores what an edit does to brightness, contrast and
 * size but not where the colours sit; the likeness mixes it with the codes' cosine; the search for
 * candidate pairs starts low enough that no pair a layout could lift is missed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { CODE_WEIGHT, LAYOUT_LENGTH, LAYOUT_SIDE, colourLayout, colourLayoutOf, layoutSimilarity, likeness, lowestCosineFor } from '../../../main/ml/eval/likeness';

/** An 8 × 8 RGB thumbnail: a warm left half and a cool right half, with a vertical gradient. */
function scene(mirror = false): number[] {
  const out: number[] = [];
  for (let y = 0; y < LAYOUT_SIDE; y++)
    for (let x = 0; x < LAYOUT_SIDE; x++) {
      const left = mirror ? x >= LAYOUT_SIDE / 2 : x < LAYOUT_SIDE / 2;
      out.push(left ? 200 - 10 * y : 40 + 5 * y, 100 + 8 * y, left ? 60 : 190 - 6 * y);
    }
  return out;
}

test('a layout is unit length; brightness and contrast changes leave it as it was; a flat photo gives none', () => {
  const layout = colourLayout(scene());
  assert.equal(layout.length, LAYOUT_LENGTH);
  assert.ok(Math.abs(Math.hypot(...layout) - 1) < 1e-5);
  const edited = colourLayout(scene().map((v) => Math.min(255, 0.8 * v + 30)));
  assert.ok(layoutSimilarity(layout, edited) > 0.999, `an edit's layout: ${layoutSimilarity(layout, edited)}`);
  const mirrored = colourLayout(scene(true));
  assert.ok(layoutSimilarity(layout, mirrored) < 0, `the colours elsewhere: ${layoutSimilarity(layout, mirrored)}`);
  assert.ok(colourLayout(new Array(LAYOUT_LENGTH).fill(128)).every((v) => v === 0), 'a flat photo has no pattern');
  assert.throws(() => colourLayout([1, 2, 3]), /expected 192 values, got 3/);
});

test('from an image: a shrunk, recompressed copy keeps its layout', async () => {
  const big = await sharp(Buffer.from(scene()), { raw: { width: LAYOUT_SIDE, height: LAYOUT_SIDE, channels: 3 } })
    .resize(320, 240, { kernel: 'nearest' })
    .png()
    .toBuffer();
  const copy = await sharp(big).resize(160, 120).jpeg({ quality: 50 }).toBuffer();
  assert.ok(layoutSimilarity(await colourLayoutOf(big), await colourLayoutOf(copy)) > 0.97);
});

test('the likeness weighs the codes and the layouts; a missing layout counts as no match', () => {
  assert.equal(likeness(1, 1), 1);
  assert.ok(Math.abs(likeness(0.9, 0.5) - (CODE_WEIGHT * 0.9 + (1 - CODE_WEIGHT) * 0.5)) < 1e-12);
  assert.equal(likeness(0.9, null), CODE_WEIGHT * 0.9);
  // The lowest cosine a perfect layout lifts to the threshold, and no lower.
  for (const t of [0.5, 0.773, 0.95]) assert.ok(Math.abs(likeness(lowestCosineFor(t), 1) - t) < 1e-12);
});

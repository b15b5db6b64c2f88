/** The edited-copy generator: seeded, within its stated ranges, real JPEG files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { COPY_EDIT_RANGES, copyCropBox, copyEditFor, drawCopyEdit, makeEditedCopy, percentile, sampleForCopies } from '../../../main/ml/eval/copies';
import { Rng } from '../../../main/ml/dim/random';
import { makePhoto } from '../../fixtures/photos';

test('edits are drawn within the stated ranges, and the same seed draws the same edit', () => {
  const rng = new Rng(5);
  let squares = 0;
  for (let i = 0; i < 2000; i++) {
    const e = drawCopyEdit(rng);
    assert.ok(Math.abs(e.rotationDegrees) <= COPY_EDIT_RANGES.rotationDegrees);
    assert.ok(e.areaShare >= 0.6 && e.areaShare <= 0.9);
    assert.ok(e.rescale >= 0.4 && e.rescale <= 0.7);
    for (const f of [e.brightness, e.contrast, e.saturation]) assert.ok(f >= 0.75 && f <= 1.25);
    assert.ok(Number.isInteger(e.jpegQuality) && e.jpegQuality >= 40 && e.jpegQuality <= 70);
    if (e.crop === 'square') squares++;
  }
  assert.ok(squares > 350 && squares < 650, `about a quarter square crops, got ${squares}/2000`);
  assert.deepEqual(copyEditFor(3, 17), copyEditFor(3, 17));
  assert.notDeepEqual(copyEditFor(3, 17), copyEditFor(4, 17));
  assert.deepEqual(sampleForCopies(100, 10, 1), sampleForCopies(100, 10, 1));
  assert.deepEqual(sampleForCopies(100, 10, 1), sampleForCopies(100, 20, 1).slice(0, 10), 'a larger limit extends the same sample');
});

test('the crop lies inside the turned photo and covers the stated share of its upright rectangle', () => {
  const edit = { ...copyEditFor(0, 0), rotationDegrees: 0, crop: 'area' as const, areaShare: 0.64, offsetX: 1, offsetY: 1 };
  const box = copyCropBox(400, 300, edit);
  assert.deepEqual(box, { left: 80, top: 60, width: 320, height: 240 });
  const square = copyCropBox(400, 300, { ...edit, crop: 'square', offsetX: 0 });
  assert.equal(square.width, 300);
  assert.equal(square.height, 300);
  const turned = copyCropBox(400, 300, { ...edit, rotationDegrees: 8 });
  const canvasW = Math.round(400 * Math.cos(0.1396) + 300 * Math.sin(0.1396));
  assert.ok(turned.left >= 0 && turned.left + turned.width <= canvasW);
});

test('an edited copy is a JPEG of the rescaled crop', async () => {
  const original = await makePhoto(11, { width: 400, height: 300 });
  const edit = { ...copyEditFor(0, 1), rotationDegrees: 5, crop: 'area' as const, areaShare: 0.81, rescale: 0.5, jpegQuality: 50 };
  const copy = await makeEditedCopy(original, edit);
  const meta = await sharp(copy).metadata();
  assert.equal(meta.format, 'jpeg');
  // 0.9 of the upright rectangle's side, halved; the rectangle shrinks a little for the 5° turn.
  assert.ok(meta.width! <= 180 && meta.width! >= 150, `width ${meta.width}`);
  assert.ok(Math.abs(meta.width! / meta.height! - 4 / 3) < 0.03);
  assert.deepEqual(await makeEditedCopy(original, edit), copy, 'the same edit makes the same bytes');
});

test('percentile interpolates sorted values', () => {
  assert.equal(percentile([0, 1, 2, 3, 4], 50), 2);
  assert.equal(percentile([0, 10], 5), 0.5);
  assert.ok(Number.isNaN(percentile([], 50)));
});

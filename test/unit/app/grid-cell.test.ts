/** The grid's thumbnail size as stored between launches: clamped to the range, anything unreadable gives the initial size. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { GRID_CELL, parseGridCell } from '../../../renderer/src/lib/grid-cell';

test('a stored size is read within the range; nothing stored or garbage gives the initial size', () => {
  assert.equal(parseGridCell('200'), 200);
  assert.equal(parseGridCell('199.6'), 200, 'whole pixels');
  assert.equal(parseGridCell('20'), GRID_CELL.min);
  assert.equal(parseGridCell('5000'), GRID_CELL.max, 'never larger than the stored thumbnails');
  for (const bad of [null, undefined, '', '  ', 'big', 'NaN', 'Infinity']) assert.equal(parseGridCell(bad), GRID_CELL.initial, String(bad));
  assert.ok(GRID_CELL.min <= GRID_CELL.initial && GRID_CELL.initial <= GRID_CELL.max);
});

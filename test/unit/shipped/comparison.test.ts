/**
 * The shipped encoders' comparison: the ordering is the measured one, and the explanation states
 * the measured direction against the DIM paper's (local far ahead of global) and what combining
 * the terms gave; written onto every card of a trio (CIFAR-10 or photo) once all three are measured.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { CIFAR_TRIO, compareShipped, PHOTO_TRIO, writeShippedComparison } from '../../../main/ml/shipped/comparison';

test('the ordering and the explanation follow the measured figures', () => {
  const reversed = compareShipped({ 'dim-both': 61.3, 'dim-global': 58.5, 'dim-local': 50.2 });
  assert.equal(reversed.ordering, 'dim-both 61.3 > dim-global 58.5 > dim-local 50.2 (kNN@20 %, CIFAR-10 test)');
  assert.match(reversed.explanation, /paper's order is reversed: global MI leads local by 8\.3 points/);
  assert.match(reversed.explanation, /best codes \(2\.8 points above the better single term\)/);

  const paper = compareShipped({ 'dim-both': 60, 'dim-global': 40, 'dim-local': 62 });
  assert.match(paper.ordering, /^dim-local 62\.0 > dim-both 60\.0 > dim-global 40\.0/);
  assert.match(paper.explanation, /Local MI leads global by 22\.0 points here, the paper's direction/);
  assert.match(paper.explanation, /fall 2\.0 points short of the better single term/);

  const close = compareShipped({ 'dim-both': 59, 'dim-global': 58, 'dim-local': 58 });
  assert.match(close.ordering, /dim-global 58\.0 = dim-local 58\.0/);
  assert.match(close.explanation, /within 0\.0 points of each other/);
});

test('the comparison is written onto every card once all three models are measured', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-compare-'));
  const card = (knn20: number) => JSON.stringify({ name: 'x', evaluation: { model: { knn1: 1, knn20, knn200: 1, precisionAt10: 1 } } });
  for (const [name, knn20] of [['dim-both', 61], ['dim-global', 58]] as const) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'card.json'), card(knn20));
  }
  assert.equal(await writeShippedComparison(dir), null, 'not while dim-local is missing');
  await mkdir(join(dir, 'dim-local'));
  await writeFile(join(dir, 'dim-local', 'card.json'), card(52));
  const comparison = await writeShippedComparison(dir);
  assert.ok(comparison);
  for (const name of ['dim-both', 'dim-global', 'dim-local']) {
    const written = JSON.parse(await readFile(join(dir, name, 'card.json'), 'utf8'));
    assert.equal(written.name, 'x', `${name}: the rest of the card is kept`);
    assert.deepEqual(written.comparison, comparison);
  }
});

test('the photo trio is compared on mini-ImageNet val, from its own evaluation, and leaves the CIFAR cards alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-compare-photo-'));
  const photoCard = (knn20: number) => JSON.stringify({ name: 'p', evaluationMiniImagenet: { model: { knn1: 1, knn20, knn200: 1, precisionAt10: 1 } } });
  const cifarCard = JSON.stringify({ name: 'c', evaluation: { model: { knn1: 1, knn20: 60, knn200: 1, precisionAt10: 1 } } });
  for (const name of [CIFAR_TRIO.both, CIFAR_TRIO.global, CIFAR_TRIO.local]) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'card.json'), cifarCard);
  }
  for (const [name, knn20] of [[PHOTO_TRIO.both, 31], [PHOTO_TRIO.global, 29.5]] as const) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'card.json'), photoCard(knn20));
  }
  assert.equal(await writeShippedComparison(dir, PHOTO_TRIO), null, 'not while dim-photo-local is missing');
  await mkdir(join(dir, PHOTO_TRIO.local));
  // A card without the photo evaluation (e.g. one measured on CIFAR-10 alone) is not compared.
  await writeFile(join(dir, PHOTO_TRIO.local, 'card.json'), cifarCard);
  assert.equal(await writeShippedComparison(dir, PHOTO_TRIO), null, 'not without its mini-ImageNet figure');
  await writeFile(join(dir, PHOTO_TRIO.local, 'card.json'), photoCard(24));
  const comparison = await writeShippedComparison(dir, PHOTO_TRIO);
  assert.ok(comparison);
  assert.equal(comparison.ordering, 'dim-photo-both 31.0 > dim-photo-global 29.5 > dim-photo-local 24.0 (kNN@20 %, mini-ImageNet val)');
  assert.match(comparison.explanation, /global MI leads local by 5\.5 points/);
  assert.match(comparison.explanation, /same joined code/);
  for (const name of [PHOTO_TRIO.both, PHOTO_TRIO.global, PHOTO_TRIO.local]) {
    assert.deepEqual(JSON.parse(await readFile(join(dir, name, 'card.json'), 'utf8')).comparison, comparison);
  }
  for (const name of [CIFAR_TRIO.both, CIFAR_TRIO.global, CIFAR_TRIO.local]) {
    assert.equal(JSON.parse(await readFile(join(dir, name, 'card.json'), 'utf8')).comparison, undefined, `${name} untouched`);
  }
  assert.throws(() => compareShipped({ 'dim-photo-both': 1, 'dim-photo-global': 1 }, PHOTO_TRIO), /no kNN@20 for dim-photo-local/);
});

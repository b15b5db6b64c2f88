/**
 * `models` and `train --from/--augmentation` from the command line: every usable model listed
 * with the default marked (the same default the library opens with), a library's own models with
 * --library, and continuing a shipped model with its own recipe; bad input is a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultModelName } from '../../../main/ml/default-model';
import { listModels } from '../../../main/ml/models';
import { makeDataset } from './dataset';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { ...r, json: () => JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

interface Listed {
  name: string;
  id: string;
  inputSize: number;
  default: boolean;
  trainedOn: string;
  card: Record<string, unknown>;
}

test('models --json lists every shipped model, one of them the default, with what each was trained on', async () => {
  const r = cli(['models', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const models = r.json() as Listed[];
  assert.deepEqual(models.map((m) => m.name).sort(), (await listModels()).map((m) => m.name).sort());
  for (const m of models) {
    assert.deepEqual(Object.keys(m).sort(), ['card', 'default', 'id', 'inputSize', 'name', 'trainedOn']);
    assert.match(m.id, new RegExp(`^${m.name}-[0-9a-f]{12}$`));
    assert.equal(m.card.name, m.name);
  }
  assert.deepEqual(models.filter((m) => m.default).map((m) => m.name), [defaultModelName()], 'exactly one default, the one the library opens with');
  for (const name of ['dim-both', 'dim-global', 'dim-local']) {
    const m = models.find((x) => x.name === name)!;
    assert.equal(m.trainedOn, 'CIFAR-10');
    assert.equal(m.inputSize, 32);
  }
  const photo = models.find((m) => m.name === 'dim-photo-both');
  if (photo) assert.equal(photo.trainedOn, 'mini-ImageNet');

  const text = cli(['models']);
  assert.equal(text.status, 0);
  assert.match(text.stdout, new RegExp(`^\\* ${defaultModelName()} `, 'm'));
  assert.match(cli(['models', 'extra']).stderr, /models takes no arguments|usage: dimsearch models/);
  assert.match(cli(['models', '--library', '/no/such/library']).stderr, /no library at/);
});

test('train --from continues a model with its own recipe; models --library lists the library’s models', async () => {
  const folder = await makeDataset(16, { size: 40 });
  const library = await mkdtemp(join(tmpdir(), 'dimsearch-models-cli-'));
  const out = join(library, 'models', 'both-adapted');
  const r = cli(['train', folder, '--out', out, '--from', 'dim-both', '--epochs', '1', '--batch', '8', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json().status, 'done');
  const card = JSON.parse(await readFile(join(out, 'card.json'), 'utf8'));
  const shipped = JSON.parse(await readFile(join(root, 'native-models', 'dim-both', 'card.json'), 'utf8'));
  assert.equal(card.inputSize, 32, "the model's own size");
  assert.equal(card.augmentation, 'pad-crop', "dim-both's own augmentation");
  assert.deepEqual([card.estimator, card.weights], [shipped.estimator, shipped.weights], 'and its own objective');
  assert.deepEqual(card.initialisedFrom, { name: 'dim-both', id: shipped.id });

  const listed = cli(['models', '--library', library, '--json']).json() as Listed[];
  const own = listed.find((m) => m.name === 'both-adapted');
  assert.ok(own, 'the library’s model is listed');
  assert.equal(own.default, false);
  assert.match(own.trainedOn, /^CIFAR-10, then photos in /);

  // Without --from the shared defaults apply: photo augmentation, InfoNCE (never the one-view JSD recipe).
  const fresh = join(library, 'models', 'fresh');
  assert.equal(cli(['train', folder, '--out', fresh, '--size', '32', '--epochs', '1', '--batch', '8', '--json']).status, 0);
  const freshCard = JSON.parse(await readFile(join(fresh, 'card.json'), 'utf8'));
  assert.deepEqual([freshCard.augmentation, freshCard.estimator, freshCard.augment], ['photo', 'infonce', true]);
  const padCrop = join(library, 'models', 'pad-crop');
  assert.equal(cli(['train', folder, '--out', padCrop, '--size', '32', '--epochs', '1', '--batch', '8', '--augmentation', 'pad-crop', '--json']).status, 0);
  assert.equal(JSON.parse(await readFile(join(padCrop, 'card.json'), 'utf8')).augmentation, 'pad-crop');

  assert.match(cli(['train', folder, '--out', join(library, 'x'), '--augmentation', 'sepia']).stderr, /--augmentation must be photo, pad-crop or none/);
  assert.match(cli(['train', folder, '--out', join(library, 'x'), '--from', join(library, 'nope')]).stderr, /--from: no model at/);
  assert.match(cli(['train', folder, '--out', join(library, 'x'), '--from', 'dim-both', '--size', '64']).stderr, /differs from dim-both's input size 32/);
});

test('results-table lists each shipped model’s measured figures per benchmark, with the pixel and random baselines', async () => {
  const r = cli(['results-table', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.json() as { dataset: string; model: string; knn20: number; precisionAt10: number }[];
  for (const info of await listModels()) {
    const evaluations: [string, { model: { knn20: number; precisionAt10: number } } | undefined][] = [
      ['CIFAR-10', info.card.evaluation as never],
      ['mini-ImageNet', info.card.evaluationMiniImagenet as never],
    ];
    for (const [dataset, evaluation] of evaluations) {
      if (!evaluation) continue;
      const row = rows.find((x) => x.dataset === dataset && x.model === info.name);
      assert.ok(row, `${info.name} on ${dataset} is in the table`);
      assert.equal(row.knn20, evaluation.model.knn20, `${info.name}: the card's kNN@20 on ${dataset}`);
      assert.equal(row.precisionAt10, evaluation.model.precisionAt10);
    }
  }
  const datasets = new Set(rows.map((x) => x.dataset));
  for (const dataset of datasets)
    for (const baseline of ['pixels', 'random init'])
      assert.ok(rows.some((x) => x.dataset === dataset && x.model.startsWith(baseline)), `${dataset}: the ${baseline} baseline is in the table`);
  assert.match(r.stdout, /^\| benchmark \| model \| kNN@1 \| kNN@20 /m);
});

/**
 * `bench adapt [--model M] [--library N] [--queries N] [--epochs E] [--seeds 0,1] [--shares 0,0.5] [--json]`:
 * what adapting a model to a library unlike its training set does to what it finds, measured with
 * labels the app never sees (as test/integration/shipped/adapt-knn.test.ts, with more runs). The
 * mini-ImageNet photo model gets a library of CIFAR-10 test photos (N of each class; a CIFAR-10
 * model gets mini-ImageNet val photos), is adapted with the app's recipe (recipeToContinue) once
 * per seed, and the adapted weights are blended with the starting ones at each share
 * (weight-blend.ts; 0: the adapted weights alone, the app keeps 0.5). Each model is measured on
 * the next photos of each class as queries: kNN@20 and precision@10 (bank: the library), McNemar's
 * z of the per-query kNN@20 change against the starting model, and edited copies of the query
 * photos found first among them (eval-copies, 1,000 copies, seed 0).
 * Last stdout line with --json: {"model","library","queries","epochs","start":{…},"runs":[{"seed","share",…}]}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeModelPixels } from '../../main/core/imaging/decode';
import { folderPhotoSource } from '../../main/core/training/photo-sources';
import { printJson, progressLine, endProgress } from '../../main/cli/output';
import { initBackend } from '../../main/ml/backend';
import { defaultModelName } from '../../main/ml/default-model';
import { fromWire, toWire } from '../../main/ml/dim/train-step';
import { train } from '../../main/ml/dim/trainer';
import { ADAPT_EPOCHS, recipeOptions, recipeToContinue } from '../../main/ml/dim/train-defaults';
import { blendWithInitial } from '../../main/ml/dim/weight-blend';
import { DimEncoder } from '../../main/ml/dim/encoder';
import { ensureCifar10 } from '../../main/ml/eval/cifar10';
import { scoreCopies } from '../../main/ml/eval/copies';
import { loadLabelledSplit } from '../../main/ml/eval/dataset';
import { encodeImages } from '../../main/ml/eval/harness';
import { ensureMiniImagenet } from '../../main/ml/eval/mini-imagenet';
import { trainedOnOf } from '../../main/ml/model-card';
import { loadDimEncoder, loadEncoder, readModelInfo, saveEncoder } from '../../main/ml/models';
import { mcnemar, perQueryKnn } from './support/paired';
import { copyClassSlice } from './support/class-slices';

const list = (value: string, name: string) =>
  value.split(',').map((v) => {
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) throw new Error(`--${name} must be a comma-separated list of numbers, got '${value}'`);
    return n;
  });

/** The encoder of `adapted` with its weights blended with `start`'s at `share`, saved to `out`. */
async function blended(start: string, adapted: string, share: number, out: string): Promise<string> {
  const [a, b] = [await loadDimEncoder(start), await loadDimEncoder(adapted)];
  try {
    const wire = async (e: DimEncoder) => Object.fromEntries(await Promise.all([...e.variables].map(async ([k, v]) => [k, await toWire(v)] as const)));
    const mixed = blendWithInitial(await wire(b.encoder), await wire(a.encoder), share);
    const weights = Object.fromEntries(Object.entries(mixed).map(([k, w]) => [k, fromWire(w)]));
    const encoder = new DimEncoder(b.encoder.options, { weights });
    try {
      const { name: _name, id: _id, ...card } = b.info.card;
      await saveEncoder(out, encoder, { ...card, initialWeightShare: share }, `adapted-${share}`, null, { code: b.info.searchCode, inputSize: b.info.searchInputSize });
    } finally {
      encoder.dispose();
      for (const t of Object.values(weights)) t.dispose();
    }
    return out;
  } finally {
    a.encoder.dispose();
    b.encoder.dispose();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      library: { type: 'string' },
      queries: { type: 'string' },
      epochs: { type: 'string', default: String(ADAPT_EPOCHS) },
      seeds: { type: 'string', default: '0,1' },
      shares: { type: 'string', default: '0,0.5' },
      json: { type: 'boolean', default: false },
    },
  });
  await initBackend();
  const model = values.model ?? defaultModelName();
  const info = await readModelInfo(model);
  const dataset = trainedOnOf(info.card) === 'CIFAR-10' ? 'mini-imagenet' : 'cifar10';
  const data = dataset === 'cifar10' ? await ensureCifar10() : await ensureMiniImagenet();
  const libraryPerClass = Number(values.library ?? (dataset === 'cifar10' ? 100 : 10));
  const queriesPerClass = Number(values.queries ?? (dataset === 'cifar10' ? 500 : 10));
  const epochs = Number(values.epochs);
  for (const [name, n] of [['library', libraryPerClass], ['queries', queriesPerClass], ['epochs', epochs]] as const)
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${n}`);
  const seeds = list(values.seeds!, 'seeds');
  const shares = list(values.shares!, 'shares');
  if (shares.some((s) => s < 0 || s > 1)) throw new Error(`--shares must lie within 0–1, got ${values.shares}`);

  const root = await mkdtemp(join(tmpdir(), 'dimsearch-bench-adapt-'));
  try {
    const libraryDir = join(root, 'library');
    const queriesDir = join(root, 'queries');
    await copyClassSlice(data.test, libraryDir, 0, libraryPerClass);
    await copyClassSlice(data.test, queriesDir, libraryPerClass, queriesPerClass);
    const bank = await loadLabelledSplit(libraryDir);
    const queries = await loadLabelledSplit(queriesDir, { classNames: bank.classNames });

    const measure = async (dir: string) => {
      const encoder = await loadEncoder(dir);
      try {
        const codes = async (paths: readonly string[]) => {
          const r = await encodeImages(encoder, paths, { decode: decodeModelPixels });
          if (r.failed.length) throw new Error(`could not decode ${r.failed[0]!.path}: ${r.failed[0]!.reason}`);
          return r.codes;
        };
        const perQuery = await perQueryKnn({ codes: await codes(bank.paths), labels: bank.labels }, { codes: await codes(queries.paths), labels: queries.labels }, encoder.dim);
        const copies = await scoreCopies(encoder, queries.paths, decodeModelPixels, { limit: 1000, seed: 0 });
        return { perQuery, copiesTop1: copies.top1 };
      } finally {
        encoder.dispose();
      }
    };
    const figures = (m: Awaited<ReturnType<typeof measure>>) => ({
      knn20: Math.round((10000 * m.perQuery.right.reduce((s, v) => s + v, 0)) / m.perQuery.right.length) / 100,
      precisionAt10: Math.round((10000 * m.perQuery.precision.reduce((s, v) => s + v, 0)) / m.perQuery.precision.length) / 100,
      copiesTop1: m.copiesTop1,
    });
    progressLine(`measuring ${info.name}`);
    const start = await measure(info.dir);
    const runs: Record<string, unknown>[] = [];
    for (const seed of seeds) {
      const adapted = join(root, `adapted-${seed}`);
      const recipe = { ...recipeToContinue(info.card, info.inputSize), epochs, initialWeightShare: null };
      const started = performance.now();
      await train({
        photos: folderPhotoSource(libraryDir),
        out: adapted,
        name: 'adapted',
        ...recipeOptions(recipe),
        initialModel: info.dir,
        seed,
        onProgress: (p) => p.phase === 'training' && progressLine(`seed ${seed}: epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}`),
      });
      const minutes = Math.round((performance.now() - started) / 6000) / 10;
      for (const share of shares) {
        progressLine(`seed ${seed}: measuring share ${share}`);
        const dir = share === 0 ? adapted : await blended(info.dir, adapted, share, join(root, `blend-${seed}-${share}`));
        const m = await measure(dir);
        const paired = mcnemar(start.perQuery.right, m.perQuery.right);
        runs.push({ seed, share, minutes, ...figures(m), knn20Gained: paired.gained, knn20Lost: paired.lost, mcnemarZ: Math.round(paired.z * 100) / 100 });
      }
    }
    endProgress();
    const result = { model: info.name, library: `${libraryPerClass * bank.classNames.length} ${dataset} photos`, queries: queries.paths.length, epochs, start: figures(start), runs };
    if (values.json) printJson(result);
    else {
      console.log(`${info.name} on ${result.library}, ${result.queries} queries: kNN@20 ${result.start.knn20} %, precision@10 ${result.start.precisionAt10} %, copies first ${(100 * result.start.copiesTop1).toFixed(1)} %`);
      for (const r of runs) console.log(`  seed ${r.seed}, starting share ${r.share}: kNN@20 ${r.knn20} % (McNemar z ${r.mcnemarZ}), precision@10 ${r.precisionAt10} %, copies first ${(100 * (r.copiesTop1 as number)).toFixed(1)} %`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

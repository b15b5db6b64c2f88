/**
 * The views beyond the search box, end to end in a real browser (web mode, Debian's Chromium):
 * the training panel runs short trainings with live curves, cancels one, and re-indexes the
 * library with a trained model; the Compare view shows three models' nearest photos for a
 * clicked photo with their overlap; the Feature maps view shows the strongest channels, the PCA
 * colour image and the per-channel MI. Trainings are tiny (16 photos, batch 4, one epoch).
 * Screenshots go to test-results/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makePhotoFolder } from './make-photos';
import { repoRoot, startServe, type ServeProcess } from './serve-process';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = join(repoRoot, 'test-results');
const photoCount = 16;

async function chartPoints(page: Page, testid: string): Promise<number> {
  return Number(await page.locator(`[data-testid=${testid}]`).getAttribute('data-points'));
}

/** Fill the training form with tiny settings and start; resolves when the run is under way. */
async function startTraining(page: Page, settings: { name: string; objective: string; estimator: string; epochs: number }): Promise<void> {
  // A new model from scratch (the view's default is adapting the search model), small and fast.
  await page.locator('[data-testid=train-mode-scratch]').check();
  await page.locator('[data-testid=train-size]').selectOption('32');
  await page.locator('[data-testid=train-name]').fill(settings.name);
  await page.locator('[data-testid=train-objective]').selectOption(settings.objective);
  await page.locator('[data-testid=train-estimator]').selectOption(settings.estimator);
  await page.locator('[data-testid=train-epochs]').fill(String(settings.epochs));
  await page.locator('[data-testid=train-batch]').fill('4');
  await page.locator('[data-testid=train-start]').click();
  await page.locator('[data-testid=train-status][data-state=running]').waitFor({ timeout: 30_000 });
}

test('web mode: train with live curves, cancel, re-index, compare three models, feature maps', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}` }, async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-insight-'));
  const folder = await makePhotoFolder(join(base, 'photos'), photoCount);
  await mkdir(screenshots, { recursive: true });

  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  });

  server = await startServe(['--library', join(base, 'library'), '--folder', folder.dir]);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  await page.goto(server.url);
  await page.waitForFunction((n) => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === String(n), photoCount, { timeout: 60_000 });

  await t.test('a training run streams live curves and saves a model', async () => {
    await page.locator('[data-testid=tab-train]').click();
    await startTraining(page, { name: 'tiny-global', objective: 'global', estimator: 'jsd', epochs: 2 });
    // Live: the loss chart gets its first point, then more while the run goes.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss]')?.getAttribute('data-points')) >= 1, null, { timeout: 60_000 });
    const first = await chartPoints(page, 'chart-loss');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=chart-loss]')?.getAttribute('data-points')) > n, first, { timeout: 60_000 });
    assert.match((await page.locator('[data-testid=chart-loss]').getAttribute('data-series'))!, /\bloss\b.*\bglobal\b/);
    assert.match((await page.locator('[data-testid=chart-mi]').getAttribute('data-series'))!, /miGlobal/);
    await page.screenshot({ path: join(screenshots, 'insight-1-training.png') });
    await page.locator('[data-testid=train-status][data-state=done]').waitFor({ timeout: 120_000 });
    // Steps closer than 50 ms apart may be merged live; the last step of each epoch always comes.
    const drawn = await chartPoints(page, 'chart-loss');
    assert.ok(drawn >= 2 && drawn <= 8, `two epochs of 4 steps: ${drawn} points drawn`);
    // Steps are whole numbers, and so are the ticks of the step axis (never 1.2, 1.4…).
    const ticks = (await page.locator('[data-testid=chart-loss] .plot').getAttribute('data-x-ticks'))!.split(' ').map(Number);
    assert.ok(ticks.length >= 2 && ticks.every(Number.isInteger), `whole-number step ticks: ${ticks}`);
  });

  await t.test('the finished model, once chosen, re-indexes the library and becomes its model', async () => {
    await page.locator('[data-testid=train-use-new]').click();
    await page.waitForFunction(() => document.querySelector('.topbar .model')?.textContent?.trim() === 'tiny-global', null, { timeout: 60_000 });
    await page.screenshot({ path: join(screenshots, 'insight-2-trained.png') });
  });

  await t.test('a page reopened mid-run picks the run up with its curves; cancel stops it and saves no model', async () => {
    await startTraining(page, { name: 'tiny-cancelled', objective: 'both', estimator: 'dv', epochs: 50 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss]')?.getAttribute('data-points')) >= 1, null, { timeout: 60_000 });
    await page.reload();
    await page.locator('[data-testid=tab-train]').click();
    await page.locator('[data-testid=train-status][data-state=running]').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss]')?.getAttribute('data-points')) >= 1);
    await page.locator('[data-testid=train-cancel]').click();
    await page.locator('[data-testid=train-status][data-state=cancelled]').waitFor({ timeout: 60_000 });
    assert.equal(existsSync(join(base, 'library', 'models', 'tiny-cancelled')), false);
    assert.equal(existsSync(join(base, 'library', 'models', 'tiny-cancelled.checkpoint')), false);
  });

  await t.test('a second model, trained on the local objective only', async () => {
    await startTraining(page, { name: 'tiny-local', objective: 'local', estimator: 'infonce', epochs: 1 });
    await page.locator('[data-testid=train-status][data-state=done]').waitFor({ timeout: 120_000 });
    assert.match((await page.locator('[data-testid=chart-mi]').getAttribute('data-series'))!, /miLocal/);
  });

  await t.test('the compare view shows three models side by side for a clicked photo', async () => {
    await page.locator('[data-testid=tab-library]').click();
    const cell = page.locator('[data-testid=photo-cell]').nth(3);
    const id = await cell.getAttribute('data-photo-id');
    await cell.click();
    await page.locator('[data-testid=open-compare]').click();
    await page.locator('[data-testid=compare-view]').waitFor();
    // One plain sentence says what the view shows; the figures keep their terms in tooltips.
    assert.match(await page.locator('[data-testid=compare-about]').innerText(), /Each column lists the photos one model finds most like this one/);
    // The chips list the models as the model picker does: the search model, the photo models, then the CIFAR-10 research models.
    const chips = await page.locator('[data-testid=model-toggle]').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-model-id') ?? ''));
    const searchModelId = await page.locator('[data-testid=model-picker]').getAttribute('data-model-id');
    assert.equal(chips[0], searchModelId, 'the search model first');
    const lastPhoto = Math.max(...['dim-photo-both-', 'dim-photo-global-'].map((p) => chips.findIndex((id) => id.startsWith(p))));
    const firstResearch = Math.min(...['dim-both-', 'dim-global-', 'dim-local-'].map((p) => chips.findIndex((id) => id.startsWith(p))));
    assert.ok(lastPhoto > 0 && lastPhoto < firstResearch, `photo models before the research models: ${chips.join(', ')}`);
    // A model without codes says so and offers to compute them (heavy work is asked for, not started
    // quietly); its column fills in when that ends.
    await page.locator('[data-testid=compare-compute]').first().waitFor({ timeout: 30_000 });
    // Only lists that exist are compared: no "0 in common" beside a column still without codes.
    const withHits = await page.locator('[data-testid=compare-column]').evaluateAll((cs) => cs.filter((c) => c.querySelector('[data-testid=compare-hit]')).length);
    assert.ok(withHits < 3, 'a column waits for its codes');
    assert.equal(await page.locator('[data-testid=overlap-pair]').count(), (withHits * (withHits - 1)) / 2, 'an overlap figure only between lists that exist');
    await page.locator('[data-testid=compare-compute]').first().click({ timeout: 30_000 });
    await page.waitForFunction(
      () => {
        const columns = [...document.querySelectorAll('[data-testid=compare-column]')];
        return columns.length === 3 && columns.every((c) => c.querySelectorAll('[data-testid=compare-hit]').length === 12);
      },
      null,
      { timeout: 90_000 },
    );
    const columns = page.locator('[data-testid=compare-column]');
    const modelIds = await columns.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-model-id')));
    assert.equal(new Set(modelIds).size, 3, 'three different models');
    for (let c = 0; c < 3; c++) {
      const hits = columns.nth(c).locator('[data-testid=compare-hit]');
      const ids = await hits.evaluateAll((hs) => hs.map((h) => h.getAttribute('data-photo-id')));
      assert.ok(!ids.includes(id), 'the query photo itself is left out');
      const scores = await hits.evaluateAll((hs) => hs.map((h) => Number(h.getAttribute('data-score'))));
      for (let i = 1; i < scores.length; i++) assert.ok(scores[i] <= scores[i - 1] + 1e-6, `column ${c} best first: ${scores}`);
    }
    // Trained models show their MI lower bounds; the untrained placeholder has none.
    assert.ok((await page.locator('[data-testid=compare-information]').count()) >= 2);
    const pairs = page.locator('[data-testid=overlap-pair]');
    assert.equal(await pairs.count(), 3, 'one overlap figure per pair of models');
    for (const shared of await pairs.evaluateAll((ps) => ps.map((p) => Number(p.getAttribute('data-shared'))))) {
      assert.ok(shared >= 0 && shared <= 12);
    }
    // Measuring a model's information needs 32 held-out photos; this library has 16: the column says so.
    const shipped = page.locator('[data-testid=compare-column][data-model-id^="dim-photo-both-"]');
    await shipped.locator('[data-testid=measure-information]').click();
    await shipped.locator('[data-testid=measure-error]').waitFor({ timeout: 30_000 });
    assert.match((await shipped.locator('[data-testid=measure-error]').textContent())!, /at least 32 photos/);
    // Sixteen more photos dropped into the folder: the watcher indexes them, and measuring the shipped
    // model on the library's photos (all held out from its training) now gives a held-out bound.
    await makePhotoFolder(join(folder.dir, 'more'), 16);
    await page.locator('[data-testid=tab-library]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === '32', null, { timeout: 60_000 });
    await page.locator('[data-testid=tab-compare]').click();
    await shipped.locator('[data-testid=measure-information]').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=compare-column][data-model-id^="dim-photo-both-"] [data-testid=compare-information]')?.getAttribute('title')?.includes('32 photos of this library'),
      null,
      { timeout: 90_000 },
    );
    assert.equal(await shipped.locator('[data-testid=compare-information]').getAttribute('data-source'), 'held-out');
    assert.equal(await shipped.locator('[data-testid=measure-error]').count(), 0);
    await page.screenshot({ path: join(screenshots, 'insight-3-compare.png'), fullPage: true });

    // Dropping a model leaves two columns.
    await page.locator('[data-testid=model-toggle][aria-pressed=true]').first().click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=compare-column]').length === 2);
    assert.equal(await pairs.count(), 1);

    // The three shipped CIFAR-10 models (one recipe and budget, different MI terms) shown together get
    // their measured comparison in plain words; another set of models gets none.
    const trio = page.locator('[data-testid=compare-trio]');
    assert.equal(await trio.count(), 0, 'no note for a set that is not a trio');
    const pressed = page.locator('[data-testid=model-toggle][aria-pressed=true]');
    while ((await pressed.count()) > 0) await pressed.first().click();
    for (const name of ['dim-both', 'dim-global', 'dim-local']) await page.locator(`[data-testid=model-toggle][data-model-id^="${name}-"]`).click();
    await trio.waitFor({ timeout: 30_000 });
    const figures = await trio.locator('[data-testid=trio-figure]').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-model')));
    assert.deepEqual([...figures].sort(), ['dim-both', 'dim-global', 'dim-local']);
    const card = JSON.parse(await readFile(join(repoRoot, 'native-models', 'dim-both', 'card.json'), 'utf8')) as { comparison: { knn20: Record<string, number> } };
    const best = Object.entries(card.comparison.knn20).sort((a, b) => b[1] - a[1])[0]!;
    assert.equal(await trio.locator('[data-testid=trio-figure]').first().innerText(), `${best[0]} ${best[1].toFixed(1)} %`, 'best first, as measured');
    assert.match(await trio.innerText(), /differ only in what they were asked to keep/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=compare-column]').length === 3 && !document.querySelector('[data-testid=compare-columns][aria-busy=true]'));
    await page.screenshot({ path: join(screenshots, 'insight-3b-compare-trio.png'), fullPage: true });
  });

  await t.test('the feature maps view shows channels, the PCA colours and per-channel MI', async () => {
    await page.locator('[data-testid=tab-features]').click();
    await page.locator('[data-testid=feature-maps]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid=feature-channel]').count(), 16);
    assert.match(await page.locator('[data-testid=features-about]').innerText(), /What the model notices in each part of this photo/);
    await page.locator('[data-testid=feature-pca]').waitFor();
    const mi = await page.locator('[data-testid=feature-mi-row]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-mi'))));
    assert.equal(mi.length, 24);
    for (let i = 1; i < mi.length; i++) assert.ok(mi[i] <= mi[i - 1], 'MI list sorted, highest first');
    assert.ok(mi.every((v) => v >= 0));
    await page.screenshot({ path: join(screenshots, 'insight-4-feature-maps.png'), fullPage: true });
  });

  await t.test('saved curves of a trained model can be looked at again', async () => {
    await page.locator('[data-testid=tab-train]').click();
    const option = page.locator('[data-testid=curves-model] option', { hasText: 'tiny-global' });
    await page.locator('[data-testid=curves-model]').selectOption((await option.getAttribute('value'))!);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=past-loss]')?.getAttribute('data-points')) === 8);
    assert.equal(await chartPoints(page, 'past-epoch-loss'), 2);
    // Two epochs span 1 to 2: the epoch axis still ticks at whole numbers only.
    const epochTicks = (await page.locator('[data-testid=past-epoch-loss] .plot').getAttribute('data-x-ticks'))!.split(' ').map(Number);
    assert.ok(epochTicks.length >= 1 && epochTicks.every(Number.isInteger), `whole-number epoch ticks: ${epochTicks}`);
    await page.screenshot({ path: join(screenshots, 'insight-5-saved-curves.png'), fullPage: true });
  });

  await t.test('no script errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});

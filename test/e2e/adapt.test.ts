/**
 * "Adapt to this library" and the model picker, end to end in a real browser (web mode, Debian's
 * Chromium): the Train view's default adapts the search model; when it ends, the new and the
 * current model are shown side by side on the held-out photos and nothing switches until the
 * user chooses; the header's model picker lists the models with their figures, flags a model
 * whose codes collapsed, switches to the adapted model and back. Tiny: 70 photos, one epoch.
 * Screenshots go to test-results/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { initBackend } from '../../main/ml/backend';
import { DimEncoder } from '../../main/ml/dim/encoder';
import { loadDimEncoder, nativeModelsDir, saveEncoder } from '../../main/ml/models';
import { defaultModelName } from '../../main/ml/default-model';
import { trainedOnOf } from '../../main/ml/model-card';
import { makePhotoFolder } from './make-photos';
import { repoRoot, startServe, type ServeProcess } from './serve-process';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = join(repoRoot, 'test-results');
const photoCount = 70;
/** The model a new library searches with, and what it learned from (the photo encoder once published). */
const DEFAULT_MODEL = defaultModelName();
const DEFAULT_TRAINED_ON = trainedOnOf(JSON.parse(readFileSync(join(nativeModelsDir(), DEFAULT_MODEL, 'card.json'), 'utf8')));

/** A model in the library whose codes are all the same (its code head zeroed), its card saying so. */
async function plantCollapsedModel(libraryDir: string): Promise<void> {
  await initBackend();
  const { encoder } = await loadDimEncoder('dim-both');
  const weights: tf.NamedTensorMap = Object.fromEntries(encoder.variables);
  weights['encoder/z_mean/kernel'] = tf.zerosLike(weights['encoder/z_mean/kernel']);
  weights['encoder/z_mean/bias'] = tf.onesLike(weights['encoder/z_mean/bias']);
  const collapsed = new DimEncoder(encoder.options, { weights });
  await saveEncoder(join(libraryDir, 'models', 'collapsed-codes'), collapsed, {
    trained: true,
    trainedIn: 'dimsearch app',
    codeSpread: { medianCosine: 1, photos: 32, measuredOn: '32 held-out photos of this library' },
  });
  encoder.dispose();
  collapsed.dispose();
}

const modelName = (page: Page) => page.locator('[data-testid=model-picker]').textContent().then((t) => t?.trim());

test('web mode: adapt the search model, compare on held-out photos, choose with the model picker and switch back', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}` }, async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-adapt-e2e-'));
  const folder = await makePhotoFolder(join(base, 'photos'), photoCount);
  const libraryDir = join(base, 'library');
  await mkdir(screenshots, { recursive: true });

  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  });

  process.env.DIMSEARCH_HELD_OUT_MI_STEPS = '20'; // short critic training for the information bounds
  server = await startServe(['--library', libraryDir, '--folder', folder.dir]);
  // Listed from the library's models/ folder at each call, so it can arrive while the app runs.
  await plantCollapsedModel(libraryDir);
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
  await page.waitForFunction((n) => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === String(n), photoCount, { timeout: 90_000 });
  const shipped = await modelName(page);
  assert.equal(shipped, DEFAULT_MODEL);
  let adaptedName = '';

  await t.test('the Train view adapts by default and shows the comparison side by side; nothing switches', async () => {
    await page.locator('[data-testid=tab-train]').click();
    assert.equal(await page.locator('[data-testid=train-mode-adapt]').isChecked(), true, 'adapting is the default');
    assert.match((await page.locator('[data-testid=train-adapt-hint]').textContent())!, new RegExp(DEFAULT_MODEL));
    await page.locator('[data-testid=train-epochs]').fill('1');
    await page.locator('[data-testid=train-batch]').fill('16');
    await page.locator('[data-testid=train-start]').click();
    await page.locator('[data-testid=train-status][data-state=running]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=train-status][data-state=done]').waitFor({ timeout: 240_000 });
    await page.locator('[data-testid=train-comparison]').waitFor({ timeout: 30_000 });
    const columns = page.locator('[data-testid=comparison-model]');
    assert.deepEqual(await columns.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-role'))), ['current', 'new']);
    assert.match((await columns.first().textContent())!, new RegExp(DEFAULT_MODEL));
    adaptedName = (await columns.nth(1).textContent())!.replace(/just trained.*$/s, '').trim();
    assert.match(adaptedName, new RegExp(`^${DEFAULT_MODEL}-adapted-`));
    for (const row of ['copies-top1', 'information', 'spread'])
      assert.equal(await page.locator(`[data-testid=comparison-${row}]`).count(), 2, `${row}: one figure per model`);
    assert.match((await page.locator('[data-testid=comparison-copies-top1]').first().textContent())!, /^\d+\.\d %$/);
    assert.match((await page.locator('[data-testid=comparison-held-out]').textContent())!, /held out of the training/);
    assert.ok((await page.locator('[data-testid=comparison-summary]').textContent())!.length > 20);
    await page.screenshot({ path: join(screenshots, 'adapt-1-comparison.png'), fullPage: true });
    assert.equal(await modelName(page), DEFAULT_MODEL, 'the search model is unchanged until the user chooses');
    await page.locator('[data-testid=train-keep]').click();
    await page.locator('[data-testid=train-kept]').waitFor();
    assert.equal(await modelName(page), DEFAULT_MODEL);
  });

  await t.test('the model picker lists the models with their figures and flags collapsed codes', async () => {
    await page.locator('[data-testid=model-picker]').click();
    await page.locator('[data-testid=model-panel]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=model-option]').length >= 5);
    const current = page.locator('[data-testid=model-option][data-current=true]');
    assert.equal(await current.count(), 1);
    assert.match((await current.textContent())!, new RegExp(`${DEFAULT_MODEL}.*${DEFAULT_TRAINED_ON}.*kNN@20`, 's'));
    assert.equal(await current.locator('[data-testid=model-use]').count(), 0, 'no switch to the model in use');
    const adapted = page.locator('[data-testid=model-option]', { hasText: adaptedName });
    assert.match((await adapted.textContent())!, new RegExp(`${DEFAULT_TRAINED_ON}, then this library.*edited copies found first`, 's'));
    const collapsed = page.locator('[data-testid=model-option][data-collapsed=true]');
    assert.equal(await collapsed.count(), 1);
    assert.match((await collapsed.textContent())!, /collapsed-codes.*codes collapsed/s);
    assert.equal(await collapsed.locator('[data-testid=model-use]').textContent().then((s) => s?.trim()), 'Search with it anyway');
    assert.equal(await collapsed.locator('[data-testid=model-use].primary').count(), 0, 'never offered as the better choice');
    // The model in use first; the CIFAR-10 research models folded away, never the primary choice.
    assert.equal(await page.locator('[data-testid=model-option]').first().getAttribute('data-current'), 'true');
    const research = page.locator('[data-testid=models-for-comparison]');
    assert.equal(await research.evaluate((d) => (d as HTMLDetailsElement).open), false);
    for (const name of ['dim-both', 'dim-global', 'dim-local']) assert.equal(await research.locator('[data-testid=model-option]', { hasText: name }).count(), 1, name);
    assert.equal(await research.locator('[data-testid=model-use].primary').count(), 0);
    assert.equal(await page.locator('[data-testid=models-for-photos] [data-testid=model-option]', { hasText: adaptedName }).count(), 1, 'the adapted model is among the photo models');
    await page.screenshot({ path: join(screenshots, 'adapt-2-picker.png') });
  });

  await t.test('the picker switches the search model to the adapted one, with progress, and back', async () => {
    await page.locator('[data-testid=model-option]', { hasText: adaptedName }).locator('[data-testid=model-use]').click();
    await page.waitForFunction((name) => document.querySelector('[data-testid=model-picker]')?.textContent?.trim() === name, adaptedName, { timeout: 120_000 });
    // The banner says what happened: the search switched, not "Indexed N new or changed photos".
    await page.locator('[data-testid=job-summary-text]', { hasText: `Search now uses ${adaptedName}` }).waitFor({ timeout: 30_000 });
    // Searches now use it: a click gives results.
    await page.locator('[data-testid=tab-library]').click();
    await page.locator('[data-testid=photo-cell]').nth(2).click();
    await page.locator('[data-testid=result-item]').nth(4).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=model-picker]').click();
    await page.locator('[data-testid=model-option]', { hasText: DEFAULT_MODEL }).filter({ hasNotText: 'adapted' }).locator('[data-testid=model-use]').click();
    await page.waitForFunction((name) => document.querySelector('[data-testid=model-picker]')?.textContent?.trim() === name, DEFAULT_MODEL, { timeout: 120_000 });
    await page.screenshot({ path: join(screenshots, 'adapt-3-switched-back.png') });
  });

  await t.test('no script errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});

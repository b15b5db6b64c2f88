/**
 * Web mode end to end in a real browser (Debian's Chromium through playwright-core): start
 * `serve` on an empty library, add a generated folder from the page, wait for indexing, click a
 * photo and read the k results, search with an outside image (file picker and drag-and-drop),
 * and read the skipped files with their reasons. Screenshots go to test-results/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeOutsideImage, makePhotoFolder } from './make-photos';
import { repoRoot, startServe, type ServeProcess } from './serve-process';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = join(repoRoot, 'test-results');
const photoCount = 24;

async function resultScores(page: Page): Promise<number[]> {
  return page.locator('[data-testid=result-item]').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-score'))));
}

async function waitForResults(page: Page, count: number, queryText: string): Promise<void> {
  await page.locator('[data-testid=results-query]', { hasText: queryText }).waitFor();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=result-item]').length === n && !document.querySelector('[aria-busy=true]'),
    count,
  );
}

test('web mode: add a folder, index, browse, search by photo and by outside image', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}` }, async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-e2e-'));
  const folder = await makePhotoFolder(join(base, 'photos'), photoCount);
  const outsidePath = join(base, 'outside.png');
  const outsideBytes = await makeOutsideImage(outsidePath);
  await mkdir(screenshots, { recursive: true });

  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  });

  server = await startServe(['--library', join(base, 'library')]);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // Refused calls (the bad path below) are logged by the browser as failed loads: expected.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  await page.goto(server.url);

  await t.test('the empty library says what to do; a bad path is a clear error', async () => {
    await page.locator('[data-testid=empty-state][data-state=no-folders]').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('token'), null, 'the token is taken out of the address bar');
    await page.locator('[data-testid=add-folder-input]').fill(join(base, 'no-such-folder'));
    await page.locator('[data-testid=add-folder-submit]').click();
    const error = page.locator('[data-testid=add-folder-error]');
    await error.waitFor();
    assert.match(await error.innerText(), /no-such-folder/);
    await page.screenshot({ path: join(screenshots, 'web-1-empty.png') });
  });

  await t.test('adding a folder indexes it with progress, then shows the grid', async () => {
    await page.locator('[data-testid=add-folder-input]').fill(folder.dir);
    const progressShown = page.locator('[data-testid=job-progress]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=add-folder-submit]').click();
    await progressShown;
    await page.locator('[data-testid=job-summary][data-status=done]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=job-progress]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid=photo-count]').innerText(), String(photoCount));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-cell] img').length > 0);
    const grid = page.locator('[data-testid=photo-grid]');
    assert.equal(await grid.getAttribute('data-total'), String(photoCount));
    await page.screenshot({ path: join(screenshots, 'web-2-grid.png') });
  });

  await t.test('clicking a photo lists the k most similar; the photo itself is shown once, as the query', async () => {
    const cell = page.locator('[data-testid=photo-cell]').nth(5);
    const id = await cell.getAttribute('data-photo-id');
    const name = await cell.getAttribute('aria-label');
    await cell.click();
    await waitForResults(page, 12, name!);
    const first = page.locator('[data-testid=result-item]').first();
    const ids = await page.locator('[data-testid=result-item]').evaluateAll((items) => items.map((i) => i.getAttribute('data-photo-id')));
    assert.ok(!ids.includes(id), 'the clicked photo is not repeated among its results');
    const scores = await resultScores(page);
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i] <= scores[i - 1] + 1e-6, `scores not best first: ${scores}`);
    assert.match(await first.locator('[data-testid=result-score]').innerText(), /^-?[01]\.\d{3}$/);
    await page.screenshot({ path: join(screenshots, 'web-3-results.png') });

    await page.locator('[data-testid=k-select]').selectOption('6');
    await waitForResults(page, 6, name!);
  });

  await t.test('the grid works from the keyboard', async () => {
    await page.locator('[data-testid=photo-grid]').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    // Space finds similar photos (Enter views the photo full size: living-library.test.ts).
    await page.keyboard.press(' ');
    const second = page.locator('#photo-cell-1');
    await waitForResults(page, 6, (await second.getAttribute('aria-label'))!);
    assert.equal(await page.locator('[data-testid=results-query] img').getAttribute('alt'), await second.getAttribute('aria-label'));
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=results-panel]').waitFor({ state: 'detached' });
  });

  await t.test('the grid keeps only the visible rows in the page', async () => {
    await page.setViewportSize({ width: 760, height: 420 });
    const grid = page.locator('[data-testid=photo-grid]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-cell]').length < 24);
    assert.equal(await page.locator('#photo-cell-0').count(), 1);
    await grid.focus();
    await page.keyboard.press('End');
    await page.locator(`#photo-cell-${photoCount - 1} img`).waitFor();
    assert.equal(await page.locator('#photo-cell-0').count(), 0, 'rows scrolled away leave the page');
    await page.keyboard.press('Home');
    await page.locator('#photo-cell-0').waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('an outside image searches the library (file picker)', async () => {
    await page.locator('[data-testid=search-image-input]').setInputFiles(outsidePath);
    await waitForResults(page, 6, 'outside.png');
    const scores = await resultScores(page);
    assert.ok(scores.every((s) => s <= 1.0001 && s >= -1.0001));
  });

  await t.test('an image dropped on the window searches the library', async () => {
    const dataTransfer = await page.evaluateHandle((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      return transfer;
    }, outsideBytes.toString('base64'));
    await page.dispatchEvent('main', 'dragenter', { dataTransfer });
    await page.locator('[data-testid=drop-overlay]').waitFor();
    await page.screenshot({ path: join(screenshots, 'web-4-drop.png') });
    await page.dispatchEvent('main', 'drop', { dataTransfer });
    await page.locator('[data-testid=drop-overlay]').waitFor({ state: 'detached' });
    await waitForResults(page, 6, 'dropped.png');
    await page.screenshot({ path: join(screenshots, 'web-5-dropped.png') });
  });

  await t.test('skipped files are listed with their reasons', async () => {
    await page.locator('[data-testid=skipped-button]').click();
    const items = page.locator('[data-testid=skipped-item]');
    await items.first().waitFor();
    assert.equal(await items.count(), folder.badFiles.length);
    for (const bad of folder.badFiles) {
      const item = items.filter({ hasText: bad });
      assert.equal(await item.count(), 1, `${bad} listed`);
      const reason = await item.locator('[data-testid=skipped-reason]').innerText();
      assert.ok(reason.trim().length > 3, `${bad} has a reason: '${reason}'`);
    }
    await page.screenshot({ path: join(screenshots, 'web-6-skipped.png') });
    await page.keyboard.press('Escape');
  });

  await t.test('a page opened without the token is refused and says why', async () => {
    // A fresh browser context: this browser's own page remembers the token.
    const stranger = await (await browser!.newContext()).newPage();
    await stranger.goto(`http://127.0.0.1:${server!.port}/`);
    const explanation = stranger.locator('[data-testid=token-page]');
    await explanation.waitFor();
    assert.match(await explanation.innerText(), /token/);
    assert.equal(await stranger.locator('[data-testid=photo-cell]').count(), 0);
    await stranger.close();
  });

  await t.test('no script errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});

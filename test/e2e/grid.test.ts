/**
 * The thumbnail grid at library scale: the real Grid component (built with Vite into a bare page)
 * given 100,000 photos keeps only the rows in view in the DOM, reaches the last photo from the
 * keyboard, and opens the photo under the pointer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const harness = fileURLToPath(new URL('./grid-harness', import.meta.url));
const total = 100_000;

test('the grid shows 100,000 photos with a bounded DOM', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}` }, async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'dimsearch-grid-'));
  t.after(() => rm(outDir, { recursive: true, force: true }));
  await build({
    configFile: false,
    root: harness,
    base: './',
    plugins: [svelte()],
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, minify: false, reportCompressedSize: false },
  });
  const thumbnail = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#5b87f5' } }).webp().toBuffer();

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.route('http://harness.test/**', async (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname.startsWith('/thumb/')) return route.fulfill({ body: thumbnail, contentType: 'image/webp' });
    const file = join(outDir, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(outDir) || !existsSync(file)) return route.fulfill({ status: 404 });
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html';
    return route.fulfill({ body: await readFile(file), contentType: type });
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`http://harness.test/?total=${total}`);

  const grid = page.locator('[data-testid=photo-grid]');
  await page.locator('#photo-cell-0 img').waitFor();
  assert.equal(await grid.getAttribute('data-total'), String(total));
  const cellCount = () => page.locator('[data-testid=photo-cell]').count();
  const columns = Number(await grid.getAttribute('aria-colcount'));
  assert.ok(columns >= 5, `columns ${columns}`);
  const initial = await cellCount();
  assert.ok(initial > 0 && initial <= columns * 12, `${initial} cells in the page at the top`);

  // Jump to the middle by scrolling: the rows there, and only those, are built.
  await grid.evaluate((element) => (element.scrollTop = element.scrollHeight / 2));
  const middle = Math.floor(total / 2 / columns) * columns;
  await page.waitForFunction((start) => [...document.querySelectorAll('[data-testid=photo-cell]')].some((c) => Math.abs(Number(c.id.slice(11)) - start) < 200), middle);
  assert.equal(await page.locator('#photo-cell-0').count(), 0);
  assert.ok((await cellCount()) <= columns * 12);

  // The keyboard reaches the very last photo, and Enter opens it.
  await grid.focus();
  await page.keyboard.press('End');
  await page.locator(`#photo-cell-${total - 1}`).waitFor();
  assert.ok((await cellCount()) <= columns * 12);
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.evaluate(() => (window as unknown as { opened: number[] }).opened), [total]);

  // A click opens the photo under the pointer.
  await page.locator(`#photo-cell-${total - 2}`).click();
  assert.deepEqual(await page.evaluate(() => (window as unknown as { opened: number[] }).opened), [total, total - 1]);
  assert.deepEqual(errors, []);
});

/**
 * The Duplicates view end to end in web mode (Debian's Chromium): a folder of distinct generated
 * photos with an edited copy of one and a byte-identical copy of another; the view, reached from the
 * app's tabs, shows the two groups; "Select all suggested" and "Move to trash" move the two copies
 * out of the folder into the platform trash, and "Undo" puts them back, byte for byte, and the groups
 * return. The trash is the real one of the `trash` package, under a temporary XDG_DATA_HOME, so the
 * user's own trash is never touched. A screenshot goes to test-results/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { makePhoto, nearDuplicate } from '../fixtures/photos';
import { repoRoot, startServe, type ServeProcess } from './serve-process';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const launchArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

test('web mode: the Duplicates view groups the copies, moves them to the trash, and undo brings them back', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}` }, async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-dups-e2e-'));
  const folder = join(base, 'photos');
  const xdgData = join(base, 'xdg-data');
  await mkdir(folder);
  // The seeds of the duplicates CLI test: photos dim-both keeps apart at the default threshold.
  for (let i = 0; i < 6; i++) await writeFile(join(folder, `photo-${i}.jpg`), await makePhoto(100 + i * 37, { width: 320, height: 240 }));
  const editedCopy = join(folder, 'photo-0-smaller.jpg');
  const identicalCopy = join(folder, 'photo-1-copy.jpg');
  await writeFile(editedCopy, await nearDuplicate(await readFile(join(folder, 'photo-0.jpg'))));
  await copyFile(join(folder, 'photo-1.jpg'), identicalCopy);
  // Newer than its original by a minute, whatever the file system's clock resolution: the original is kept.
  const later = new Date(Date.now() + 60_000);
  await utimes(identicalCopy, later, later);
  const copies = [editedCopy, identicalCopy];
  const copyBytes = await Promise.all(copies.map((p) => readFile(p)));

  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  });

  server = await startServe(['--library', join(base, 'library'), '--folder', folder, '--model', 'dim-both'], 90_000, { env: { XDG_DATA_HOME: xdgData } });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: launchArgs });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.url);
  // The folder given at launch may be indexed before the page opens: wait for its 8 photos, not for a job.
  await page.waitForFunction(() => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === '8', undefined, { timeout: 120_000 });

  const groupPaths = () =>
    page.locator('[data-testid=dup-group]').evaluateAll((groups) =>
      groups.map((g) => [...g.querySelectorAll('[data-testid=dup-photo] .name')].map((n) => n.getAttribute('title')!).sort()).sort(),
    );
  const expectedGroups = [
    [join(folder, 'photo-0-smaller.jpg'), join(folder, 'photo-0.jpg')],
    [join(folder, 'photo-1-copy.jpg'), join(folder, 'photo-1.jpg')],
  ];

  await t.test('the view is reached from the tabs and shows the two groups, the originals kept', async () => {
    await page.locator('[data-testid=tab-duplicates]').click();
    await page.locator('[data-testid=duplicates-view]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=dup-group]').length === 2, undefined, { timeout: 60_000 });
    assert.deepEqual(await groupPaths(), expectedGroups);
    const kept = await page.locator('[data-testid=dup-photo].keep .name').evaluateAll((names) => names.map((n) => n.getAttribute('title')).sort());
    // photo-0 has more pixels than its smaller copy; photo-1 is older than its identical copy.
    assert.deepEqual(kept, [join(folder, 'photo-0.jpg'), join(folder, 'photo-1.jpg')]);
    // Each kept photo says why, in the order of the groups above.
    const reasons = await page.locator('[data-testid=dup-photo].keep [data-testid=dup-score]').allInnerTexts();
    assert.deepEqual(reasons, ['most pixels', 'oldest']);
    assert.match(await page.locator('[data-testid=dup-count]').innerText(), /2 groups?/);
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-results', 'duplicates-view.png') });
  });

  await t.test('the suggested copies go to the trash: out of the folder, into the XDG trash', async () => {
    await page.locator('[data-testid=dup-select-suggested]').click();
    await page.locator('[data-testid=dup-move]').click();
    await page.waitForFunction(() => /Moved 2 photos to the trash/.test(document.querySelector('[data-testid=dup-notice]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    for (const path of copies) assert.ok(!existsSync(path), `${path} left the folder`);
    const trashed = await readdir(join(xdgData, 'Trash', 'files'));
    assert.equal(trashed.length, 2, `in the trash: ${trashed}`);
    const left = (await readdir(folder)).sort();
    assert.equal(left.length, 6);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=dup-group]').length === 0);
    await page.locator('[data-testid=dup-empty]').waitFor();
  });

  await t.test('undo puts them back byte for byte, and the groups return', async () => {
    await page.locator('[data-testid=dup-undo]').click();
    await page.waitForFunction(() => /Put back 2 photos from the trash/.test(document.querySelector('[data-testid=dup-notice]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    for (const [i, path] of copies.entries()) assert.deepEqual(await readFile(path), copyBytes[i], `${path} is back as it was`);
    assert.deepEqual(await readdir(join(xdgData, 'Trash', 'files')), []);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=dup-group]').length === 2, undefined, { timeout: 60_000 });
    assert.deepEqual(await groupPaths(), expectedGroups);
    assert.deepEqual(pageErrors, []);
  });
});

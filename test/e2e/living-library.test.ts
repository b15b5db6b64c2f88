/**
 * Issue 17, "a library a person would live in", end to end in web mode (Debian's Chromium): photos
 * shown while they are indexed without a false "No photos found", the query shown once, words on
 * scores and a minimum similarity, the model named, no jump on click, the full-size viewer and its
 * keys, sorting (by name, folder and EXIF date taken) and the folder filter, deleted photos said to be gone, an empty folder and a removed folder said plainly, `~` in a
 * typed path, folders left out by a pattern and brought back, one counted notice for dropped
 * non-images, the search model named in every view, and the stable address with its token file
 * and the page that explains a missing or wrong token. Screenshots go to test-results/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { DEFAULT_EXCLUSIONS } from '../../main/core/library/exclusions';
import sharp from 'sharp';
import { encodePhoto, makePhotoFolder, photoPixels } from './make-photos';
import { repoRoot, startServe, type ServeProcess } from './serve-process';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = join(repoRoot, 'test-results');
const photoCount = 480;

const launchArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Records, from the page's first moment, every empty state shown and whether photos were in the grid while a job ran. */
const watchPage = () => {
  const seen = { states: [] as string[], photosWhileIndexing: false };
  (window as unknown as { seen: typeof seen }).seen = seen;
  new MutationObserver(() => {
    const state = document.querySelector('[data-testid=empty-state]')?.getAttribute('data-state');
    if (state && seen.states.at(-1) !== state) seen.states.push(state);
    const total = Number(document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') ?? 0);
    if (total > 0 && document.querySelector('[data-testid=job-progress]')) seen.photosWhileIndexing = true;
  }).observe(document, { subtree: true, childList: true, attributes: true });
};

test('web mode: a library a person would live in', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}` }, async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-living-'));
  const folder = await makePhotoFolder(join(base, 'photos'), photoCount);
  await mkdir(join(base, 'empty-folder'));
  await makePhotoFolder(join(base, 'second'), 8);
  await mkdir(screenshots, { recursive: true });
  const libraryDir = join(base, 'library');

  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  });

  // The browser is ready first, so the page opens while the folder given at launch is being indexed.
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: launchArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  await page.addInitScript(watchPage);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`${error.message} ${process.env.DEBUG_STACK ? error.stack : ''}`.trim()));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  // HOME points at the scratch folder, so "~/second" is typed below as a person would.
  server = await startServe(['--library', libraryDir, '--folder', folder.dir], 90_000, { env: { HOME: base } });
  await page.goto(server.url);
  const seen = () => page.evaluate(() => (window as unknown as { seen: { states: string[]; photosWhileIndexing: boolean } }).seen);

  await t.test('photos appear while the folder is indexed, with no false "No photos found"', async () => {
    await page.locator('[data-testid=job-summary][data-status=done]').waitFor({ timeout: 120_000 });
    const record = await seen();
    assert.ok(!record.states.includes('no-photos'), `states shown: ${record.states}`);
    assert.ok(record.photosWhileIndexing, 'the grid showed photos before the job ended');
    assert.match(await page.locator('[data-testid=job-summary-text]').innerText(), new RegExp(`^Added .*photos: ${photoCount} photos indexed in`));
  });

  await t.test('the query is shown once, scores have words, a minimum similarity hides weaker ones, the model is named', async () => {
    const cell = page.locator('[data-testid=photo-cell]').nth(20);
    const id = await cell.getAttribute('data-photo-id');
    const box = await cell.boundingBox();
    await cell.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=result-item]').length === 12 && !document.querySelector('[aria-busy=true]'));
    const ids = await page.locator('[data-testid=result-item]').evaluateAll((items) => items.map((i) => i.getAttribute('data-photo-id')));
    assert.ok(!ids.includes(id), 'the clicked photo is not its own first hit');
    const words = await page.locator('[data-testid=result-word]').evaluateAll((w) => w.map((x) => x.textContent));
    assert.ok(words.every((w) => ['near-duplicate', 'very similar', 'similar', 'loosely alike', 'unrelated'].includes(w!)), `${words}`);
    assert.match(await page.locator('[data-testid=results-model]').innerText(), /by dim-/);
    assert.match(await page.locator('[data-testid=result-name]').first().innerText(), /^photo-\d{3}\.(jpg|png)$/);
    // No jump: the clicked photo is still in view after the panel made the grid narrower.
    const after = await cell.boundingBox();
    const grid = (await page.locator('[data-testid=photo-grid]').boundingBox())!;
    assert.ok(after && after.y >= grid.y - 1 && after.y + after.height <= grid.y + grid.height + 1, `clicked cell at ${box?.y} → ${after?.y}`);
    // The header fits one row in the desktop window's default 1280 px, skipped files and all.
    const boxes = await page.locator('header.topbar > *').evaluateAll((items) => items.map((i) => i.getBoundingClientRect()).map((r) => ({ top: r.top, bottom: r.bottom })));
    assert.ok(Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom)), `the header wraps at 1280 px: ${JSON.stringify(boxes)}`);
    // The grid's toolbar, narrowed by the results panel, keeps one row and shows all of itself.
    const bar = (await page.locator('[data-testid=library-toolbar]').boundingBox())!;
    const parts = await page.locator('[data-testid=library-toolbar] > *').evaluateAll((items) => items.map((i) => i.getBoundingClientRect()).map((r) => ({ top: r.top, bottom: r.bottom, left: r.left, right: r.right })));
    assert.ok(Math.max(...parts.map((b) => b.top)) < Math.min(...parts.map((b) => b.bottom)), `the toolbar wraps: ${JSON.stringify(parts)}`);
    assert.ok(Math.max(...parts.map((b) => b.right)) <= bar.x + bar.width + 1, `the toolbar overflows: ${JSON.stringify(parts)}`);
    for (let i = 1; i < parts.length; i++) assert.ok(parts[i - 1]!.right <= parts[i]!.left + 1, `toolbar items ${i - 1} and ${i} overlap: ${JSON.stringify(parts)}`);
    await page.screenshot({ path: join(screenshots, 'living-1-results.png') });
    // The strictest minimum hides what is below it, and says how many.
    const scores = await page.locator('[data-testid=result-item]').evaluateAll((items) => items.map((i) => Number(i.getAttribute('data-score'))));
    await page.locator('[data-testid=min-similarity]').selectOption({ index: 4 });
    const threshold = Number(await page.locator('[data-testid=min-similarity]').inputValue());
    const kept = scores.filter((s) => s >= threshold).length;
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=result-item]').length === n, kept);
    if (kept < 12) assert.match(await page.locator('[data-testid=results-hidden]').innerText(), new RegExp(`^${12 - kept} less similar`));
    await page.locator('[data-testid=min-similarity]').selectOption({ index: 0 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=result-item]').length === 12);
  });

  await t.test('the viewer: Enter opens, arrows step, Escape closes, details and find similar', async () => {
    await page.locator('[data-testid=photo-grid]').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    const viewer = page.locator('[data-testid=viewer]');
    await viewer.waitFor();
    const first = await viewer.getAttribute('data-photo-id');
    assert.equal(first, await page.locator('#photo-cell-0').getAttribute('data-photo-id'));
    await page.locator('[data-testid=viewer-image]').waitFor();
    assert.match(await page.locator('[data-testid=viewer-name]').innerText(), /^photo-\d{3}\.(jpg|png)$/);
    const firstPath = (await page.locator('#photo-cell-0').getAttribute('title'))!;
    assert.equal(await page.locator('[data-testid=viewer-folder]').innerText(), dirname(firstPath));
    await page.locator('[data-testid=viewer-date]').waitFor();
    assert.match(await page.locator('[data-testid=viewer-details]').innerText(), /Size\s+\d+(\.\d)? KB · 96 × 96/);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((before) => document.querySelector('[data-testid=viewer]')?.getAttribute('data-photo-id') !== before, first);
    assert.equal(await viewer.getAttribute('data-photo-id'), await page.locator('#photo-cell-1').getAttribute('data-photo-id'));
    await page.locator('[data-testid=viewer-copy-path]').click();
    await page.locator('[data-testid=viewer-message]').waitFor();
    await page.screenshot({ path: join(screenshots, 'living-2-viewer.png') });
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    // From a result: the viewer steps through the results, and "Find similar" searches from it.
    await page.locator('[data-testid=result-item] button').first().click();
    await viewer.waitFor();
    const resultId = await viewer.getAttribute('data-photo-id');
    await page.locator('[data-testid=viewer-find-similar]').click();
    await viewer.waitFor({ state: 'detached' });
    await page.waitForFunction((rid) => document.querySelector('[data-testid=photo-cell].selected')?.getAttribute('data-photo-id') === rid || document.querySelector('[data-testid=results-query]') !== null, resultId);
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=results-panel]').waitFor({ state: 'detached' });
  });

  await t.test('sorting by file name and narrowing to a folder', async () => {
    await page.locator('[data-testid=sort-select]').selectOption('name');
    await page.waitForFunction(() => document.querySelector('#photo-cell-0')?.getAttribute('aria-label') === 'photo-000.png');
    assert.equal(await page.locator('#photo-cell-1').getAttribute('aria-label'), 'photo-001.jpg');
    await page.locator('[data-testid=folder-filter]').selectOption(join(folder.dir, 'nested'));
    await page.waitForFunction((n) => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === String(n), photoCount / 5);
    assert.equal(await page.locator('#photo-cell-0').getAttribute('aria-label'), 'photo-004.jpg');
    await page.locator('[data-testid=folder-filter]').selectOption('');
    await page.locator('[data-testid=sort-select]').selectOption('folder');
    await page.waitForFunction((n) => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === String(n), photoCount);
  });

  await t.test('the size slider makes thumbnails larger or smaller, and the size is kept after a reload', async () => {
    const slider = page.locator('[data-testid=grid-size]');
    const cellWidth = async () => (await page.locator('#photo-cell-0').boundingBox())!.width;
    const columns = () => page.locator('[data-testid=photo-grid]').getAttribute('aria-colcount').then(Number);
    const before = await columns();
    assert.ok((await cellWidth()) < 256, 'smaller than the largest to begin with');
    await slider.fill('256');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=photo-grid]')?.getAttribute('aria-colcount')) < n, before);
    assert.ok((await cellWidth()) >= 256, 'as large as the stored thumbnails');
    await page.reload();
    await page.locator('#photo-cell-0').waitFor();
    assert.equal(await slider.inputValue(), '256');
    assert.ok((await cellWidth()) >= 256, 'kept after a reload');
    await slider.fill('96');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=photo-grid]')?.getAttribute('aria-colcount')) > n, before);
    assert.ok((await cellWidth()) < 150);
    await slider.fill('150');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=photo-grid]')?.getAttribute('aria-colcount')) === n, before);
  });

  await t.test('folders to leave out: a pattern takes its photos out of the grid, and taking it away brings them back', async () => {
    const nested = join(folder.dir, 'nested');
    const nestedCount = photoCount / 5;
    const filesInNested = (await readdir(nested)).sort();
    const folderChoices = () => page.locator('[data-testid=folder-filter] option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    const gridTotal = (n: number) =>
      page.waitForFunction((total) => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === String(total), n, { timeout: 60_000 });
    const patterns = page.locator('[data-testid=exclusions-text]');
    const openDialog = async (expected: readonly string[]) => {
      await page.locator('[data-testid=exclusions-button]').click();
      await page.locator('[data-testid=exclusions-dialog]').waitFor();
      // The patterns arrive from the library just after the dialog opens.
      await page.waitForFunction((text) => (document.querySelector('[data-testid=exclusions-text]') as HTMLTextAreaElement | null)?.value === text, expected.join('\n'));
    };
    assert.ok((await folderChoices()).includes(nested));

    // The patterns come from the library: until they arrive nothing can be typed or applied, so a
    // late answer never overwrites what was typed (it did, and "nothing changed" was applied).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = async (route: Route) => {
      await held;
      await route.continue();
    };
    await page.route('**/api/exclusions', hold);
    await page.locator('[data-testid=exclusions-button]').click();
    await page.locator('[data-testid=exclusions-dialog]').waitFor();
    assert.equal(await patterns.isDisabled(), true, 'the box waits for the library');
    assert.equal(await page.locator('[data-testid=exclusions-apply]').isDisabled(), true, 'nothing to apply yet');
    assert.equal(await patterns.inputValue(), '', 'no stale patterns shown');
    release();
    await page.waitForFunction((text) => (document.querySelector('[data-testid=exclusions-text]') as HTMLTextAreaElement | null)?.value === text, DEFAULT_EXCLUSIONS.join('\n'));
    assert.equal(await patterns.isDisabled(), false);
    await page.unroute('**/api/exclusions', hold);
    await page.locator('[data-testid=exclusions-dialog] button', { hasText: 'Cancel' }).click();
    await page.locator('[data-testid=exclusions-dialog]').waitFor({ state: 'hidden' });

    await openDialog(DEFAULT_EXCLUSIONS);
    await patterns.fill([...DEFAULT_EXCLUSIONS, 'nested'].join('\n'));
    await page.locator('[data-testid=exclusions-apply]').click();
    await page.locator('[data-testid=exclusions-dialog]').waitFor({ state: 'hidden' });
    const summary = page.locator('[data-testid=job-summary-text]', { hasText: 'Applied the folders to leave out' });
    await summary.waitFor({ timeout: 60_000 });
    assert.equal(await summary.innerText(), `Applied the folders to leave out: ${nestedCount} photos left the index (the files are untouched).`);
    await gridTotal(photoCount - nestedCount);
    assert.equal(await page.locator('[data-testid=photo-count]').innerText(), String(photoCount - nestedCount));
    assert.ok(!(await folderChoices()).includes(nested), 'the left-out folder is no longer offered in the folder filter');
    assert.deepEqual((await readdir(nested)).sort(), filesInNested, 'the files stay on disk');
    await page.screenshot({ path: join(screenshots, 'living-5-left-out.png') });

    await openDialog([...DEFAULT_EXCLUSIONS, 'nested']);
    await patterns.fill(DEFAULT_EXCLUSIONS.join('\n'));
    await page.locator('[data-testid=exclusions-apply]').click();
    const back = page.locator('[data-testid=job-summary-text]', { hasText: 'back in it' });
    await back.waitFor({ timeout: 60_000 });
    assert.equal(await back.innerText(), `Applied the folders to leave out: ${nestedCount} photos back in it.`);
    await gridTotal(photoCount);
    assert.equal(await page.locator('[data-testid=photo-count]').innerText(), String(photoCount));
    assert.ok((await folderChoices()).includes(nested), 'and its folder is offered again');
  });

  await t.test('an empty folder says so; ~ is the home folder; a removed folder leaves the index, not the disk', async () => {
    const add = async (path: string) => {
      await page.locator('[data-testid=add-folder-button]').click();
      await page.locator('[data-testid=add-folder-input]').fill(path);
      await page.locator('[data-testid=add-folder-submit]').click();
    };
    await add(join(base, 'empty-folder'));
    await page.locator('[data-testid=job-summary-text]', { hasText: 'No photos in' }).waitFor({ timeout: 60_000 });
    assert.match(await page.locator('[data-testid=job-summary-text]').innerText(), /^No photos in .*empty-folder: it holds no JPEG/);
    await add('~/second');
    await page.locator('[data-testid=job-summary-text]', { hasText: 'second: 8 photos' }).waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelector('[data-testid=photo-count]')?.textContent === String(n), photoCount + 8);

    const onDisk = async () => (await readdir(join(base, 'second'), { recursive: true })).sort();
    const filesBefore = await onDisk();
    await page.locator('[data-testid=folders-button]').click();
    const row = page.locator(`[data-testid=library-folder][data-path="${join(base, 'second')}"]`);
    assert.match(await row.innerText(), /8 photos/);
    await row.locator('[data-testid=remove-folder]').click();
    await row.locator('[data-testid=remove-folder-confirm]').click();
    await page.locator('[data-testid=notice]', { hasText: 'Removed' }).waitFor();
    assert.match(await page.locator('[data-testid=notice]', { hasText: 'Removed' }).innerText(), /8 photos left the index\. The files on disk are untouched\./);
    await page.waitForFunction((n) => document.querySelector('[data-testid=photo-count]')?.textContent === String(n), photoCount);
    assert.deepEqual(await onDisk(), filesBefore, 'the photos are still on disk');
  });

  await t.test('dropping several files that are not images gives one notice that counts them', async () => {
    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      for (const name of ['notes.txt', 'report.pdf', 'song.mp3']) transfer.items.add(new File(['x'], name, { type: name.endsWith('.txt') ? 'text/plain' : 'application/octet-stream' }));
      return transfer;
    });
    await page.dispatchEvent('main', 'dragenter', { dataTransfer });
    await page.dispatchEvent('main', 'drop', { dataTransfer });
    const notices = page.locator('[data-testid=notice]', { hasText: 'not images' });
    await notices.waitFor();
    assert.equal(await notices.count(), 1);
    assert.match(await notices.innerText(), /3 files are not images/);
    await page.screenshot({ path: join(screenshots, 'living-3-notice.png') });
  });

  await t.test('sorting by date taken reads the EXIF date before the file time; deleted photos are said to be gone', async () => {
    // Three photos whose EXIF dates are later than every file time here (hours ahead: dates further in
    // the future are not believed) and whose own file times are the oldest of all, in the opposite
    // order: only their EXIF dates can put them first, in this order.
    const hour = 3600_000;
    const two = (n: number) => String(n).padStart(2, '0');
    // EXIF dates are local time, as the camera's clock shows it.
    const exifDate = (d: Date) => `${d.getFullYear()}:${two(d.getMonth() + 1)}:${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    const dated = ['dated-a.jpg', 'dated-b.jpg', 'dated-c.jpg'];
    for (const [i, name] of dated.entries()) {
      // Made outside the folder with its old file time, then moved in (as a copy that keeps file times arrives).
      const staging = join(base, name);
      const jpeg = await sharp(await encodePhoto(photoPixels(i, i, 900 + i), 'jpeg'))
        .withExif({ IFD0: { Make: 'test' }, IFD2: { DateTimeOriginal: exifDate(new Date(Date.now() + (3 - i) * hour)) } } as never)
        .jpeg()
        .toBuffer();
      await writeFile(staging, jpeg);
      const fileTime = new Date(Date.UTC(2001, 0, 1 + (3 - i)));
      await utimes(staging, fileTime, fileTime);
      await rename(staging, join(folder.dir, name));
    }
    await page.waitForFunction((n) => document.querySelector('[data-testid=photo-count]')?.textContent === String(n), photoCount + 3, { timeout: 60_000 });
    await page.locator('[data-testid=sort-select]').selectOption('date');
    const firstThree = () => page.evaluate(() => [0, 1, 2].map((i) => document.querySelector(`#photo-cell-${i}`)?.getAttribute('aria-label')));
    await page
      .waitForFunction((names) => names.every((name, i) => document.querySelector(`#photo-cell-${i}`)?.getAttribute('aria-label') === name), dated, { timeout: 30_000 })
      .catch(() => {}); // the assertion below says what was there instead
    assert.deepEqual(await firstThree(), dated, 'newest EXIF date first');
    await page.screenshot({ path: join(screenshots, 'living-4-date-taken.png') });

    // Deleted on disk: the watcher takes them out, and the banner says what happened.
    for (const name of dated) await rm(join(folder.dir, name));
    await page.waitForFunction((n) => document.querySelector('[data-testid=photo-count]')?.textContent === String(n), photoCount, { timeout: 60_000 });
    const summary = page.locator('[data-testid=job-summary-text]', { hasText: 'gone from disk' });
    await summary.waitFor({ timeout: 30_000 });
    assert.match(await summary.innerText(), /^Files changed in .*photos: [123] photos? gone from disk and removed from the library\.$/);
    assert.notEqual(await page.locator('#photo-cell-0').getAttribute('aria-label'), 'dated-a.jpg');
    await page.locator('[data-testid=sort-select]').selectOption('folder');
  });

  await t.test('every view says which model its results come from; Compare opens on the photo trio with what was measured', async () => {
    const picker = page.locator('[data-testid=model-picker]');
    const modelName = (await picker.innerText()).trim();
    assert.match(modelName, /^dim-/);
    await page.locator('[data-testid=tab-library]').click();
    await page.locator('[data-testid=photo-cell]').nth(5).click();
    // The results panel names it beside its title.
    await page.locator('[data-testid=results-model]', { hasText: `by ${modelName}` }).waitFor();
    // Compare heads each column with its model; the search model's is one of them.
    await page.locator('[data-testid=open-compare]').click();
    await page.locator(`[data-testid=compare-column][aria-label="Nearest under ${modelName}"]`).waitFor({ timeout: 30_000 });
    // Under the default search model, Compare opens on the photo trio (global only, local only, both)
    // with what was measured of them in plain words, best first as its card says.
    assert.equal(modelName, 'dim-photo-both');
    const shown = await page.locator('[data-testid=compare-column]').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')));
    assert.deepEqual(shown, ['dim-photo-both', 'dim-photo-global', 'dim-photo-local'].map((name) => `Nearest under ${name}`));
    const trio = page.locator('[data-testid=compare-trio]');
    await trio.waitFor({ timeout: 30_000 });
    const photoCard = JSON.parse(await readFile(join(repoRoot, 'native-models', 'dim-photo-both', 'card.json'), 'utf8')) as { comparison: { knn20: Record<string, number> } };
    const measured = Object.entries(photoCard.comparison.knn20).sort((a, b) => b[1] - a[1]);
    const figures = await trio.locator('[data-testid=trio-figure]').evaluateAll((fs) => fs.map((f) => (f as HTMLElement).innerText));
    assert.deepEqual(figures, measured.map(([name, knn]) => `${name} ${knn.toFixed(1)} %`));
    // Feature maps start from the search model and name it under the maps.
    await page.locator('[data-testid=tab-features]').click();
    await page.locator('[data-testid=feature-maps]').waitFor({ timeout: 30_000 });
    assert.ok((await page.locator('[data-testid=feature-maps]').innerText()).includes(`(${modelName})`));
    assert.match(await page.locator('[data-testid=features-model] option:checked').innerText(), new RegExp(`^${modelName} — `));
    // And the header keeps the search model in sight on every view (the grid, Train, Duplicates).
    for (const view of ['library', 'compare', 'features', 'train', 'duplicates']) {
      await page.locator(`[data-testid=tab-${view}]`).click();
      assert.ok(await picker.isVisible(), `${view}: the model picker is shown`);
      const clipped = await picker.evaluate((el) => {
        const box = el.getBoundingClientRect();
        const holder = el.closest('[data-testid=library-stats]')!.getBoundingClientRect();
        return box.right > holder.right + 0.5 || el.scrollWidth > el.clientWidth;
      });
      assert.equal(clipped, false, `${view}: the model's name is shown whole`);
      assert.equal((await picker.innerText()).trim(), modelName, `${view}: names the search model`);
    }
    await page.locator('[data-testid=tab-library]').click();
    await page.keyboard.press('Escape');
  });

  await t.test('no script errors', () => {
    assert.deepEqual(pageErrors, []);
  });

  await t.test('the token lives in the library (owner only); a missing or wrong token gets one clear page', async () => {
    const tokenFile = join(libraryDir, 'web-token');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const stranger = await browser!.newPage();
    await stranger.goto(`http://127.0.0.1:${server!.port}/`);
    await stranger.locator('[data-testid=token-page][data-problem=missing]').waitFor();
    assert.match(await stranger.locator('[data-testid=token-page]').innerText(), /web-token/);
    assert.equal(await stranger.locator('[data-testid=error-banner], [data-testid=add-folder-form], [role=alert]').count(), 0, 'no error banners, no Add-folder prompt');
    await stranger.screenshot({ path: join(screenshots, 'living-4-token.png') });
    await stranger.goto(`http://127.0.0.1:${server!.port}/?token=wrong-token-wrong-token-wrong-token`);
    await stranger.locator('[data-testid=token-page][data-problem=wrong]').waitFor();
    await stranger.close();
  });

  await t.test('the address is the same after a restart (default port, kept token)', async () => {
    await server!.stop();
    server = await startServe(['--library', libraryDir], 90_000, { defaultPort: true });
    const first = server.url;
    assert.ok(server.port >= 7717 && server.port <= 7726, `port ${server.port}`);
    await server.stop();
    server = await startServe(['--library', libraryDir], 90_000, { defaultPort: true });
    assert.equal(server.url, first);
    // The bookmark without the token works in a browser that opened the link once.
    const again = await context.newPage();
    await again.goto(server.url);
    await again.locator('[data-testid=photo-grid]').waitFor({ timeout: 30_000 });
    await again.goto(`http://127.0.0.1:${server.port}/`);
    await again.locator('[data-testid=photo-grid]').waitFor({ timeout: 30_000 });
    await again.close();
  });
});

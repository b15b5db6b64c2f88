/**
 * The desktop app end to end with Playwright's Electron driver: the locked-down window, the
 * preload's typed API over IPC, indexing a generated folder, a click on a photo and its results,
 * and crafted dimsearch:// requests that must not escape the library.
 *
 * Skipped (with the reason) where no Electron binary is installed, e.g. installs made with
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { callNames } from '../../main/api/contract';
import { makePhotoFolder } from './make-photos';
import { repoRoot } from './serve-process';

function electronBinary(): string | null {
  try {
    // The electron package exports the path of its binary, and throws when the binary was never downloaded.
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const skip = binary
  ? false
  : 'no Electron binary installed (npm was run with ELECTRON_SKIP_BINARY_DOWNLOAD=1); run `node node_modules/electron/install.js` to enable this test';

function build(): void {
  for (const script of ['build:main', 'build:renderer']) {
    const result = spawnSync('npm', ['run', '-s', script], { cwd: repoRoot, stdio: 'inherit' });
    assert.equal(result.status, 0, `npm run ${script} failed`);
  }
}

test('desktop app: locked-down window, IPC API, index and search, confined protocol', { skip }, async (t) => {
  build();
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-electron-'));
  const folder = await makePhotoFolder(join(base, 'photos'), 12);
  await writeFile(join(base, 'secret.txt'), 'TOP-SECRET');
  let app: ElectronApplication | undefined;
  t.after(async () => {
    await app?.close();
    await rm(base, { recursive: true, force: true });
  });

  // Chromium refuses to run its sandbox as root (CI containers); everything else stays as shipped.
  const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  app = await electron.launch({
    executablePath: binary!,
    args: [...rootArgs, repoRoot, '--library', join(base, 'library')],
    cwd: repoRoot,
  });
  const page = await app.firstWindow();
  await page.locator('[data-testid=empty-state]').waitFor({ timeout: 60_000 });

  await t.test('the renderer has no Node and only the contract API', async () => {
    const probe = await page.evaluate(() => ({
      url: location.href,
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      api: Object.keys((window as unknown as { dimsearch: object }).dimsearch).sort(),
    }));
    assert.equal(probe.url, 'dimsearch://app/index.html');
    assert.equal(probe.require, 'undefined');
    assert.equal(probe.process, 'undefined');
    assert.deepEqual(probe.api, [...callNames, 'on'].sort());
  });

  await t.test('new windows and navigation away are refused', async () => {
    const opened = await page.evaluate(() => window.open('https://example.com') === null);
    assert.ok(opened);
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await page.waitForTimeout(300);
    assert.equal(page.url(), 'dimsearch://app/index.html');
    assert.equal((await app!.windows()).length, 1);
  });

  await t.test('invalid input is refused with a readable message', async () => {
    const message = await page.evaluate(async () => {
      try {
        await (window as unknown as { dimsearch: { listPhotos(i: unknown): Promise<unknown> } }).dimsearch.listPhotos({ offset: -5, limit: 1 });
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });
    assert.match(message, /invalid input for listPhotos/);
  });

  await t.test('a folder added over IPC is indexed; a click shows the k most similar', async () => {
    await page.evaluate((path) => (window as unknown as { dimsearch: { addFolder(i: unknown): Promise<unknown> } }).dimsearch.addFolder({ path }), folder.dir);
    await page.waitForFunction((n) => document.querySelector('[data-testid=photo-grid]')?.getAttribute('data-total') === String(n), folder.goodCount, { timeout: 60_000 });
    const cell = page.locator('[data-testid=photo-cell]').nth(2);
    await cell.locator('img').waitFor();
    const id = await cell.getAttribute('data-photo-id');
    await cell.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=result-item]').length === 12);
    assert.equal(await page.locator('[data-testid=result-item]').first().getAttribute('data-photo-id'), id);
    await page.screenshot({ path: join(repoRoot, 'test-results', 'electron-results.png') });
  });

  await t.test('dimsearch:// serves library thumbnails and nothing outside', async () => {
    const first = await page.locator('[data-testid=photo-cell]').first().getAttribute('data-photo-id');
    const secretPath = join(base, 'secret.txt');
    const crafted = ['..', '..%2f..%2fsecret.txt', '%2e%2e%2fsecret.txt', encodeURIComponent(secretPath), `${first}%2f..%2f..%2fsecret.txt`, '9'.repeat(400), '-1', `${first}%00`];
    const urls = ['thumb', 'photo'].flatMap((kind) => crafted.map((id) => `dimsearch://${kind}/${id}`));
    urls.push(`dimsearch://app/..%2f..%2f${encodeURIComponent(secretPath)}`, `dimsearch://app/${encodeURIComponent(secretPath)}`);
    // Probed from the main process (net.fetch reaches our scheme without the page's CSP and CORS in the way).
    const probe = (list: string[]) =>
      app!.evaluate(async ({ net }, list) => {
        return Promise.all(
          list.map(async (url) => {
            try {
              const response = await net.fetch(url);
              const text = await response.text();
              return { url, ok: response.ok, leaked: text.includes('TOP-SECRET') };
            } catch {
              return { url, ok: false, leaked: false };
            }
          }),
        );
      }, list);
    const [good] = await probe([`dimsearch://thumb/${first}`]);
    assert.ok(good.ok, 'a library thumbnail is served');
    for (const bad of await probe(urls)) {
      assert.equal(bad.ok, false, `${bad.url} was served`);
      assert.equal(bad.leaked, false, `${bad.url} leaked`);
    }
  });
});

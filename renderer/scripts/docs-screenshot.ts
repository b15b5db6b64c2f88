/**
 * Makes the README's screenshot: web mode on a real folder, a photo clicked, its similar photos.
 *   npx tsx renderer/scripts/docs-screenshot.ts <photo-folder> [out.png]
 * (e.g. a few hundred CIFAR-10 test images). Uses a throwaway library in the temp folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { repoRoot, startServe } from '../../test/e2e/serve-process';

const [folder, out = join(repoRoot, 'renderer', 'docs-screenshot.png')] = process.argv.slice(2);
if (!folder) throw new Error('usage: docs-screenshot.ts <photo-folder> [out.png]');

const base = await mkdtemp(join(tmpdir(), 'dimsearch-shot-'));
const server = await startServe(['--library', join(base, 'library'), '--folder', resolve(folder)]);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, colorScheme: 'dark', deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.locator('[data-testid=photo-grid]').waitFor({ timeout: 300_000 });
  await page.locator('[data-testid=job-progress]').waitFor({ state: 'detached', timeout: 300_000 });
  await page.locator('[data-testid=job-summary] .close').click().catch(() => {});
  await page.locator('[data-testid=photo-cell]').nth(Number(process.env.SHOT_INDEX ?? 9)).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=result-item] img').length >= 12);
  await page.waitForTimeout(400); // thumbnails fade in
  const png = await page.screenshot();
  await sharp(png).png({ palette: true, quality: 90, effort: 10 }).toFile(out);
  process.stderr.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await server.stop();
  await rm(base, { recursive: true, force: true });
}

#!/usr/bin/env node
/**
 * Builds the Electron shell with esbuild (npm run build:main):
 *   main/app/main.ts    → dist/main/app/main.js     ESM, our code bundled, npm packages left external
 *                                                     (native modules must load from node_modules)
 *   main/app/preload.ts → dist/main/app/preload.cjs CommonJS, fully bundled: a sandboxed preload can
 *                                                     require nothing but electron
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = `${root}dist/main/app`;
const common = { absWorkingDir: root, bundle: true, platform: 'node', sourcemap: 'linked', logLevel: 'warning' };

await Promise.all([
  build({
    ...common,
    entryPoints: ['main/app/main.ts'],
    outfile: `${outdir}/main.js`,
    format: 'esm',
    target: 'node22',
    packages: 'external',
  }),
  build({
    ...common,
    entryPoints: ['main/app/preload.ts'],
    outfile: `${outdir}/preload.cjs`,
    format: 'cjs',
    // A sandboxed preload is a browser context with a tiny require(): resolve packages' browser/ESM builds.
    platform: 'browser',
    target: 'chrome130',
    external: ['electron'],
    minify: true,
  }),
]);
console.error(`built ${outdir}/main.js and preload.cjs`);

#!/usr/bin/env node
/**
 * Builds the Electron shell with esbuild (npm run build:main):
 *   main/app/main.ts    → dist/main/app/main.js     ESM, our code bundled, npm packages left external
 *                                                     (native modules must load from node_modules)
 *   main/app/preload.ts → dist/main/app/preload.cjs CommonJS, self-contained: a sandboxed preload
 *                                                     can require nothing but electron
 *
 * The preload needs only the contract's names (calls, events, IPC channels), not its schemas, so
 * the contract is evaluated here and the preload gets a module of those values: a few hundred bytes
 * instead of zod. The names still come from main/api/contract.ts alone.
 */
import { build } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = `${root}dist/main/app`;
const common = { absWorkingDir: root, bundle: true, sourcemap: 'linked', logLevel: 'warning' };

/** The contract's values the preload uses, read from the real contract. */
async function contractNames() {
  const scratch = `${root}dist/.build`;
  await mkdir(scratch, { recursive: true });
  const file = `${scratch}/contract.mjs`;
  await build({ ...common, sourcemap: false, entryPoints: ['main/api/contract.ts'], outfile: file, format: 'esm', platform: 'node', packages: 'external' });
  const contract = await import(pathToFileURL(file).href);
  await rm(scratch, { recursive: true, force: true });
  return {
    callNames: contract.callNames,
    eventNames: contract.eventNames,
    channels: Object.fromEntries(contract.callNames.map((name) => [name, contract.ipcChannel(name)])),
    ipcEventChannel: contract.ipcEventChannel,
  };
}

/** Replaces `../api/contract` in the preload with a module of the evaluated names. */
function contractNamesPlugin(names) {
  return {
    name: 'contract-names',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\/api\/contract$/ }, () => ({ path: 'contract-names', namespace: 'contract-names' }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'contract-names' }, () => ({
        loader: 'js',
        contents: [
          `export const callNames = ${JSON.stringify(names.callNames)};`,
          `export const eventNames = ${JSON.stringify(names.eventNames)};`,
          `const channels = ${JSON.stringify(names.channels)};`,
          `export const ipcChannel = (name) => channels[name];`,
          `export const ipcEventChannel = ${JSON.stringify(names.ipcEventChannel)};`,
        ].join('\n'),
      }));
    },
  };
}

/**
 * npm packages stay external (native modules load from node_modules), except tfjs-core's
 * per-file ES modules (the gradients main/ml/gradients.ts registers): Node cannot import those
 * extensionless ESM paths from a CommonJS package, so they are bundled, as tsx resolves them in
 * development.
 */
const externalPackages = {
  name: 'external-packages',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@tensorflow/tfjs-core/dist/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const names = await contractNames();
await Promise.all([
  build({
    ...common,
    entryPoints: ['main/app/main.ts'],
    outfile: `${outdir}/main.js`,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    plugins: [externalPackages],
  }),
  // The training worker (main/core/training/train-in-worker.ts loads it from beside main.js).
  build({
    ...common,
    entryPoints: ['main/core/training/train-worker.ts'],
    outfile: `${outdir}/train-worker.js`,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    plugins: [externalPackages],
  }),
  // The HEIC decoder worker (main/core/imaging/formats/heic-pool.ts loads it from beside main.js).
  build({
    ...common,
    entryPoints: ['main/core/imaging/formats/heic-worker.ts'],
    outfile: `${outdir}/heic-worker.js`,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    plugins: [externalPackages],
  }),
  build({
    ...common,
    entryPoints: ['main/app/preload.ts'],
    outfile: `${outdir}/preload.cjs`,
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    plugins: [contractNamesPlugin(names)],
  }),
  // The hidden compute window's preload (compute-window.ts).
  build({
    ...common,
    entryPoints: ['main/app/compute-preload.ts'],
    outfile: `${outdir}/compute-preload.cjs`,
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
  }),
]);
console.error(`built ${outdir}/main.js, preload.cjs and compute-preload.cjs (${names.callNames.length} calls, ${names.eventNames.length} events)`);

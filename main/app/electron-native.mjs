#!/usr/bin/env node
/**
 * Before `npm start`: build a second copy of better-sqlite3 for Electron's ABI under
 * .cache/electron-native/, so the desktop app and the Node CLI/tests can share one node_modules
 * (sharp and hnswlib-node use Node-API and need no second build). main.ts points the store at it.
 * Needs Electron's headers (downloaded by node-gyp); where that fails, the app explains what to do.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const require = createRequire(join(root, 'package.json'));
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const source = dirname(require.resolve('better-sqlite3/package.json'));
const target = join(root, '.cache', 'electron-native', 'better-sqlite3');
const stamp = join(target, 'built-for-electron');
const binary = join(target, 'build', 'Release', 'better_sqlite3.node');

if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === electronVersion) process.exit(0);

console.error(`dimsearch: building better-sqlite3 for Electron ${electronVersion} (once)…`);
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true, filter: (path) => !path.includes(`${source}/build`) });
let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  console.error('dimsearch: node-gyp is not installed; `npx electron-builder install-app-deps` builds native modules for Electron.');
  process.exit(0);
}
const gyp = spawnSync(
  process.execPath,
  [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'],
  { cwd: target, stdio: 'inherit' },
);
if (gyp.status !== 0) {
  console.error('dimsearch: could not build better-sqlite3 for Electron; `npx electron-builder install-app-deps` is the alternative.');
  process.exit(0); // the app still starts and shows the same advice
}
writeFileSync(stamp, electronVersion);

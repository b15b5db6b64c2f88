#!/usr/bin/env node
/**
 * Builds the optional native kernel addon (dimsearch_kernels.node) after `npm install` and on
 * `npm run build:native`. It needs OpenBLAS's headers (Debian/Ubuntu: libopenblas-dev); where they
 * are missing, or the build fails, this says so and exits 0: the wasm backend then runs every
 * kernel itself (about half as fast at training).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const headers = ['/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/aarch64-linux-gnu/cblas.h', '/usr/include/cblas.h', '/usr/include/openblas/cblas.h'];
if (process.env.DIMSEARCH_NATIVE_BLAS === '0') {
  console.error('dimsearch: native kernel addon skipped (DIMSEARCH_NATIVE_BLAS=0)');
  process.exit(0);
}
if (!headers.some((path) => existsSync(path))) {
  console.error('dimsearch: OpenBLAS headers not found (install libopenblas-dev); training runs on wasm kernels only.');
  process.exit(0);
}
let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  nodeGyp = process.env.npm_config_node_gyp;
}
if (!nodeGyp) {
  console.error('dimsearch: node-gyp not found; the native kernel addon is not built.');
  process.exit(0);
}
// Node's own headers where they sit beside this node (as npm's `nodedir` says when it runs us);
// otherwise node-gyp downloads them.
const prefix = dirname(dirname(process.execPath));
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null);
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--directory', here, ...(nodedir ? [`--nodedir=${nodedir}`] : [])], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  console.error(`dimsearch: the native kernel addon did not build; training runs on wasm kernels only.\n${(result.stderr ?? '').trim().split('\n').slice(-8).join('\n')}`);
  process.exit(0);
}
console.error(`dimsearch: native kernel addon built (${join(here, 'build', 'Release', 'dimsearch_kernels.node')})`);

/**
 * Builds the renderer (Svelte 5) to dist/renderer with relative asset URLs, so the same bundle
 * loads from the web server (http://127.0.0.1:PORT/) and from Electron's dimsearch://app/ protocol.
 */
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const rendererDir = fileURLToPath(new URL('.', import.meta.url));

/**
 * The built page also carries its CSP as a meta tag (defence in depth: the shells send it as a
 * header too). Build only: Vite's dev server injects inline styles the policy would refuse.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' dimsearch: blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

const cspMeta: Plugin = {
  name: 'dimsearch-csp-meta',
  apply: 'build',
  transformIndexHtml: () => [
    { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy }, injectTo: 'head-prepend' },
  ],
};

export default defineConfig({
  root: rendererDir,
  base: './',
  plugins: [svelte(), cspMeta],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline data: scripts or styles: everything is a file, so the strict CSP holds.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'chrome120',
    reportCompressedSize: false,
    // The compute window carries tfjs's GPU backends (~0.8 MB); it loads once, from disk.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // The app, and the hidden compute window that trains on the GPU (src/compute/main.ts).
      input: { main: `${rendererDir}index.html`, compute: `${rendererDir}compute.html` },
      // zod's sources carry esbuild-style pure annotations Rollup cannot place; harmless, so silence them.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules/zod')) return;
        warn(warning);
      },
    },
  },
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
  logLevel: 'warn',
});

/**
 * What the dimsearch:// scheme answers, as a plain function of the request URL (no Electron
 * here, so it is tested in Node with the same crafted requests as the web server):
 *
 *   dimsearch://app/<file>      the built renderer (dist/renderer), the page with the app's CSP
 *   dimsearch://thumb/<id>      a photo's cached thumbnail   ┐ confined to the library's
 *   dimsearch://photo/<id>      the original photo            ┘ directory and folders
 *
 * Anything else, and anything that fails confinement, is a 404.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend } from '../api/contract';
import { confineToRoots, mediaResolverOf, resolveMedia } from '../server/media';

export const appScheme = 'dimsearch';
export const appOrigin = `${appScheme}://app`;
export const appEntryUrl = `${appOrigin}/index.html`;

/** The renderer's Content-Security-Policy: our own scripts and styles only; images also from our scheme. */
export const desktopContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' ${appScheme}: blob: data:`,
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** True for a URL of our own renderer (used to vet IPC senders and navigation). */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${appScheme}:` && parsed.host === 'app';
  } catch {
    return false;
  }
}

const staticTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const notFound = () => new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });

async function fileResponse(path: string, type: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const body = await readFile(path);
  return new Response(body, { status: 200, headers: { 'content-type': type, 'x-content-type-options': 'nosniff', ...extraHeaders } });
}

/** The scheme's answer to one request. */
export async function answerAppRequest(
  requestUrl: string,
  method: string,
  rendererDir: string,
  backend: Pick<Backend, 'files'>,
): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') return new Response('method not allowed', { status: 405 });
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return notFound();
  }
  if (url.protocol !== `${appScheme}:`) return notFound();
  try {
    if (url.host === 'app') {
      const relativePath = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
      const path = await confineToRoots(join(rendererDir, relativePath), [rendererDir]);
      if (!path) return notFound();
      const type = staticTypes[path.slice(path.lastIndexOf('.')).toLowerCase()] ?? 'application/octet-stream';
      const headers: Record<string, string> = type.startsWith('text/html')
        ? { 'content-security-policy': desktopContentSecurityPolicy, 'cache-control': 'no-store' }
        : {};
      return await fileResponse(path, type, headers);
    }
    if (url.host === 'thumb' || url.host === 'photo') {
      const found = await resolveMedia(mediaResolverOf(backend), url.host, url.pathname.replace(/^\//, ''), backend.files.roots());
      if (!found) return notFound();
      return await fileResponse(found.path, found.mimeType, { 'cache-control': 'private, max-age=3600' });
    }
  } catch {
    return notFound();
  }
  return notFound();
}

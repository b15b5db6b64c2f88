/**
 * Web mode: the renderer and the whole contract over HTTP, for headless machines and browsers.
 *
 *   POST /api/<call>        JSON body → the call's JSON result (input validated by parseInput)
 *   GET  /api/events        Server-Sent Events: every contract event, `event: <name>` + JSON data
 *   GET  /thumb/<id>        a photo's cached thumbnail, /photo/<id> the original — library files only
 *   GET  /…                 the built renderer (dist/renderer)
 *
 * Nobody else gets in: the server binds 127.0.0.1 only; the Host header must name it (defeats DNS
 * rebinding); a foreign Origin is refused; every /api, /thumb and /photo request carries the
 * per-launch token (header `x-dimsearch-token`, or `?token=` where a header cannot be set: <img>, EventSource).
 * The calls are not listed here: the router walks the contract.
 */
import { createReadStream } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { calls, parseInput, type Backend, type CallName } from '../api/contract';
import { confineToRoots, mediaResolverOf, mimeTypeOf, resolveMedia } from './media';
import { EventHub } from './events';

export const tokenHeader = 'x-dimsearch-token';

export interface WebServerOptions {
  backend: Backend;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Per-launch secret; a fresh random one when omitted. */
  token?: string;
}

export interface WebServer {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Largest request body accepted: an image search carries the file as base64 (≤ 200 MiB in the contract). */
const maxBodyBytes = 210 * 1024 * 1024;

/** The page's own policy: scripts and styles only from this origin, images also from blobs (dropped files). */
export const webContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message });
}

function sameSecret(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) throw new HttpError(413, 'request body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const hub = new EventHub(options.backend);
  let port = options.port ?? 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  function checkCaller(req: IncomingMessage, url: URL, needsToken: boolean): void {
    const host = req.headers.host ?? '';
    if (!allowedHosts().has(host.toLowerCase())) throw new HttpError(403, 'unexpected host');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) throw new HttpError(403, 'cross-origin request refused');
    if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'cross-site request refused');
    if (!needsToken) return;
    const header = req.headers[tokenHeader];
    const given = typeof header === 'string' ? header : url.searchParams.get('token');
    if (!sameSecret(given, token)) throw new HttpError(401, 'missing or wrong token');
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!Object.hasOwn(calls, name)) throw new HttpError(404, `unknown call: ${name}`);
    if (req.method !== 'POST') throw new HttpError(405, 'calls are POST requests');
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'calls take application/json');
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      throw new HttpError(400, 'request body is not valid JSON');
    }
    const callName = name as CallName;
    let input: unknown;
    try {
      input = parseInput(callName, body);
    } catch (error) {
      throw new HttpError(400, error instanceof Error ? error.message : String(error));
    }
    const handler = options.backend.handlers[callName] as (input: unknown) => Promise<unknown>;
    let result: unknown;
    try {
      result = await handler(input);
    } catch (error) {
      // The back end's messages are meant for the user. Its refusals of bad requests (missing
      // folder, unknown photo, undecodable image) are the caller's fault: 422; anything else: 500.
      const message = error instanceof Error ? error.message : String(error);
      const refusal = error instanceof Error && (error.name === 'LibraryError' || error.name === 'DecodeError');
      throw new HttpError(refusal ? 422 : 500, message);
    }
    sendJson(res, 200, result ?? null);
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, path: string, mimeType: string, cache: string) {
    const stream = createReadStream(path);
    await new Promise<void>((resolve) => {
      stream.once('open', () => {
        const headers: Record<string, string> = {
          'content-type': mimeType,
          'cache-control': cache,
          'x-content-type-options': 'nosniff',
        };
        if (mimeType.startsWith('text/html')) {
          headers['content-security-policy'] = webContentSecurityPolicy;
          headers['referrer-policy'] = 'no-referrer';
          headers['x-frame-options'] = 'DENY';
        }
        res.writeHead(200, headers);
        if (req.method === 'HEAD') {
          stream.destroy();
          res.end();
          resolve();
          return;
        }
        // pipeline closes the file when the client goes away mid-transfer.
        pipeline(stream, res).then(resolve, () => resolve());
      });
      stream.once('error', () => {
        if (!res.headersSent) sendError(res, 404, 'not found');
        resolve();
      });
    });
  }

  async function handleMedia(req: IncomingMessage, res: ServerResponse, kind: string, rawId: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'media is GET only');
    const found = await resolveMedia(mediaResolverOf(options.backend), kind, rawId, options.backend.files.roots());
    if (!found) throw new HttpError(404, 'not found');
    await serveFile(req, res, found.path, found.mimeType, 'private, max-age=3600');
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    const relativePath = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const path = await confineToRoots(join(options.rendererDir, relativePath), [options.rendererDir]);
    if (!path) throw new HttpError(404, 'not found');
    const immutable = relativePath.startsWith('assets/');
    await serveFile(req, res, path, mimeTypeFor(path), immutable ? 'public, max-age=31536000, immutable' : 'no-store');
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Browsers resolve dot segments before sending; a raw one is someone probing for an escape.
    const rawPath = (req.url ?? '/').split('?')[0];
    if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(rawPath)) throw new HttpError(400, 'dot segments are not allowed');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      throw new HttpError(400, 'bad url');
    }
    const pathname = url.pathname;
    if (pathname === '/api/events') {
      checkCaller(req, url, true);
      if (req.method !== 'GET') throw new HttpError(405, 'events are GET');
      hub.attach(req, res);
      return;
    }
    const callMatch = /^\/api\/([^/]+)$/.exec(pathname);
    if (callMatch || pathname.startsWith('/api/')) {
      checkCaller(req, url, true);
      if (!callMatch) throw new HttpError(404, 'not found');
      await handleCall(req, res, callMatch[1]);
      return;
    }
    const mediaMatch = /^\/(thumb|photo)\/(.*)$/.exec(pathname);
    if (mediaMatch) {
      checkCaller(req, url, true);
      await handleMedia(req, res, mediaMatch[1], mediaMatch[2]);
      return;
    }
    checkCaller(req, url, false);
    await handleStatic(req, res, pathname);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) sendError(res, error.status, error.message);
      else if (error instanceof URIError) sendError(res, 400, 'bad url encoding');
      else sendError(res, 500, error instanceof Error ? error.message : String(error));
    });
  });
  // Requests may be large (image search) but must not hang forever.
  server.requestTimeout = 5 * 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/?token=${encodeURIComponent(token)}`;

  return {
    url,
    port,
    token,
    async close() {
      hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function mimeTypeFor(path: string): string {
  if (path.endsWith('.html')) return 'text/html; charset=utf-8';
  if (path.endsWith('.js') || path.endsWith('.mjs')) return 'text/javascript; charset=utf-8';
  if (path.endsWith('.css')) return 'text/css; charset=utf-8';
  if (path.endsWith('.svg')) return 'image/svg+xml';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.wasm')) return 'application/wasm';
  if (path.endsWith('.woff2')) return 'font/woff2';
  return mimeTypeOf(path);
}

/**
 * The web server in front of a real back end (a small indexed library): the per-launch token,
 * Host/Origin checks, input validation, Server-Sent Events, and crafted /thumb and /photo requests
 * that must never serve anything outside the library.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend } from '../../../main/api/contract';
import { startWebServer, tokenHeader, type WebServer } from '../../../main/server/http';
import { craftedIds, indexedLibrary, plantEscapingThumbnail, secret, type LibraryFixture } from './library-fixture';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let fixture: LibraryFixture;
let base: string;
let backend: Backend;
let server: WebServer;

/** A raw HTTP request: the path goes out exactly as given (no normalisation), any Host header. */
function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path,
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function call(name: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(`/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [tokenHeader]: server.token, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

before(async () => {
  fixture = await indexedLibrary(6);
  base = fixture.base;
  backend = fixture.backend;
  const rendererDir = join(base, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>dimsearch</title>');
  server = await startWebServer({ backend, rendererDir });
});

after(async () => {
  await server?.close();
  await fixture?.close();
});

test('listens on 127.0.0.1 and prints a URL carrying the token', () => {
  const url = new URL(server.url);
  assert.equal(url.hostname, '127.0.0.1');
  assert.equal(Number(url.port), server.port);
  assert.equal(url.searchParams.get('token'), server.token);
  assert.ok(server.token.length >= 24);
});

test('calls require the per-launch token', async () => {
  assert.equal((await call('libraryInfo', {}, { [tokenHeader]: '' })).status, 401);
  assert.equal((await call('libraryInfo', {}, { [tokenHeader]: 'x'.repeat(server.token.length) })).status, 401);
  const noToken = await send('/api/libraryInfo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(noToken.status, 401);
  assert.match(JSON.parse(noToken.body).error, /token/);
  assert.equal((await send('/api/events')).status, 401);
  assert.equal((await send('/thumb/1')).status, 401);

  const ok = await call('libraryInfo', {});
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).photoCount, fixture.photoCount);
  const viaQuery = await send(`/api/libraryInfo?token=${server.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(viaQuery.status, 200);
});

test('the page itself loads without a token, with a strict CSP', async () => {
  const page = await send('/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal((await send('/nothing-here.js')).status, 404);
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', `/${'%2e%2e%2f'.repeat(8)}secret.txt`]) {
    const reply = await send(path);
    assert.ok(reply.status === 400 || reply.status === 404, `${path}: ${reply.status}`);
    assert.ok(!reply.body.includes(secret));
  }
});

test('other hosts and origins are refused, even with the token', async () => {
  for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1:1', `127.0.0.2:${server.port}`]) {
    const reply = await call('libraryInfo', {}, { host });
    assert.equal(reply.status, 403, host);
  }
  assert.equal((await send('/', { headers: { host: `rebind.example:${server.port}` } })).status, 403, 'DNS rebinding');
  for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null', `https://127.0.0.1:${server.port}`]) {
    assert.equal((await call('libraryInfo', {}, { origin })).status, 403, origin);
  }
  assert.equal((await call('libraryInfo', {}, { 'sec-fetch-site': 'cross-site' })).status, 403);
  assert.equal((await call('libraryInfo', {}, { origin: `http://localhost:${server.port}`, host: `localhost:${server.port}` })).status, 200);
});

test('invalid input is a 400 with a message naming the problem', async () => {
  const negative = await call('listPhotos', { offset: -1, limit: 10 });
  assert.equal(negative.status, 400);
  assert.match(JSON.parse(negative.body).error, /invalid input for listPhotos/);
  assert.match(JSON.parse(negative.body).error, /offset/);
  const hugeK = await call('searchByPhoto', { id: 1, k: 100000 });
  assert.equal(hugeK.status, 400);
  assert.match(JSON.parse(hugeK.body).error, /k/);
  const notJson = await call('libraryInfo', '{not json');
  assert.equal(notJson.status, 400);
  assert.match(JSON.parse(notJson.body).error, /JSON/);
  assert.equal((await call('noSuchCall', {})).status, 404);
  assert.equal((await call('__proto__', {})).status, 404);
  assert.equal((await send('/api/libraryInfo', { headers: { [tokenHeader]: server.token } })).status, 405);
  const plain = await call('libraryInfo', '{}', { 'content-type': 'text/plain' });
  assert.equal(plain.status, 415);
});

test('the back end refusing a request is a 422 with its message', async () => {
  const missing = await call('addFolder', { path: join(base, 'no-such-folder') });
  assert.equal(missing.status, 422);
  assert.match(JSON.parse(missing.body).error, /no-such-folder/);
  const unknownPhoto = await call('searchByPhoto', { id: 999999, k: 3 });
  assert.equal(unknownPhoto.status, 422);
  assert.match(JSON.parse(unknownPhoto.body).error, /999999/);
});

test('search results come back best first, the photo itself first', async () => {
  const list = JSON.parse((await call('listPhotos', { offset: 0, limit: 100 })).body) as { total: number; photos: { id: number }[] };
  assert.equal(list.total, fixture.photoCount);
  const id = list.photos[2].id;
  const hits = JSON.parse((await call('searchByPhoto', { id, k: 5 })).body) as { id: number; score: number }[];
  assert.equal(hits.length, 5);
  assert.equal(hits[0].id, id);
  assert.ok(hits[0].score > 0.999);
});

/** An open /api/events stream whose text can be awaited for a pattern. */
function openEventStream(): Promise<{ text(): string; waitFor(pattern: string): Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const waiters: Array<{ pattern: string; done: () => void }> = [];
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } },
      (res) => {
        if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
          reject(new Error(`events answered ${res.statusCode} ${res.headers['content-type']}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          for (const waiter of waiters.filter((w) => text.includes(w.pattern))) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.done();
          }
        });
        resolve({
          text: () => text,
          waitFor: (pattern) => (text.includes(pattern) ? Promise.resolve() : new Promise((done) => waiters.push({ pattern, done }))),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', () => {});
    req.end();
  });
}

test('events stream to the page as Server-Sent Events', async () => {
  const stream = await openEventStream();
  await stream.waitFor('event: ready');
  assert.equal((await call('reindex', {})).status, 200);
  await stream.waitFor('event: jobFinished');
  stream.close();
  assert.match(stream.text(), /event: jobProgress\ndata: \{.*"kind":"index"/);
  const finished = /event: jobFinished\ndata: (.*)\n/.exec(stream.text());
  assert.ok(finished);
  assert.equal(JSON.parse(finished[1]).status, 'done');
});

test('crafted /thumb and /photo requests never serve anything outside the library', async () => {
  const list = JSON.parse((await call('listPhotos', { offset: 0, limit: 100 })).body) as { photos: { id: number; path: string }[] };
  const inside = list.photos.find((p) => p.path.endsWith('.jpg'))!;
  const linked = list.photos.find((p) => p.path.endsWith('linked-out.png'));
  assert.ok(linked, 'the symlinked photo was indexed');

  const good = await send(`/thumb/${inside.id}?token=${server.token}`);
  assert.equal(good.status, 200);
  assert.equal(good.headers['content-type'], 'image/jpeg');
  assert.equal((await send(`/photo/${inside.id}?token=${server.token}`)).headers['content-type'], 'image/jpeg');
  // Its thumbnail lives in the library; its original lies outside every folder: refused.
  assert.equal((await send(`/thumb/${linked.id}?token=${server.token}`)).status, 200);
  assert.equal((await send(`/photo/${linked.id}?token=${server.token}`)).status, 404);

  const crafted = craftedIds(inside.id, fixture.secretPath);
  for (const kind of ['thumb', 'photo', 'secret']) {
    for (const id of crafted) {
      const reply = await send(`/${kind}/${id}?token=${server.token}`);
      assert.notEqual(reply.status, 200, `/${kind}/${id.slice(0, 60)} was served`);
      assert.ok(!reply.body.includes(secret), `/${kind}/${id.slice(0, 60)} leaked the secret`);
    }
  }
});

test('a thumbnail swapped for a symlink pointing out of the library is not served', async () => {
  const list = JSON.parse((await call('listPhotos', { offset: 0, limit: 100 })).body) as { photos: { id: number; path: string }[] };
  const photo = list.photos.find((p) => p.path.endsWith('.jpg'))!;
  const planted = await plantEscapingThumbnail(fixture, photo.id);
  try {
    const reply = await send(`/thumb/${photo.id}?token=${server.token}`);
    assert.equal(reply.status, 404);
    assert.ok(!reply.body.includes(secret));
  } finally {
    await planted.restore();
  }
  assert.equal((await send(`/thumb/${photo.id}?token=${server.token}`)).status, 200);
});

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('the server is bound to 127.0.0.1 alone: other addresses of this machine refuse connections', async () => {
  assert.equal(await accepts('127.0.0.1', server.port), true);
  const others = ['127.0.0.2', '::1'];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (!a.internal) others.push(a.address.split('%')[0]!);
  }
  for (const host of others) assert.equal(await accepts(host, server.port), false, `${host} accepted a connection`);
});

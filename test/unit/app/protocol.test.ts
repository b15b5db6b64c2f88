/**
 * The dimsearch:// scheme's answers (app-protocol.ts, what Electron's protocol.handle serves),
 * against a real indexed library: the renderer with its CSP, library thumbnails and photos, and
 * crafted requests that must never read anything outside the library.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answerAppRequest, isAppUrl } from '../../../main/app/app-protocol';
import { craftedIds, indexedLibrary, plantEscapingThumbnail, secret, type LibraryFixture } from '../server/library-fixture';

let fixture: LibraryFixture;
let rendererDir: string;

before(async () => {
  fixture = await indexedLibrary(4);
  rendererDir = join(fixture.base, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>dimsearch</title>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
});

after(() => fixture?.close());

const get = (url: string) => answerAppRequest(url, 'GET', rendererDir, fixture.backend);

async function photos(): Promise<{ id: number; path: string }[]> {
  return (await fixture.backend.handlers.listPhotos({ offset: 0, limit: 100 })).photos;
}

test('isAppUrl accepts only our renderer origin', () => {
  assert.ok(isAppUrl('dimsearch://app/index.html'));
  for (const url of ['dimsearch://thumb/1', 'https://app/index.html', 'file:///index.html', 'dimsearch://app.evil/x', 'dimsearch://evil/app', '', undefined, 'not a url']) {
    assert.equal(isAppUrl(url), false, String(url));
  }
});

test('the renderer is served with its Content-Security-Policy', async () => {
  const page = await get('dimsearch://app/index.html');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const script = await get('dimsearch://app/assets/app.js');
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  assert.equal((await answerAppRequest('dimsearch://app/index.html', 'POST', rendererDir, fixture.backend)).status, 405);
});

test('library thumbnails and photos are served by id', async () => {
  const photo = (await photos()).find((p) => p.path.endsWith('.jpg'))!;
  const thumb = await get(`dimsearch://thumb/${photo.id}`);
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
  assert.ok((await thumb.arrayBuffer()).byteLength > 0);
  const original = await get(`dimsearch://photo/${photo.id}`);
  assert.equal(original.status, 200);
  assert.equal(original.headers.get('content-type'), 'image/jpeg');
});

test('crafted requests never read outside the library', async () => {
  const list = await photos();
  const inside = list.find((p) => p.path.endsWith('.jpg'))!;
  const linked = list.find((p) => p.path.endsWith('linked-out.png'))!;
  assert.equal((await get(`dimsearch://photo/${linked.id}`)).status, 404, 'a symlink pointing out of the folder');

  const urls = ['thumb', 'photo', 'app', 'other'].flatMap((host) => craftedIds(inside.id, fixture.secretPath).map((id) => `dimsearch://${host}/${id}`));
  urls.push(`dimsearch://app/..%2f..%2fsecret.txt`, `dimsearch://app/%2e%2e%2f%2e%2e%2fsecret.txt`, `file://${fixture.secretPath}`, 'dimsearch:///etc/passwd');
  for (const url of urls) {
    const answer = await get(url);
    const body = Buffer.from(await answer.arrayBuffer()).toString('latin1');
    assert.ok(!body.includes(secret), `${url.slice(0, 80)} leaked the secret`);
    if (url.includes('secret') || url.includes('passwd') || !url.startsWith('dimsearch://app/')) {
      assert.notEqual(answer.status, 200, `${url.slice(0, 80)} was served`);
    }
  }
});

test('a thumbnail swapped for a symlink pointing out of the library is not served', async () => {
  const photo = (await photos()).find((p) => p.path.endsWith('.jpg'))!;
  const planted = await plantEscapingThumbnail(fixture, photo.id);
  try {
    const answer = await get(`dimsearch://thumb/${photo.id}`);
    assert.equal(answer.status, 404);
    assert.ok(!Buffer.from(await answer.arrayBuffer()).toString('latin1').includes(secret));
  } finally {
    await planted.restore();
  }
  assert.equal((await get(`dimsearch://thumb/${photo.id}`)).status, 200);
});

/** Web mode's token is kept in the library, owner-only, and the same from launch to launch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { libraryWebToken, WEB_TOKEN_FILE } from '../../../main/server/web-token';

test('the token is made once (mode 0600), kept, repaired when readable by others, replaced when garbled', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, WEB_TOKEN_FILE);
  const first = libraryWebToken(dir);
  assert.match(first, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(libraryWebToken(dir), first, 'the same token on the next launch');

  const notices: string[] = [];
  chmodSync(file, 0o644);
  assert.equal(libraryWebToken(dir, (m) => notices.push(m)), first);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(notices[0]!, /readable by you only/);

  writeFileSync(file, 'oops');
  const replaced = libraryWebToken(dir, (m) => notices.push(m));
  assert.notEqual(replaced, first);
  assert.equal(readFileSync(file, 'utf8').trim(), replaced);
  assert.match(notices[1]!, /does not hold a token/);
});

/** The backend ladder: default pick, DIMSEARCH_BACKEND forcing, a clear error for an unknown name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const script = `
import { initBackend, backendName } from './main/ml/backend';
const a = await initBackend();
const b = await initBackend();
console.log(JSON.stringify({ a, b, active: backendName() }));
`;

function pick(env: Record<string, string>): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout.trim().split('\n').pop() ?? '', err: r.stderr };
}

test('without tfjs-node installed the ladder lands on wasm, once', () => {
  const r = pick({ DIMSEARCH_BACKEND: '' });
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { a: 'wasm', b: 'wasm', active: 'wasm' });
});

test('DIMSEARCH_BACKEND forces a rung', () => {
  const r = pick({ DIMSEARCH_BACKEND: 'cpu' });
  assert.equal(r.status, 0, r.err);
  assert.equal(JSON.parse(r.out).active, 'cpu');
});

test('an unknown or unavailable backend fails with a readable reason', () => {
  const unknown = pick({ DIMSEARCH_BACKEND: 'quantum' });
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.err, /DIMSEARCH_BACKEND='quantum' is not one of/);
  const missing = pick({ DIMSEARCH_BACKEND: 'tensorflow' });
  assert.notEqual(missing.status, 0);
  assert.match(missing.err, /no tfjs backend could start \(tensorflow: not installed\)/);
});

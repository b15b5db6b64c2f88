import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Job, ProgressMeter, type Progress } from '../../../main/core/jobs/job';

test('the meter reports rate and time left, throttled, always at phase changes and the end', () => {
  let now = 0;
  const meter = new ProgressMeter(250, 5000, () => now);
  assert.ok(meter.sample('indexing', 0, 100), 'a new phase is reported at once');
  now = 100;
  assert.equal(meter.sample('indexing', 5, 100), null, 'too soon');
  now = 1000;
  const p = meter.sample('indexing', 20, 100)!;
  assert.equal(p.ratePerSecond, 20);
  assert.equal(p.etaSeconds, 4);
  now = 1010;
  const end = meter.sample('indexing', 100, 100)!;
  assert.ok(end, 'the last item is always reported');
  assert.equal(end.etaSeconds, 0);
  now = 1020;
  const saving = meter.sample('saving', 0, 1)!;
  assert.equal(saving.phase, 'saving');
  assert.equal(saving.ratePerSecond, 0);
  assert.equal(saving.etaSeconds, null, 'unknown until a rate is seen');
});

test('a job reports progress and its result', async () => {
  const seen: Progress[] = [];
  const job = new Job('index', async ({ report }) => {
    for (let i = 0; i <= 3; i++) report('indexing', i, 3);
    return 42;
  });
  job.onProgress((p) => seen.push(p));
  const end = await job.finished;
  assert.equal(end.status, 'done');
  assert.equal(end.result, 42);
  assert.equal(job.status, 'done');
  assert.deepEqual(seen.at(-1)?.done, 3);
  assert.equal(job.cancel(), false, 'a finished job cannot be cancelled');
  assert.match(job.id, /^[0-9a-f-]{36}$/);
});

test('cancel aborts the signal; the job ends as cancelled, with its partial result if it returns one', async () => {
  const partial = new Job('index', async ({ signal }) => {
    let steps = 0;
    while (!signal.aborted) {
      steps++;
      await new Promise((r) => setTimeout(r, 2));
    }
    return steps;
  });
  setTimeout(() => assert.equal(partial.cancel(), true), 20);
  const end = await partial.finished;
  assert.equal(end.status, 'cancelled');
  assert.ok((end.result ?? 0) > 0);

  const throwing = new Job('index', async ({ signal }) => {
    await new Promise((r) => setTimeout(r, 5));
    signal.throwIfAborted();
    return 1;
  });
  throwing.cancel();
  assert.equal((await throwing.finished).status, 'cancelled');
});

test('a failing job ends as failed with the error message', async () => {
  const job = new Job('train', async () => {
    throw new Error('disk full');
  });
  const end = await job.finished;
  assert.deepEqual([end.status, end.error], ['failed', 'disk full']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gate } from '@/lib/engines/gate';

const tick = () => new Promise((r) => setImmediate(r));

test('the gate runs at most `limit` jobs at once, the rest in the order they came', async () => {
  const admit = gate(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const job = (n: number) => async () => {
    running++;
    most = Math.max(most, running);
    await tick();
    await tick();
    order.push(n);
    running--;
    return n;
  };
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => admit(job(n))));
  assert.deepEqual(results, [1, 2, 3, 4, 5]);
  assert.equal(most, 2);
  assert.deepEqual(order, [1, 2, 3, 4, 5]);
});

test('a job cancelled while it waits leaves the queue, and a failed job frees its place', async () => {
  const admit = gate(1);
  let release!: () => void;
  const first = admit(() => new Promise<void>((r) => (release = r)));
  const controller = new AbortController();
  const cancelled = admit(async () => 'ran', controller.signal);
  const after = admit(async () => 'after');
  controller.abort(new Error('the client went away'));
  await assert.rejects(cancelled, /the client went away/);
  release();
  await first;
  assert.equal(await after, 'after');
  await assert.rejects(
    admit(async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await admit(async () => 'still admits'), 'still admits');
});

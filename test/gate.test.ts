import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gate, pacedFor } from '@/lib/engines/gate';

const tick = () => new Promise((r) => setImmediate(r));

test('the gate runs at most `limit` jobs at once; of those waiting, the oldest request goes first', async () => {
  const admit = gate(2);
  let running = 0;
  let most = 0;
  const order: string[] = [];
  const job = (name: string) => async () => {
    running++;
    most = Math.max(most, running);
    await tick();
    await tick();
    order.push(name);
    running--;
    return name;
  };
  const results = await Promise.all([
    admit(job('a'), { since: 1 }),
    admit(job('b'), { since: 2 }),
    admit(job('new'), { since: 9 }),
    // A request that began earlier (its second step, after retrieval) overtakes a newer one waiting.
    admit(job('older'), { since: 3 }),
    admit(job('newest'), { since: 10 }),
  ]);
  assert.deepEqual(results, ['a', 'b', 'new', 'older', 'newest']);
  assert.equal(most, 2);
  assert.deepEqual(order, ['a', 'b', 'older', 'new', 'newest']);
});

test('a job cancelled while it waits leaves the queue, and a failed job frees its place', async () => {
  const admit = gate(1);
  let release!: () => void;
  const first = admit(() => new Promise<void>((r) => (release = r)), { since: 0 });
  const controller = new AbortController();
  const cancelled = admit(async () => 'ran', { since: 1, signal: controller.signal });
  const after = admit(async () => 'after', { since: 2 });
  controller.abort(new Error('the client went away'));
  await assert.rejects(cancelled, /the client went away/);
  release();
  await first;
  assert.equal(await after, 'after');
  await assert.rejects(
    admit(
      async () => {
        throw new Error('boom');
      },
      { since: 3 },
    ),
    /boom/,
  );
  assert.equal(await admit(async () => 'still admits', { since: 4 }), 'still admits');
});

test('work on a store that waits on a server is not paced; a store that searches on this thread is', async () => {
  let running = 0;
  let most = 0;
  const job = async () => {
    running++;
    most = Math.max(most, running);
    await tick();
    running--;
  };
  await Promise.all(Array.from({ length: 5 }, (_, i) => pacedFor({})(job, { since: i })));
  assert.equal(most, 5);
  most = 0;
  await Promise.all(Array.from({ length: 5 }, (_, i) => pacedFor({ searchesOnThisThread: true })(job, { since: i })));
  assert.equal(most, 2);
});

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ingest } from '@/lib/ingest';
import { testConfig } from '@/test/helpers';
import { startServer, type RunningServer } from '@/scripts/lib/server';

/**
 * One article with a 60 KB run-on sentence must not stall the server: while questions are answered
 * over it, other requests are still served within a short bound (the production server, loopback).
 */

const cfg = await testConfig();
const clause = (i: number) => `the harbour board of Kestrel met for session ${i} and discussed the dredging of the northern channel`;
const runOn = Array.from({ length: 600 }, (_, i) => clause(i)).join(', and ');
await writeFile(path.join(cfg.corpusDir, 'kestrel-run-on.txt'), `Kestrel harbour board minutes\n${runOn}\n`);
await ingest(cfg);

let server: RunningServer;
before(async () => {
  server = await startServer({ DOSSIER_CORPUS_DIR: cfg.corpusDir, DOSSIER_INDEX_DIR: cfg.indexDir, DOSSIER_EMBEDDING_MODEL: 'none' });
});
after(() => server?.stop());

const ask = (question: string) =>
  fetch(`${server.url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) });

test('while questions are answered over a 60 KB run-on sentence, other requests wait under 200 ms', async () => {
  assert.ok(runOn.length > 60_000);
  // Warm up: the index is loaded on first use.
  assert.equal((await ask('What did the Kestrel harbour board discuss?')).status, 200);
  let answering = true;
  const waits: number[] = [];
  const probe = (async () => {
    while (answering) {
      const started = performance.now();
      const r = await fetch(`${server.url}/api/status`);
      await r.arrayBuffer();
      waits.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const questions = [
    'Which channel did the Kestrel harbour board discuss dredging?',
    'When did the harbour board of Kestrel meet?',
    'What did the Kestrel board discuss in session 412?',
    'Who met to discuss the northern channel?',
  ];
  // Batches of questions until the probe has enough samples (answers over the bounded passages are fast).
  const replies: number[] = [];
  for (let round = 0; round < 30 && waits.length < 10; round++)
    replies.push(...(await Promise.all([...questions, ...questions].map(async (q) => (await ask(q)).status))));
  answering = false;
  await probe;
  assert.deepEqual(
    replies,
    replies.map(() => 200),
  );
  assert.ok(waits.length >= 10, `the probe ran (${waits.length} requests)`);
  assert.ok(Math.max(...waits) < 200, `the longest wait was ${Math.round(Math.max(...waits))} ms: ${waits.map(Math.round).join(', ')}`);
});

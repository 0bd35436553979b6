import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { cachingEmbedder } from '@/lib/embed/cache';
import { boundForEmbedding, MAX_TEXT_CHARS, MAX_WORD_CHARS } from '@/lib/embed/models.mjs';
import type { PooledEmbedder } from '@/lib/embed/pool';
import { loadTransformersEmbedder } from '@/lib/embed/transformers';
import { maxEventLoopGap, ROOT, tempDir, testConfig } from '@/test/helpers';
import { startServer, type RunningServer } from '@/scripts/lib/server';
import { ensureTinyModel, TINY_MODEL_DIMS as DIMS, TINY_MODEL_NAME as NAME } from '@/scripts/lib/tiny-model';
import { cosine } from '@/scripts/lib/vectors';

// The pooled embedder on the tiny random-weight model (fast, offline): a worker thread loads it,
// the test thread only posts texts. onnxruntime-node must not be loaded in two threads of one
// process, so the in-thread reference vectors come from a child process.

const texts = Array.from(
  { length: 70 },
  (_, i) => `Article ${i}: the prime minister said trade with Japan grew ${i} percent${' again'.repeat(i % 9)}.`,
);

// Made at the top level so that the folders live (and are removed) with the file, not with a hook.
const serverEnv = {
  DOSSIER_EMBEDDING_MODEL: NAME,
  DOSSIER_LOCAL_MODEL_PATH: await ensureTinyModel(),
  DOSSIER_ALLOW_REMOTE_MODELS: 'false',
  DOSSIER_MODEL_CACHE_DIR: await tempDir('dossier-model-cache-'),
  DOSSIER_ENGINE: 'local',
};
const serverCfg = await testConfig(serverEnv);
const cfg = { ...serverCfg.embedding, fallback: false };
let pool: PooledEmbedder;
before(async () => {
  pool = await loadTransformersEmbedder(NAME, cfg);
});
after(() => pool.close());

describe('the pooled embedder', () => {
  test('gives the vectors the model gives in this thread, in order, as Float32Arrays', async () => {
    assert.equal(pool.workers().length, 1);
    assert.equal(pool.id, `transformers:${NAME}`);
    assert.equal(pool.dims, DIMS);
    const script = `
      import { loadInThreadEmbedder } from './lib/embed/in-thread.ts';
      import { transformersSpec } from './lib/embed/transformers.ts';
      const e = await loadInThreadEmbedder(transformersSpec(${JSON.stringify(NAME)}, ${JSON.stringify(cfg)}));
      const texts = ${JSON.stringify(texts)};
      const out = [...await e.embedDocuments(texts), await e.embedQuery(texts[3])];
      console.log(JSON.stringify(out.map((v) => Array.from(v))));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      timeout: 30_000,
      maxBuffer: 1 << 24,
    });
    const local = (JSON.parse(stdout) as number[][]).map((v) => Float32Array.from(v));
    const pooled = [...(await pool.embedDocuments(texts)), await pool.embedQuery(texts[3]!)];
    assert.equal(pooled.length, local.length);
    pooled.forEach((v, i) => {
      assert.ok(v instanceof Float32Array && v.length === DIMS);
      assert.ok(cosine(v, local[i]!) > 0.9999, `text ${i}: cosine ${cosine(v, local[i]!)}`);
    });
    assert.deepEqual(await pool.embedDocuments([]), []);
  });

  test('bounds every input: words longer than any real word are cut, texts are capped', async () => {
    const bounded = boundForEmbedding(`Kestrel ${'x'.repeat(100_000)} harbour ${'word '.repeat(5_000)}`);
    assert.ok(bounded.length <= MAX_TEXT_CHARS);
    assert.ok(bounded.split(/\s+/).every((w) => w.length <= MAX_WORD_CHARS));
    assert.match(bounded, /^Kestrel x{40} harbour word word/);
    assert.equal(boundForEmbedding('A normal sentence stays as it is.'), 'A normal sentence stays as it is.');
    // Linear on hostile shapes: long runs of one character, of spaces, alternating patterns.
    for (const hostile of ['a'.repeat(2_000_000), ' '.repeat(2_000_000), 'ab '.repeat(700_000), `${'x'.repeat(40)} `.repeat(50_000)]) {
      const t = performance.now();
      assert.ok(boundForEmbedding(hostile).length <= MAX_TEXT_CHARS);
      assert.ok(performance.now() - t < 1_000, `took ${performance.now() - t} ms on ${hostile.length} characters`);
    }
    // A 100k-character word and a 60 KB run-on sentence embed like any passage would.
    const t = performance.now();
    const [word, runOn] = await pool.embedDocuments(['x'.repeat(100_000), 'the harbour opened in March and '.repeat(2_000)]);
    assert.ok(word!.every(Number.isFinite) && runOn!.every(Number.isFinite));
    assert.ok(performance.now() - t < 5_000, `huge inputs took ${performance.now() - t} ms`);
  });

  test('this thread stays responsive while a big batch embeds', async () => {
    const big = Array.from({ length: 600 }, (_, i) => `${texts[i % texts.length]} ${'and the harbour opened in March '.repeat(12)}`);
    const gap = await maxEventLoopGap(() => pool.embedDocuments(big));
    assert.ok(gap < 200, `the event loop waited ${gap.toFixed(0)} ms`);
  });

  test('an aborted request is dropped before a thread takes it, and rejects at once', async () => {
    const busy = pool.embedDocuments(Array.from({ length: 300 }, (_, i) => `${texts[i % texts.length]} ${'more words '.repeat(30)}`));
    const controller = new AbortController();
    const queued = pool.embedDocuments(texts, controller.signal);
    controller.abort(new Error('the client left'));
    await assert.rejects(queued, /the client left/);
    let busyDone = false;
    void busy.then(() => {
      busyDone = true;
    });
    await assert.rejects(pool.embedQuery('later', AbortSignal.abort()), { name: 'AbortError' });
    assert.equal(busyDone, false, 'the abort waited for the work ahead of it');
    assert.equal((await busy).length, 300);
    // The queue holds nothing of the aborted request: the next text is taken at once.
    const t = performance.now();
    await pool.embedQuery('next');
    assert.ok(performance.now() - t < 1_000);
  });

  test('the cache passes signals through', async () => {
    const cached = cachingEmbedder(pool);
    await assert.rejects(cached.embedDocuments(['not cached yet'], AbortSignal.abort()), { name: 'AbortError' });
    assert.equal((await cached.embedDocuments(['not cached yet'])).length, 1);
  });

  test('a CLI-like process exits when its work is done, without closing the embedder', async () => {
    const script = `
      import { loadTransformersEmbedder } from './lib/embed/transformers.ts';
      const e = await loadTransformersEmbedder(${JSON.stringify(NAME)}, ${JSON.stringify(cfg)});
      console.log((await e.embedDocuments(['one', 'two', 'three'])).length);`;
    const t = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      timeout: 30_000,
    });
    assert.equal(stdout.trim(), '3');
    assert.ok(performance.now() - t < 30_000);
  });
});

describe('the production server embeds in worker threads', () => {
  let server: RunningServer;
  before(async () => {
    const env = { ...serverEnv, DOSSIER_INDEX_DIR: serverCfg.indexDir, DOSSIER_CORPUS_DIR: serverCfg.corpusDir };
    // In a process of its own, like the model's other users here (see above).
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/ingest.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    assert.match(stdout, new RegExp(`transformers:${NAME}`));
    server = await startServer(env);
  });
  after(() => server?.stop());

  test('answers with hybrid retrieval from the model in its worker threads', async () => {
    const res = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'What did Japan and Viet Nam agree on trade?' }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(((await res.json()) as { answer: string }).answer.length > 0);
    const status = (await (await fetch(`${server.url}/api/status`)).json()) as {
      retrieval: string;
      embedder: { id: string } | null;
      warnings: string[];
    };
    assert.deepEqual(status.warnings, []);
    assert.equal(status.retrieval, 'hybrid');
    assert.equal(status.embedder?.id, `transformers:${NAME}`);
    assert.doesNotMatch(server.output(), /Cannot find module|worker/i);
  });
});

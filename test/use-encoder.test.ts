import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { loadInThreadEmbedder } from '@/lib/embed/in-thread';
import { startEmbedderPool, type PooledEmbedder } from '@/lib/embed/pool';
import type { Embedder } from '@/lib/embed/types';
import { loadBundledEmbedder } from '@/lib/embed/use';
import { maxEventLoopGap, tempDir } from './helpers';
import { cosine } from '@/scripts/lib/vectors';

// The bundled Universal Sentence Encoder's fast path (a graph built from the package's weights,
// run by onnxruntime in a worker thread) against the package's own path (TensorFlow.js in this
// thread). In a file of its own: onnxruntime-node is loaded by no other thread of this process.

const texts = [
  'Viet Nam and Japan upgraded their ties to a comprehensive strategic partnership.',
  'The central bank raised interest rates by three quarters of a percentage point on Wednesday.',
  'Thưởng met Kishida in Hà Nội; both sides signed 11 agreements worth ¥3.5 billion.',
  '',
  '   ',
  'ok',
  '🚀 Artemis I lifted off at 1:47 a.m. ET — NASA’s “Space Launch System” rocket roared!',
  // Longer than the 128 tokens the encoder reads: only the first 128 count, on both paths.
  'The storm flooded towns along the coast and officials ordered evacuations. '.repeat(30),
];

// Made at the top level so that the folder lives (and is removed) with the file, not with a hook.
const cacheDir = await tempDir('dossier-model-cache-');
await writeFile(`${cacheDir}/not-a-folder`, '');
let fast: PooledEmbedder;
let reference: Embedder;
before(async () => {
  [fast, reference] = await Promise.all([loadBundledEmbedder({ cacheDir, threads: 2 }), loadInThreadEmbedder({ kind: 'use-package' })]);
});
after(() => fast.close());

describe('the bundled encoder on onnxruntime', () => {
  test("gives the package path's vectors (cosine ≥ 0.999), with its id, so existing indexes stay valid", async () => {
    assert.deepEqual(fast.warnings, [], 'the fast path loaded');
    assert.equal(fast.id, reference.id);
    assert.match(fast.id, /^use:@energetic-ai\/model-embeddings-en@/);
    assert.equal(fast.dims, 512);
    // The graph was built from the package's weights into the model cache.
    assert.ok((await readdir(`${cacheDir}/use-onnx`)).some((f) => f.endsWith('.onnx')));
    const [a, b] = await Promise.all([fast.embedDocuments(texts), reference.embedDocuments(texts)]);
    assert.equal(a.length, texts.length);
    a.forEach((v, i) => {
      assert.ok(v instanceof Float32Array && v.length === 512);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'unit length');
      assert.ok(cosine(v, b[i]!) >= 0.999, `text ${i}: cosine ${cosine(v, b[i]!)}`);
    });
    assert.ok(cosine(await fast.embedQuery(texts[0]!), await reference.embedQuery(texts[0]!)) >= 0.999);
    // Order within a call does not depend on the length-sorted batching.
    const reversed = await fast.embedDocuments([...texts].reverse());
    reversed.reverse().forEach((v, i) => assert.ok(cosine(v, a[i]!) > 0.99999));
  });

  test('embeds a 64 KB run-on sentence quickly while this thread stays free', async () => {
    let vector: Float32Array | undefined;
    const t = performance.now();
    const gap = await maxEventLoopGap(async () => {
      vector = await fast.embedQuery('the harbour opened in march and '.repeat(2_000));
    });
    assert.ok(vector!.every(Number.isFinite));
    assert.ok(performance.now() - t < 5_000, `embedding took ${(performance.now() - t).toFixed(0)} ms`);
    assert.ok(gap < 200, `the event loop waited ${gap.toFixed(0)} ms`);
  });
});

// Terminating onnxruntime's native code midway aborts the process (the pool never does: it waits
// for a thread's batch), so a crash is shown on the package's path, the fast path's fallback.
describe('the bundled encoder on its package path, in worker threads', () => {
  test('is what runs, with a warning, when the fast path cannot be built', async () => {
    // A model cache under a file cannot be created: the graph cannot be written.
    const pool = await loadBundledEmbedder({ cacheDir: `${cacheDir}/not-a-folder/x`, threads: 2 });
    try {
      assert.equal(pool.id, fast.id);
      assert.equal(pool.warnings.length, 1);
      assert.match(
        pool.warnings[0]!,
        /^The bundled encoder's fast path \(onnxruntime\) could not be loaded \(.+\), so it runs on its package's own, several times slower path; the vectors are the same\.$/,
      );
      assert.equal(pool.workers().length, 2, 'a thread per core, as the package path needs');
      const [v] = await pool.embedDocuments([texts[0]!]);
      assert.ok(cosine(v!, await fast.embedQuery(texts[0]!)) >= 0.999);
    } finally {
      await pool.close();
    }
  });

  test('a crashed thread fails its texts with a sentence and is replaced', async () => {
    const pool = await startEmbedderPool({ kind: 'use-package' }, 2);
    try {
      assert.equal(pool.id, fast.id);
      const sentence = 'Viet Nam and Japan upgraded their ties.';
      const before = await pool.embedQuery(sentence);
      assert.ok(cosine(before, await fast.embedQuery(sentence)) >= 0.999);
      const pending = assert.rejects(
        pool.embedDocuments(Array.from({ length: 64 }, (_, i) => `${texts[i % 3]} ${'more words '.repeat(30)}`)),
        /^Error: The embedding thread stopped \(exit code 1\) before it finished; these texts were not embedded\.$/,
      );
      await new Promise((r) => setTimeout(r, 20));
      await Promise.all(pool.workers().map((w) => w.terminate()));
      await pending;
      // A request made while the replacement loads waits for it.
      assert.ok(cosine(await pool.embedQuery(sentence), before) > 0.9999);
      assert.equal(pool.workers().length, 2);
    } finally {
      await pool.close();
    }
  });
});

import assert from 'node:assert/strict';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { Config } from '@/lib/config';
import { loadEmbedderForIngest } from '@/lib/embed/load';
import { loadTransformersEmbedder } from '@/lib/embed/transformers';
import type { Embedder } from '@/lib/embed/types';
import { ingest } from '@/lib/ingest';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { LocalSnapshotReader } from '@/lib/store/local/store';
import { retrieve } from '@/lib/retrieve/retrieve';
import { buildSearcher } from '@/lib/retrieve/searcher';
import { tempDir, testConfig } from '@/test/helpers';
import { ensureTinyModel, TINY_MODEL_DIMS as DIMS, TINY_MODEL_NAME as NAME } from '@/scripts/lib/tiny-model';

// Real Transformers.js loading (tokenizer, onnxruntime session, pooling) on a tiny random-weight
// model built by scripts/build-tiny-model.py: fully offline. Every config gets a fresh
// DOSSIER_MODEL_CACHE_DIR because Transformers.js reads its file cache before localModelPath.

const ID = `transformers:${NAME}`;
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

let models: string;
before(async () => {
  models = await ensureTinyModel();
});

/** The tiny model's config (as the app would build it from the environment), with a fresh cache. */
async function tinyEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    DOSSIER_EMBEDDING_MODEL: NAME,
    DOSSIER_LOCAL_MODEL_PATH: models,
    DOSSIER_ALLOW_REMOTE_MODELS: 'false',
    DOSSIER_MODEL_CACHE_DIR: await tempDir('dossier-model-cache-'),
    ...extra,
  };
}

describe('loadTransformersEmbedder on the tiny model', () => {
  let embedder: Embedder;
  let cfg: Config['embedding'];
  before(async () => {
    cfg = {
      model: NAME,
      localModelPath: models,
      allowRemoteModels: false,
      cacheDir: await tempDir('dossier-model-cache-'),
      fallback: false,
    };
    embedder = await loadTransformersEmbedder(NAME, cfg);
  });

  test('reports its id and dimensions', () => {
    assert.equal(embedder.id, ID);
    assert.equal(embedder.dims, DIMS);
    assert.match(embedder.label, /dossier-tiny/);
  });

  test('a batch larger than the internal batch size gives one unit vector per text, in order', async () => {
    const texts = Array.from(
      { length: 40 },
      (_, i) => `Article ${i}: the prime minister said trade with Japan grew ${i} percent${' again'.repeat(i % 7)}.`,
    );
    const vectors = await embedder.embedDocuments(texts);
    assert.equal(vectors.length, 40);
    for (const v of vectors) {
      assert.ok(v instanceof Float32Array);
      assert.equal(v.length, DIMS);
      assert.ok(v.every(Number.isFinite));
      assert.ok(Math.abs(norm(v) - 1) <= 1e-5, `L2 norm ${norm(v)} is not 1`);
    }
    // Row i is text i, across the internal batch boundaries (16, 32).
    for (const i of [0, 15, 16, 17, 31, 32, 39]) {
      const [alone] = await embedder.embedDocuments([texts[i]!]);
      assert.ok(maxDiff(vectors[i]!, alone!) < 1e-5, `row ${i} is not the embedding of text ${i}`);
    }
  });

  test('is deterministic, also across loads, and different texts differ', async () => {
    const texts = ['Viet Nam and Japan upgraded their ties.', 'The central bank held interest rates.'];
    const first = await embedder.embedDocuments(texts);
    const second = await embedder.embedDocuments(texts);
    assert.deepEqual(second, first);
    const reloaded = await loadTransformersEmbedder(NAME, { ...cfg, cacheDir: await tempDir('dossier-model-cache-') });
    assert.deepEqual(await reloaded.embedDocuments(texts), first);
    assert.deepEqual(await embedder.embedQuery(texts[0]!), first[0], 'no query prefix for this model');
    assert.ok(maxDiff(first[0]!, first[1]!) > 1e-3, 'different texts gave the same embedding');
  });

  test('mean pooling ignores padding: a text embeds the same alone and next to a much longer one', async () => {
    const short = 'Hello world';
    const long = 'Viet Nam and Japan signed a comprehensive strategic partnership agreement on trade, energy and climate. '.repeat(8);
    const [alone] = await embedder.embedDocuments([short]);
    const [padded, other] = await embedder.embedDocuments([short, long]);
    // The tiny model's hidden states at padded positions are not zero, so this only holds when
    // the attention mask reaches both the model and the pooling.
    assert.ok(maxDiff(alone!, padded!) < 1e-5, `padding changed the embedding by ${maxDiff(alone!, padded!)}`);
    assert.ok(maxDiff(alone!, other!) > 1e-3);
  });
});

describe('config-driven ingest and search with the tiny model', () => {
  test('ingest records the tiny embedder; queries load it; hybrid retrieval has dense scores', async () => {
    const cfg = await testConfig(await tinyEnv());
    const report = await ingest(cfg);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.embedder?.id, ID);
    assert.equal(report.embedder?.dims, DIMS);
    assert.equal(report.embeddedPassages, report.passageCount);

    const snapshot = (await loadSnapshot(cfg.indexDir))!;
    assert.equal(snapshot.manifest.embedder?.id, ID);
    assert.equal(snapshot.manifest.embedder?.dims, DIMS);
    assert.equal(snapshot.vectors!.length, snapshot.table.size * DIMS);

    const searcher = await buildSearcher(new LocalSnapshotReader(snapshot), cfg.embedding);
    assert.deepEqual(searcher.warnings, []);
    assert.equal(searcher.embedder?.id, ID);
    const result = await retrieve(searcher, 'Viet Nam Japan comprehensive strategic partnership', { k: 5 });
    assert.equal(result.mode, 'hybrid');
    assert.ok(result.passages.length > 0);
    for (const p of result.passages) assert.equal(typeof p.denseScore, 'number', 'hybrid passages carry a dense score');
    // Random weights make most passages near-duplicates for diversification; undiversified, k are returned.
    const plain = await retrieve(searcher, 'Viet Nam Japan comprehensive strategic partnership', { k: 5, diversify: false });
    assert.equal(plain.passages.length, 5);
    for (const p of plain.passages) assert.equal(typeof p.denseScore, 'number');
  });
});

describe('embedder fallback chain', () => {
  test('a model missing locally with remote models off falls back to the bundled Universal Sentence Encoder', async () => {
    const cfg = await testConfig(await tinyEnv({ DOSSIER_EMBEDDING_MODEL: 'no-such-model' }));
    const report = await ingest(cfg);
    assert.match(report.embedder?.id ?? '', /^use:/);
    assert.equal(report.embedder?.dims, 512);
    assert.equal(report.embeddedPassages, report.passageCount);
    const warnings = report.warnings.join('\n');
    assert.match(warnings, /Could not load no-such-model in .*tiny-model or from the model hub/);
    assert.match(warnings, /Falling back to the Universal Sentence Encoder/);
    assert.ok(!report.warnings.some((w) => w.startsWith('Semantic search is off')));
    assert.match((await loadSnapshot(cfg.indexDir))!.manifest.embedder!.id, /^use:/);
  });

  test('with DOSSIER_EMBEDDING_FALLBACK=false the index is lexical-only and says so', async () => {
    const cfg = await testConfig(await tinyEnv({ DOSSIER_EMBEDDING_MODEL: 'no-such-model', DOSSIER_EMBEDDING_FALLBACK: 'false' }));
    const report = await ingest(cfg);
    assert.equal(report.embedder, null);
    assert.equal(report.embeddedPassages, 0);
    assert.match(report.warnings[0]!, /Could not load no-such-model/);
    const off = report.warnings.find((w) => w.startsWith('Semantic search is off'));
    assert.match(off ?? '', /no-such-model could not be loaded/);

    const snapshot = (await loadSnapshot(cfg.indexDir))!;
    assert.equal(snapshot.manifest.embedder, null);
    assert.equal(snapshot.vectors, null);
    const searcher = await buildSearcher(new LocalSnapshotReader(snapshot), cfg.embedding);
    assert.equal(searcher.embedder, null);
    assert.ok(
      searcher.warnings.some((w) => w.startsWith('Semantic search is off')),
      'the warning reaches queries',
    );
    assert.equal((await retrieve(searcher, 'Japan trade', { k: 3 })).mode, 'lexical');
  });

  test('DOSSIER_EMBEDDING_MODEL=none builds a lexical index', async () => {
    const cfg = await testConfig(await tinyEnv({ DOSSIER_EMBEDDING_MODEL: 'none' }));
    const report = await ingest(cfg);
    assert.equal(report.embedder, null);
    assert.match(report.warnings.join('\n'), /^Semantic search is off: embeddings are disabled/m);
    assert.equal((await loadSnapshot(cfg.indexDir))!.manifest.embedder, null);
  });

  test('a configuration without a local model folder does not reuse the folder of an earlier load', async () => {
    await loadTransformersEmbedder(NAME, (await testConfig(await tinyEnv())).embedding);
    const env = await tinyEnv({ DOSSIER_EMBEDDING_FALLBACK: 'false' });
    delete env.DOSSIER_LOCAL_MODEL_PATH;
    const choice = await loadEmbedderForIngest((await testConfig(env, { copyCorpus: false })).embedding);
    assert.equal(choice.embedder, null);
    assert.match(choice.warnings.join('\n'), /Could not load dossier-tiny from the model hub/);
  });
});

describe('queries use the embedder that built the index', () => {
  test('whatever the configured model, and degrade to lexical when that embedder is gone', async () => {
    const ownModels = await tempDir('dossier-models-');
    await cp(path.join(models, NAME), path.join(ownModels, NAME), { recursive: true });
    const cfg = await testConfig(await tinyEnv({ DOSSIER_LOCAL_MODEL_PATH: ownModels }));
    assert.equal((await ingest(cfg)).embedder?.id, ID);
    const snapshot = (await loadSnapshot(cfg.indexDir))!;

    // Configured for another model: queries still use the index's own.
    const other = (
      await testConfig(await tinyEnv({ DOSSIER_LOCAL_MODEL_PATH: ownModels, DOSSIER_EMBEDDING_MODEL: 'use' }), { copyCorpus: false })
    ).embedding;
    const searcher = await buildSearcher(new LocalSnapshotReader(snapshot), other);
    assert.deepEqual(searcher.warnings, []);
    assert.equal(searcher.embedder?.id, ID);
    assert.equal(searcher.embedder?.dims, DIMS);
    const hybrid = await retrieve(searcher, 'Japan trade', { k: 3 });
    assert.equal(hybrid.mode, 'hybrid');
    assert.equal(typeof hybrid.passages[0]!.denseScore, 'number');

    // The model folder disappears: semantic search is reported off, retrieval is lexical.
    await rm(path.join(ownModels, NAME), { recursive: true });
    const degraded = await buildSearcher(new LocalSnapshotReader(snapshot), other);
    assert.equal(degraded.embedder, null);
    assert.equal(degraded.warnings.length, 1);
    assert.match(
      degraded.warnings[0]!,
      /^Semantic search is off: the index was built with transformers:dossier-tiny, which cannot be loaded now/,
    );
    const lexical = await retrieve(degraded, 'Japan trade', { k: 3 });
    assert.equal(lexical.mode, 'lexical');
    assert.ok(lexical.passages.length > 0);
    assert.equal(lexical.passages[0]!.denseScore, null);
    assert.deepEqual(lexical.warnings, degraded.warnings);
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Passage } from '@/lib/corpus/chunk';
import { httpLoad } from '@/scripts/lib/bench/http-load';
import { ingest } from '@/lib/ingest';
import { openLocalStore } from '@/lib/store/local/store';
import { copyCollection } from '@/lib/store/postgres/copy';
import { migrate, migrations } from '@/lib/store/postgres/migrations';
import { openPostgresStore, type PostgresStore } from '@/lib/store/postgres/store';
import type { DocumentMeta, StoreReader } from '@/lib/store/types';
import { hashingEmbedder, testConfig } from '@/test/helpers';
import { startPglite, type PgliteServer } from '@/scripts/lib/pglite';
import { startServer, type RunningServer } from '@/scripts/lib/server';
import { storeContract } from '@/test/support/store-contract';

const DIMS = 16;
const embedder = hashingEmbedder(DIMS);
const chunking = { maxTokens: 160, overlapSentences: 1, cleanerVersion: 1 };

/** A small hand-made document whose passages' texts are `texts`; `version` goes into its hash. */
async function makeDoc(id: string, version: string, texts: string[]) {
  const passages: Passage[] = texts.map((text, position) => ({
    id: `${id}#${position}`,
    docId: id,
    position,
    start: 0,
    end: text.length,
    text,
    sentences: [{ start: 0, end: text.length, text }],
  }));
  const doc: DocumentMeta = {
    id,
    file: `${id}.md`,
    title: `Title of ${id}`,
    outlet: 'Báo Test',
    published: '2023-09-20',
    hash: `${id}-${version}`,
    bodyOffset: 0,
    passageCount: passages.length,
  };
  return { doc, body: texts.join('\n'), passages, vectors: await embedder.embedDocuments(texts) };
}

// One PGlite for the file (each takes seconds to start); every test starts from an empty schema.
let server: PgliteServer;
before(async () => {
  server = await startPglite();
});
after(() => server.stop());

async function emptyDatabase(): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await client.end();
  return server.url;
}

async function open(url: string): Promise<PostgresStore> {
  const store = await openPostgresStore(url, { poolSize: 4 });
  after(() => store.reader.close());
  return store;
}

storeContract('PostgreSQL store', async () => {
  const { reader, writer } = await open(await emptyDatabase());
  return { reader: async () => reader, writer };
});

describe('schema migrations', () => {
  test('are applied once, in order, under a lock, and recorded by version', async () => {
    const url = await emptyDatabase();
    // Two app servers starting at once against an empty database.
    await Promise.all([open(url), open(url)]);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    after(() => pool.end());
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      rows.map((r) => r.version),
      migrations.map((m) => m.version),
    );
    assert.deepEqual(await migrate(pool), [], 'a migrated database has nothing left to apply');
    const { rows: tables } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('documents', 'passages', 'postings', 'vectors', 'store_info')`,
    );
    assert.equal(tables[0]!.n, 5);
  });

  test('a database migrated by a newer app is refused with a sentence', async () => {
    const url = await emptyDatabase();
    await open(url);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    after(() => pool.end());
    await pool.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')`);
    await assert.rejects(openPostgresStore(url), /newer version of Dossier/);
  });
});

describe('writing documents', () => {
  let store: PostgresStore;
  let url: string;
  before(async () => {
    url = await emptyDatabase();
    store = await openPostgresStore(url, { poolSize: 4 });
  });
  after(() => store.reader.close());

  const ids = async (reader: StoreReader, docId: string) => (await reader.passagesOf(docId)).map((p) => p.id);

  test('upsert replaces a document and its passages, an unchanged hash is skipped, remove removes everything', async () => {
    const { reader, writer } = store;
    await assert.rejects(reader.info(), { name: 'NoIndexError' });
    assert.equal(await writer.info(), null);

    const v1 = await makeDoc('a', 'v1', [
      'Nguyễn Thưởng met the prime minister in Tokyo.',
      'The zebra treaty was signed.',
      'A third passage.',
    ]);
    let session = await writer.session();
    await session.upsertDocument(v1.doc, v1.body, v1.passages, v1.vectors);
    const firstRevision = await session.commit({
      embedder: { id: embedder.id, label: embedder.label, dims: DIMS },
      chunking,
      warnings: [],
    });
    const info = await reader.info();
    assert.deepEqual([info.documentCount, info.passageCount, info.embedder?.dims], [1, 3, DIMS]);
    assert.deepEqual(await ids(reader, 'a'), ['a#0', 'a#1', 'a#2']);
    assert.deepEqual(await writer.contentHashes(), new Map([['a', 'a-v1']]));
    assert.equal(await reader.documentText('a'), v1.body);
    assert.deepEqual((await reader.document('a'))?.title, 'Title of a');
    const stored = (await reader.vectors(['a#1'])).get('a#1')!;
    assert.deepEqual([...stored], [...v1.vectors[1]!]);

    session = await writer.session();
    await session.upsertDocument(v1.doc, v1.body, v1.passages, v1.vectors);
    const secondRevision = await session.commit({
      embedder: { id: embedder.id, label: embedder.label, dims: DIMS },
      chunking,
      warnings: [],
    });
    assert.equal(
      Number(secondRevision),
      Number(firstRevision) + 1,
      'only the commit moved the revision: the unchanged document was not rewritten',
    );

    const v2 = await makeDoc('a', 'v2', ['Nguyễn Thưởng met the prime minister in Tokyo.', 'Only two passages now.']);
    session = await writer.session();
    await session.upsertDocument(v2.doc, v2.body, v2.passages, v2.vectors);
    await session.commit({ embedder: { id: embedder.id, label: embedder.label, dims: DIMS }, chunking, warnings: [] });
    assert.deepEqual(await ids(reader, 'a'), ['a#0', 'a#1']);
    assert.equal((await reader.passages(['a#1']))[0]!.text, 'Only two passages now.');
    assert.deepEqual(await reader.passages(['a#2']), [], 'the old third passage is gone');
    assert.equal((await reader.vectors(['a#2'])).size, 0);
    assert.equal((await reader.termStats(['zebra'])).df.get('zebra'), 0, 'and so are its postings');

    const b = await makeDoc('b', 'v1', ['Another article.']);
    session = await writer.session();
    await session.upsertDocument(b.doc, b.body, b.passages, b.vectors);
    await session.removeDocument('a');
    await session.commit({ embedder: { id: embedder.id, label: embedder.label, dims: DIMS }, chunking, warnings: [] });
    assert.deepEqual(
      (await reader.documents()).map((d) => d.id),
      ['b'],
    );
    assert.deepEqual(await reader.passages(['a#0', 'b#0']).then((ps) => ps.map((p) => p.id)), ['b#0']);
    assert.equal((await reader.info()).passageCount, 1);
  });

  test('a document whose write fails half-way, or whose writer dies mid-transaction, stays as it was', async () => {
    const { reader, writer } = store;
    const old = await makeDoc('c', 'v1', ['The old first passage.', 'The old second passage.']);
    const commitInfo = { embedder: { id: embedder.id, label: embedder.label, dims: DIMS }, chunking, warnings: [] };
    let session = await writer.session();
    await session.upsertDocument(old.doc, old.body, old.passages, old.vectors);
    await session.commit(commitInfo);

    // The last vector has the wrong dimension: the passages are inserted before it fails.
    const broken = await makeDoc('c', 'v2', ['A new first passage.', 'A new second passage.', 'A new third passage.']);
    broken.vectors[2] = new Float32Array(DIMS + 3).fill(0.1);
    session = await writer.session();
    await session.upsertDocument(broken.doc, broken.body, broken.passages, broken.vectors);
    await assert.rejects(session.commit(commitInfo));
    const unchanged = async () => {
      assert.equal((await writer.contentHashes()).get('c'), 'c-v1');
      assert.deepEqual(
        (await reader.passagesOf('c')).map((p) => p.text),
        ['The old first passage.', 'The old second passage.'],
      );
      assert.equal((await reader.vectors(['c#0', 'c#1', 'c#2'])).size, 2);
    };
    await unchanged();

    // A writer killed mid-document: its connection drops inside the transaction.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`DELETE FROM documents WHERE id = 'c'`);
    await client.query(`INSERT INTO documents (id, file, hash, meta, body) VALUES ('c', 'c.md', 'c-half', '{}', 'half')`);
    client.on('error', () => {}); // "Connection terminated unexpectedly" is the point
    const closed = new Promise((resolve) => client.once('end', resolve));
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await closed;
    await unchanged();
    session = await writer.session();
    await session.removeDocument('c');
    await session.commit(commitInfo);
  });

  test('a rebuild with another embedder replaces the HNSW index of the old dimension; the same dimension keeps its index', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    after(() => pool.end());
    const indexes = async () =>
      (
        await pool.query<{ name: string }>(
          `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'vectors' AND indexname LIKE 'vectors_hnsw%'`,
        )
      ).rows.map((r) => r.name);
    const rebuild = async (dims: number) => {
      const small = hashingEmbedder(dims, `test:hashing-${dims}`);
      const texts = ['A rebuilt passage about rice.', 'Another rebuilt passage.'];
      const d = await makeDoc('r', `dims${dims}`, texts);
      const session = await store.writer.session({ reset: true });
      await session.upsertDocument(d.doc, d.body, d.passages, await small.embedDocuments(texts));
      await session.commit({ embedder: { id: small.id, label: small.label, dims }, chunking, warnings: [] });
      return small;
    };
    await rebuild(8);
    assert.deepEqual(await indexes(), ['vectors_hnsw_8']);
    const small = await rebuild(8);
    assert.deepEqual(await indexes(), ['vectors_hnsw_8']);
    const hits = await store.reader.search({ text: 'rice', vector: await small.embedQuery('rice'), mode: 'hybrid', limit: 5 });
    assert.equal(hits[0]!.passageId, 'r#0');
    await rebuild(DIMS);
    assert.deepEqual(await indexes(), [`vectors_hnsw_${DIMS}`]);
    assert.deepEqual(
      (await store.reader.documents()).map((d) => d.id),
      ['r'],
    );
  });

  test('two ingests writing the same documents at once leave each document whole, old or new', async () => {
    const [one, two] = [await open(url), await open(url)];
    const docIds = Array.from({ length: 6 }, (_, i) => `doc${i}`);
    const write = async (s: PostgresStore, version: string, count: number) => {
      const session = await s.writer.session();
      for (const id of docIds) {
        const d = await makeDoc(
          id,
          version,
          Array.from({ length: count }, (_, i) => `Version ${version} passage ${i} of ${id}.`),
        );
        await session.upsertDocument(d.doc, d.body, d.passages, d.vectors);
      }
      await session.commit({ embedder: { id: embedder.id, label: embedder.label, dims: DIMS }, chunking, warnings: [] });
    };
    await Promise.all([write(one, 'x', 3), write(two, 'y', 5)]);
    const hashes = await one.writer.contentHashes();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    after(() => pool.end());
    const { rows } = await pool.query<{ documents: number; passages: number }>(
      'SELECT (SELECT count(*)::int FROM documents) AS documents, (SELECT count(*)::int FROM passages) AS passages',
    );
    const info = await one.reader.info();
    assert.deepEqual(
      [info.documentCount, info.passageCount],
      [rows[0]!.documents, rows[0]!.passages],
      'the kept counts are the counted ones',
    );
    for (const id of docIds) {
      const version = hashes.get(id)!.split('-')[1]!;
      const passages = await one.reader.passagesOf(id);
      assert.equal(passages.length, version === 'x' ? 3 : 5, `${id} has all the passages of its one version`);
      assert.ok(
        passages.every((p) => p.text.startsWith(`Version ${version} `)),
        `${id} mixes versions`,
      );
      assert.equal((await one.reader.vectors(passages.map((p) => p.id))).size, passages.length);
    }
  });
});

describe('the seed corpus, copied from the local store', () => {
  let store: PostgresStore;
  let local: Awaited<ReturnType<typeof localCollection>>;
  before(async () => {
    local = await localCollection();
    // Fewer candidates than the collection's 41 passages, so fusion works from a part of it as at scale.
    store = await openPostgresStore(await emptyDatabase(), { poolSize: 4, sideCandidates: 15 });
    await copyCollection(local.reader, store.writer);
  });
  after(() => store.reader.close());

  const queries = [
    'When did Vietnam and Japan upgrade their relations?',
    'Thuong Kishida talks in Tokyo',
    'official development assistance ODA loans',
    'How many Vietnamese live in Japan?',
    'semiconductor supply chain cooperation',
  ];

  test("hybrid, lexical and dense search return the local store's passages with its scores", async () => {
    for (const text of queries) {
      const vector = await embedder.embedQuery(text);
      for (const mode of ['hybrid', 'lexical', 'dense'] as const) {
        for (const filter of [undefined, { outlets: ['vov.vn'] }, { from: '2023-11-27', to: '2023-11-30' }]) {
          const q = { text, vector, mode, filter, limit: 10 };
          const [want, got] = [await local.reader.search(q), await store.reader.search(q)];
          // Passages that fuse to 0 (no closer than the median, no query term) tie, in any order.
          const ranked = (cs: typeof got) => cs.filter((c) => c.score > 1e-9).map((c) => c.passageId);
          assert.deepEqual(ranked(got), ranked(want), `${mode} ${JSON.stringify(filter)}: ${text}`);
          assert.equal(got.length, want.length);
          got
            .filter((c) => c.score > 1e-9)
            .forEach((c, i) => {
              assert.ok(Math.abs(c.score - want[i]!.score) < 1e-4);
              assert.ok(Math.abs((c.lexicalScore ?? 0) - (want[i]!.lexicalScore ?? 0)) < 1e-4);
              assert.ok(Math.abs((c.denseScore ?? 0) - (want[i]!.denseScore ?? 0)) < 1e-4);
            });
        }
      }
    }
  });

  test('documents, passages, term statistics and phrases read the same', async () => {
    assert.deepEqual(await store.reader.documents(), await local.reader.documents());
    const scanned = async (r: StoreReader) => {
      const out: Passage[] = [];
      for await (const p of r.scanPassages()) out.push(p);
      return out;
    };
    assert.deepEqual(await scanned(store.reader), await scanned(local.reader));
    const terms = ['vietnam', 'japan', 'thuong', 'zzzz'];
    assert.deepEqual(await store.reader.termStats(terms), await local.reader.termStats(terms));
    const phrases = [['viet', 'nam'], ['prime', 'minister'], ['minister', 'prime'], ['vo', 'van', 'thuong'], ['tokyo']];
    assert.deepEqual(await store.reader.phrasesOccur(phrases), await local.reader.phrasesOccur(phrases));
    const info = await store.reader.info();
    const want = await local.reader.info();
    assert.deepEqual([info.documentCount, info.passageCount, info.embedder], [want.documentCount, want.passageCount, want.embedder]);
  });

  test('accents are folded: "Thuong" finds "Thưởng", and a copy again skips every unchanged document', async () => {
    const hits = await store.reader.passages(
      (await store.reader.search({ text: 'Thuong', vector: null, mode: 'lexical', limit: 10 })).map((c) => c.passageId),
    );
    assert.ok(hits.length > 0 && hits.some((p) => p.text.includes('Thưởng')));
    const again = await copyCollection(local.reader, store.writer);
    assert.equal(again.documents, 0);
    assert.equal(again.skipped, (await local.reader.documents()).length);
  });
});

/** The seed corpus ingested into a local snapshot store with the test embedder. */
async function localCollection() {
  const cfg = await testConfig();
  await ingest(cfg, { embedder: { embedder, warnings: [] } });
  return { cfg, reader: await openLocalStore(cfg.indexDir) };
}

describe('two app servers sharing one database', () => {
  let servers: RunningServer[] = [];
  const questions = [
    'When did Vietnam and Japan upgrade their relations?',
    'What did Kishida and Thuong agree in Tokyo?',
    'How much were the yen loans this fiscal year?',
    'What is the recipe for banana bread?',
  ];
  const ask = async (s: RunningServer, question: string) => {
    const res = await fetch(`${s.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    const { answer, citations, refused } = (await res.json()) as { answer: string; citations: unknown[]; refused: boolean };
    return { status: res.status, answer, citations, refused };
  };

  before(
    async () => {
      // Lexical-only, so the servers need no model: the database is what is under test.
      const cfg = await testConfig();
      await ingest(cfg);
      const store = await openPostgresStore(await emptyDatabase(), { poolSize: 2 });
      await copyCollection(await openLocalStore(cfg.indexDir), store.writer);
      await store.reader.close();
      const env = {
        DOSSIER_DATABASE_URL: server.url,
        DOSSIER_INDEX_DIR: path.join(cfg.indexDir, 'unused'),
        DOSSIER_EMBEDDING_MODEL: 'none',
        DOSSIER_ALLOW_REMOTE_MODELS: 'false',
        DOSSIER_ENGINE: 'local',
      };
      servers = await Promise.all([startServer(env), startServer(env)]);
    },
    { timeout: 5 * 60_000 },
  );
  after(() => Promise.all(servers.map((s) => s.stop())));

  test('answer the same, and a small loopback load on both gets no errors', async () => {
    for (const q of questions) {
      const [a, b] = await Promise.all(servers.map((s) => ask(s, q)));
      assert.equal(a!.status, 200);
      assert.ok(a!.answer);
      assert.deepEqual(b, a, `both servers answer "${q}" alike`);
    }
    const loads = await Promise.all(
      servers.map((s) =>
        httpLoad({
          url: `${s.url}/api/ask`,
          method: 'POST',
          body: (i) => JSON.stringify({ question: questions[i % questions.length] }),
          connections: 4,
          durationMs: 3000,
          maxRequests: 60,
        }),
      ),
    );
    for (const load of loads) {
      assert.equal(load.errors, 0);
      assert.equal(load.non2xx, 0);
      assert.ok(load.requests > 0);
    }
  });
});

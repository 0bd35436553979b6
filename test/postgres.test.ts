import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Passage } from '../lib/corpus/chunk';
import { copyCollection } from '../lib/store/postgres/copy';
import { migrate, migrations } from '../lib/store/postgres/migrations';
import { openPostgresStore, type PostgresStore } from '../lib/store/postgres/store';
import type { DocumentMeta, StoreReader } from '../lib/store/types';
import { hashingEmbedder } from './helpers';
import { startPglite, type PgliteServer } from './support/pglite';

const DIMS = 16;
const embedder = hashingEmbedder(DIMS);
const chunking = { maxTokens: 160, overlapSentences: 1, cleanerVersion: 1 };

/** A small hand-made document whose passages' texts are `texts`; `version` goes into its hash. */
async function makeDoc(id: string, version: string, texts: string[]) {
  const passages: Passage[] = texts.map((text, position) => ({ id: `${id}#${position}`, docId: id, position, start: 0, end: text.length, text, sentences: [{ start: 0, end: text.length, text }] }));
  const doc: DocumentMeta = { id, file: `${id}.md`, title: `Title of ${id}`, outlet: 'Báo Test', published: '2023-09-20', hash: `${id}-${version}`, bodyOffset: 0, passageCount: passages.length };
  return { doc, body: texts.join('\n'), passages, vectors: await embedder.embedDocuments(texts) };
}

async function withServer(): Promise<PgliteServer> {
  const server = await startPglite();
  after(() => server.stop());
  return server;
}

async function open(url: string): Promise<PostgresStore> {
  const store = await openPostgresStore(url, { poolSize: 4 });
  after(() => store.reader.close());
  return store;
}

describe('schema migrations', () => {
  test('are applied once, in order, under a lock, and recorded by version', async () => {
    const { url } = await withServer();
    // Two app servers starting at once against an empty database.
    await Promise.all([open(url), open(url)]);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    after(() => pool.end());
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version));
    assert.deepEqual(await migrate(pool), [], 'a migrated database has nothing left to apply');
    const { rows: tables } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('documents', 'passages', 'postings', 'vectors', 'store_info')`);
    assert.equal(tables[0]!.n, 5);
  });

  test('a database migrated by a newer app is refused with a sentence', async () => {
    const { url } = await withServer();
    await open(url);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    after(() => pool.end());
    await pool.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')`);
    await assert.rejects(openPostgresStore(url), /newer version of Dossier/);
  });
});

describe('writing documents', () => {
  let server: PgliteServer;
  let store: PostgresStore;
  let url: string;
  before(async () => {
    server = await startPglite();
    url = server.url;
    store = await openPostgresStore(url, { poolSize: 4 });
  });
  after(async () => {
    await store.reader.close();
    await server.stop();
  });

  const ids = async (reader: StoreReader, docId: string) => (await reader.passagesOf(docId)).map((p) => p.id);

  test('upsert replaces a document and its passages, an unchanged hash is skipped, remove removes everything', async () => {
    const { reader, writer } = store;
    await assert.rejects(reader.info(), { name: 'NoIndexError' });
    assert.equal(await writer.info(), null);

    const v1 = await makeDoc('a', 'v1', ['Nguyễn Thưởng met the prime minister in Tokyo.', 'The zebra treaty was signed.', 'A third passage.']);
    let session = await writer.session();
    await session.upsertDocument(v1.doc, v1.body, v1.passages, v1.vectors);
    const firstRevision = await session.commit({ embedder: { id: embedder.id, label: embedder.label, dims: DIMS }, chunking, warnings: [] });
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
    assert.equal((await reader.info()).revision, firstRevision, 'an unchanged document is not rewritten');

    const v2 = await makeDoc('a', 'v2', ['Nguyễn Thưởng met the prime minister in Tokyo.', 'Only two passages now.']);
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
    assert.deepEqual((await reader.documents()).map((d) => d.id), ['b']);
    assert.deepEqual(await reader.passages(['a#0', 'b#0']).then((ps) => ps.map((p) => p.id)), ['b#0']);
    assert.equal((await reader.info()).passageCount, 1);
  });

  test('a document whose write fails half-way, or whose writer dies mid-transaction, stays as it was', async () => {
    const { reader, writer } = store;
    const old = await makeDoc('c', 'v1', ['The old first passage.', 'The old second passage.']);
    const session = await writer.session();
    await session.upsertDocument(old.doc, old.body, old.passages, old.vectors);

    // The last vector has the wrong dimension: the passages are inserted before it fails.
    const broken = await makeDoc('c', 'v2', ['A new first passage.', 'A new second passage.', 'A new third passage.']);
    broken.vectors[2] = new Float32Array(DIMS + 3).fill(0.1);
    await assert.rejects(session.upsertDocument(broken.doc, broken.body, broken.passages, broken.vectors));
    const unchanged = async () => {
      assert.equal((await writer.contentHashes()).get('c'), 'c-v1');
      assert.deepEqual((await reader.passagesOf('c')).map((p) => p.text), ['The old first passage.', 'The old second passage.']);
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
    await session.removeDocument('c');
  });

  test('two ingests writing the same documents at once leave each document whole, old or new', async () => {
    const [one, two] = [await open(url), await open(url)];
    const docIds = Array.from({ length: 6 }, (_, i) => `doc${i}`);
    const write = async (s: PostgresStore, version: string, count: number) => {
      const session = await s.writer.session();
      for (const id of docIds) {
        const d = await makeDoc(id, version, Array.from({ length: count }, (_, i) => `Version ${version} passage ${i} of ${id}.`));
        await session.upsertDocument(d.doc, d.body, d.passages, d.vectors);
      }
      await session.commit({ embedder: { id: embedder.id, label: embedder.label, dims: DIMS }, chunking, warnings: [] });
    };
    await Promise.all([write(one, 'x', 3), write(two, 'y', 5)]);
    const hashes = await one.writer.contentHashes();
    for (const id of docIds) {
      const version = hashes.get(id)!.split('-')[1]!;
      const passages = await one.reader.passagesOf(id);
      assert.equal(passages.length, version === 'x' ? 3 : 5, `${id} has all the passages of its one version`);
      assert.ok(passages.every((p) => p.text.startsWith(`Version ${version} `)), `${id} mixes versions`);
      assert.equal((await one.reader.vectors(passages.map((p) => p.id))).size, passages.length);
    }
  });
});

import type { Pool } from 'pg';

/**
 * The schema, as numbered migrations applied in order and recorded in `schema_migrations`. A
 * migration, once released, is never edited: a change to the schema is a new entry at the end.
 * Every statement must run on PostgreSQL 15+ with pgvector 0.7+ (the tests run them on PGlite).
 */
export const migrations: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'documents, passages, postings, vectors',
    sql: `
      CREATE EXTENSION IF NOT EXISTS vector;

      -- One row: what the collection was built with (embedder, chunking, time, warnings; null
      -- until the first ingest commits), a revision every write moves on, for readers' caches, and
      -- the counts every request and BM25 query need, kept by the writers rather than counted.
      CREATE TABLE store_info (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        info jsonb,
        revision bigint NOT NULL DEFAULT 0,
        document_count integer NOT NULL DEFAULT 0,
        passage_count integer NOT NULL DEFAULT 0,
        term_total bigint NOT NULL DEFAULT 0
      );
      INSERT INTO store_info DEFAULT VALUES;

      CREATE TABLE documents (
        id text PRIMARY KEY,
        file text NOT NULL,
        hash text NOT NULL,
        meta jsonb NOT NULL,
        body text NOT NULL,
        -- Filter columns: the outlet folded like the query's, the date as YYYY-MM-DD text.
        outlet_folded text,
        published text
      );
      CREATE INDEX documents_file ON documents (file COLLATE "C", id COLLATE "C");

      CREATE TABLE passages (
        id text PRIMARY KEY,
        doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        position integer NOT NULL,
        start_offset integer NOT NULL,
        end_offset integer NOT NULL,
        text text NOT NULL,
        sentences jsonb NOT NULL,
        -- The passage's folded words joined by spaces (text/normalize words): phrase look-ups.
        words text NOT NULL,
        words_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, words)) STORED,
        -- Number of index terms, BM25's document length.
        term_count integer NOT NULL,
        -- 0..1023 from the id: a stable sample for the dense-score median on large collections.
        bucket smallint NOT NULL,
        UNIQUE (doc_id, position)
      );
      CREATE INDEX passages_words ON passages USING gin (words_tsv);

      -- BM25 postings over the app's folded terms, so lexical scores equal the local store's.
      CREATE TABLE postings (
        term text NOT NULL,
        passage_id text NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
        tf integer NOT NULL,
        PRIMARY KEY (term, passage_id)
      );
      CREATE INDEX postings_passage ON postings (passage_id);

      -- Unit vectors. The dimension is the embedder's, known at the first ingest: the HNSW index
      -- is built then, over the column cast to vector(dims) (see store.ts).
      CREATE TABLE vectors (
        passage_id text PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE,
        embedding vector NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'sentence analyses',
    sql: `
      -- Each passage's sentences' tokens and typed spans (lib/text/analysis, its binary form), so
      -- answering never runs the tagger over the collection. Null for passages written before.
      ALTER TABLE passages ADD COLUMN analyses bytea;
    `,
  },
];

/** Any fixed 64-bit key: every app server and ingest that migrates takes the same one. */
const MIGRATION_LOCK = 0x646f7373696572n; // "dossier"

/** Applies the migrations this database lacks, in one transaction under an advisory lock. Returns the versions applied. */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    const latest = migrations.at(-1)!.version;
    if (newest > latest)
      throw new Error(
        `The database was set up by a newer version of Dossier (schema ${newest}; this one knows up to ${latest}). Upgrade the app.`,
      );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

import pg from 'pg';
import type { Passage } from '@/lib/corpus/chunk';
import { fuseScores } from '@/lib/store/fuse';
import { AnalysisFormatError, decodeAnalyses, encodeAnalyses, type Analysis } from '@/lib/text/analysis';
import { fold, terms, trimEndOf, words } from '@/lib/text/normalize';
import {
  IndexError,
  NoIndexError,
  type Candidate,
  type CommitInfo,
  type DocumentFilter,
  type DocumentMeta,
  type SearchQuery,
  type StoreInfo,
  type StoreReader,
  type StoreWriter,
  type TermStats,
  type WriteSession,
} from '@/lib/store/types';
import { migrate } from './migrations';

/**
 * The collection in PostgreSQL with pgvector, for several app servers sharing one collection
 * that none of them holds in memory. Lexical scores are BM25 computed in SQL from postings of the
 * app's own folded terms, so they equal the local store's; dense candidates come from an HNSW
 * index; both are fused in the app with the local store's fusion.
 */

// BM25 parameters of the local store (lib/store/local/bm25.ts).
const K1 = 1.2;
const B = 0.75;
/** Candidates taken from each side before fusion, by default; the fused top `limit` (≤ 50) is drawn from their union. */
const SIDE_CANDIDATES = 400;
/** How deep the lists may go when their first candidates cannot settle the fused top (flat, undecided queries). */
const MAX_DEPTH = 800;
/** The local fusion takes the dense median over every passage up to this many, over a sample beyond. */
const MEDIAN_SAMPLE = 4096;
const BUCKETS = 1024;
/** Documents per round trip when scanning the whole collection. */
const SCAN_BATCH = 50;
/** One key for every writer of a database: documents are written one transaction at a time. */
const WRITE_LOCK = 0x646f73732d7772n;

const noIndex = () => new NoIndexError('No index found. Run `npm run ingest` to build it.');

/** A stable 0..1023 bucket from a passage id (FNV-1a), so the median's sample does not change between queries. */
function bucketOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
}

const vectorLiteral = (v: Float32Array | number[]) => `[${Array.from(v).join(',')}]`;

function checkedDims(dims: number): number {
  // Interpolated into SQL as a type modifier (it cannot be a parameter): a validated integer only.
  if (!Number.isInteger(dims) || dims < 1 || dims > 16_000) throw new Error(`An embedding dimension of ${dims} cannot be stored.`);
  return dims;
}

type PassageRow = {
  id: string;
  doc_id: string;
  position: number;
  start_offset: number;
  end_offset: number;
  text: string;
  sentences: Passage['sentences'];
};
const PASSAGE_COLUMNS = 'id, doc_id, position, start_offset, end_offset, text, sentences';
const toPassage = (r: PassageRow): Passage => ({
  id: r.id,
  docId: r.doc_id,
  position: r.position,
  start: r.start_offset,
  end: r.end_offset,
  text: r.text,
  sentences: r.sentences,
});

/** The filter as SQL over `documents d`, with its parameters numbered from `first`. */
function filterSql(filter: DocumentFilter | undefined, first: number): { sql: string; params: unknown[] } {
  const outlets = filter?.outlets?.length ? filter.outlets.map(fold) : null;
  const docIds = filter?.docIds?.length ? filter.docIds : null;
  const from = filter?.from || null;
  const to = filter?.to || null;
  if (!outlets && !docIds && !from && !to) return { sql: 'true', params: [] };
  const [o, i, f, t] = [first, first + 1, first + 2, first + 3];
  return {
    sql: `($${o}::text[] IS NULL OR d.outlet_folded = ANY($${o}::text[]))
      AND ($${i}::text[] IS NULL OR d.id = ANY($${i}::text[]))
      AND ($${f}::text IS NULL OR d.published COLLATE "C" >= $${f}::text)
      AND ($${t}::text IS NULL OR d.published COLLATE "C" <= $${t}::text)`,
    params: [outlets, docIds, from, to],
  };
}

/**
 * BM25 of the query's terms, exactly as the local store computes it (idf over the whole
 * collection). The collection's counts are scalar subqueries, not a joined CTE: joined, a planner
 * without fresh statistics joined every posting before filtering by term (5× slower on PGlite).
 */
function bm25Sql(filter: string, first: number, onlyIds: boolean): string {
  return `
    WITH q AS (SELECT DISTINCT unnest($${first}::text[]) AS term),
    w AS (
      SELECT po.term, ln(1 + ((SELECT passage_count FROM store_info) - count(*) + 0.5) / (count(*) + 0.5)) AS idf
      FROM postings po JOIN q USING (term) GROUP BY po.term
    )
    SELECT po.passage_id AS id,
      sum(w.idf * po.tf * ${K1 + 1} / (po.tf + ${K1} * (1 - ${B} + ${B} * p.term_count
        / (SELECT coalesce(nullif(term_total::float8 / nullif(passage_count, 0), 0), 1) FROM store_info))))::float8 AS score
    FROM w JOIN postings po USING (term)
      JOIN passages p ON p.id = po.passage_id
      JOIN documents d ON d.id = p.doc_id
    WHERE ${filter} ${onlyIds ? `AND po.passage_id = ANY($${first + 1}::text[])` : ''}
    GROUP BY po.passage_id
    ORDER BY score DESC, po.passage_id
    LIMIT $${onlyIds ? first + 2 : first + 1}`;
}

type InfoRow = {
  info: Omit<StoreInfo, 'documentCount' | 'passageCount' | 'revision'> | null;
  revision: string;
  documents: number;
  passages: number;
};

async function infoOrNull(pool: pg.Pool): Promise<StoreInfo | null> {
  const { rows } = await pool.query<InfoRow>(
    'SELECT info, revision::text AS revision, document_count AS documents, passage_count AS passages FROM store_info',
  );
  const row = rows[0];
  if (!row?.info) return null;
  return { ...row.info, documentCount: row.documents, passageCount: row.passages, revision: row.revision };
}

export class PostgresReader implements StoreReader {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sideCandidates: number,
    private readonly onClose?: () => void,
  ) {}

  async info(): Promise<StoreInfo> {
    const info = await infoOrNull(this.pool);
    if (!info) throw noIndex();
    return info;
  }

  async documents(): Promise<DocumentMeta[]> {
    const { rows } = await this.pool.query<{ meta: DocumentMeta }>('SELECT meta FROM documents ORDER BY file COLLATE "C", id COLLATE "C"');
    return rows.map((r) => r.meta);
  }

  async document(id: string): Promise<DocumentMeta | null> {
    const { rows } = await this.pool.query<{ meta: DocumentMeta }>('SELECT meta FROM documents WHERE id = $1', [id]);
    return rows[0]?.meta ?? null;
  }

  async documentText(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ body: string }>('SELECT body FROM documents WHERE id = $1', [id]);
    return rows[0]?.body ?? null;
  }

  async passages(ids: string[]): Promise<Passage[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<PassageRow>(`SELECT ${PASSAGE_COLUMNS} FROM passages WHERE id = ANY($1::text[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, toPassage(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async passagesOf(docId: string): Promise<Passage[]> {
    const { rows } = await this.pool.query<PassageRow>(`SELECT ${PASSAGE_COLUMNS} FROM passages WHERE doc_id = $1 ORDER BY position`, [
      docId,
    ]);
    return rows.map(toPassage);
  }

  async *scanPassages(): AsyncIterable<Passage> {
    const { rows: docs } = await this.pool.query<{ id: string }>('SELECT id FROM documents ORDER BY file COLLATE "C", id COLLATE "C"');
    for (let i = 0; i < docs.length; i += SCAN_BATCH) {
      const ids = docs.slice(i, i + SCAN_BATCH).map((d) => d.id);
      const { rows } = await this.pool.query<PassageRow>(
        `SELECT ${PASSAGE_COLUMNS} FROM passages WHERE doc_id = ANY($1::text[]) ORDER BY array_position($1::text[], doc_id), position`,
        [ids],
      );
      for (const r of rows) yield toPassage(r);
    }
  }

  async sentenceAnalyses(ids: string[]): Promise<Map<string, Analysis[]>> {
    const out = new Map<string, Analysis[]>();
    if (ids.length === 0) return out;
    const { rows } = await this.pool.query<{ id: string; sentences: Passage['sentences']; analyses: Buffer }>(
      'SELECT id, sentences, analyses FROM passages WHERE id = ANY($1::text[]) AND analyses IS NOT NULL',
      [ids],
    );
    for (const r of rows) {
      try {
        out.set(
          r.id,
          decodeAnalyses(
            r.analyses,
            r.sentences.map((s) => s.text),
          ),
        );
      } catch (error) {
        if (!(error instanceof AnalysisFormatError)) throw error;
        throw new IndexError(`Passage ${r.id} in the database has damaged sentence analyses (${error.message}); re-ingest its article.`);
      }
    }
    return out;
  }

  async vectors(ids: string[]): Promise<Map<string, Float32Array>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: string; v: number[] }>(
      'SELECT passage_id AS id, embedding::real[] AS v FROM vectors WHERE passage_id = ANY($1::text[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, Float32Array.from(r.v)]));
  }

  async termStats(list: string[]): Promise<TermStats> {
    const { rows } = await this.pool.query<{ term: string; df: number }>(
      'SELECT term, count(*)::int AS df FROM postings WHERE term = ANY($1::text[]) GROUP BY term',
      [[...new Set(list)]],
    );
    const { rows: count } = await this.pool.query<{ n: number }>('SELECT passage_count AS n FROM store_info');
    const df = new Map(list.map((t) => [t, 0]));
    for (const r of rows) df.set(r.term, r.df);
    return { passageCount: count[0]!.n, df };
  }

  async phrasesOccur(phrases: string[][]): Promise<boolean[]> {
    if (phrases.length === 0) return [];
    // The GIN index finds passages holding the words in sequence; the substring check makes it
    // exact, since the text-search parser's tokens need not be the app's words.
    const { rows } = await this.pool.query<{ found: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM passages
         WHERE words_tsv @@ phraseto_tsquery('simple'::regconfig, q.phrase)
           AND strpos(' ' || words || ' ', ' ' || q.phrase || ' ') > 0
       ) AS found
       FROM unnest($1::text[]) WITH ORDINALITY AS q(phrase, n) ORDER BY q.n`,
      [phrases.map((p) => p.join(' '))],
    );
    return rows.map((r) => r.found);
  }

  async search(q: SearchQuery): Promise<Candidate[]> {
    q.signal?.throwIfAborted();
    const info = await this.info();
    if (q.mode !== 'lexical' && (!q.vector || !info.embedder))
      throw new Error(`A ${q.mode} search needs a query vector and a collection with vectors.`);
    const dims = info.embedder ? checkedDims(info.embedder.dims) : 0;
    const useDense = q.mode !== 'lexical';
    const useLexical = q.mode !== 'dense';
    const queryTerms = [...new Set(terms(q.text))];
    const filter = filterSql(q.filter, 1);
    const vector = useDense ? vectorLiteral(q.vector!) : null;

    let median = 0;
    for (let depth = this.sideCandidates; ; depth *= 2) {
      const lexicalTop =
        useLexical && queryTerms.length
          ? (
              await this.pool.query<{ id: string; score: number }>(bm25Sql(filter.sql, filter.params.length + 1, false), [
                ...filter.params,
                queryTerms,
                depth,
              ])
            ).rows
          : [];
      const denseTop = useDense ? await this.denseCandidates(vector!, dims, depth, q.filter, filter) : [];
      q.signal?.throwIfAborted();

      const ids = [...new Set([...lexicalTop.map((r) => r.id), ...denseTop.map((r) => r.id)])];
      if (ids.length === 0) return [];
      const lexical = useLexical ? new Float64Array(ids.length) : null;
      const dense = useDense ? new Float64Array(ids.length) : null;
      const row = new Map(ids.map((id, i) => [id, i]));
      if (lexical) {
        for (const r of lexicalTop) lexical[row.get(r.id)!] = r.score;
        const inLexical = new Set(lexicalTop.map((r) => r.id));
        const missing = denseTop.filter((r) => !inLexical.has(r.id)).map((r) => r.id);
        if (missing.length && queryTerms.length) {
          const { rows } = await this.pool.query<{ id: string; score: number }>(bm25Sql('true', 1, true), [
            queryTerms,
            missing,
            missing.length,
          ]);
          for (const r of rows) lexical[row.get(r.id)!] = r.score;
        }
      }
      if (dense) {
        const { rows } = await this.pool.query<{ id: string; score: number }>(
          'SELECT passage_id AS id, (-(embedding <#> $1::vector))::float8 AS score FROM vectors WHERE passage_id = ANY($2::text[])',
          [vector, ids],
        );
        for (const r of rows) dense[row.get(r.id)!] = r.score;
        if (depth === this.sideCandidates) median = await this.denseMedian(vector!, info.passageCount, q.filter);
      }
      q.signal?.throwIfAborted();

      const fused = fuseWithMedian(lexical, dense, median);
      const ranked = ids
        .map((passageId, i) => ({
          passageId,
          score: fused[i]!,
          lexicalScore: lexical ? lexical[i]! : null,
          denseScore: dense ? dense[i]! : null,
        }))
        .filter((c) => q.mode !== 'lexical' || c.score > 0)
        .sort((a, b) => b.score - a.score || (a.passageId < b.passageId ? -1 : 1))
        .slice(0, q.limit);
      // Fagin's threshold: a passage in neither list scores at most the lexical side's last
      // score and the dense side's last cosine, normalised as fusion does, so its fused score
      // (a convex combination of the two) is at most the larger. Below the last pick's score, the
      // picks are the whole collection's; otherwise both lists go deeper. One list alone ranks by
      // its own order and is always exact. (A list shorter than asked holds every candidate there
      // is: HNSW returns as many rows as asked while ef_search is at least that many.)
      const lastLexical = lexicalTop.length === depth ? lexicalTop.at(-1)!.score / Math.max(...lexicalTop.map((r) => r.score)) : 0;
      const bestDense = dense ? Math.max(...dense) : 0;
      const lastDense =
        dense && denseTop.length === depth ? Math.max(0, (dense[row.get(denseTop.at(-1)!.id)!]! - median) / (bestDense - median || 1)) : 0;
      const bound = Math.max(lastLexical, lastDense);
      const settled = !lexical || !dense || bound === 0 || (ranked.length === q.limit && ranked.at(-1)!.score >= bound);
      if (settled || 2 * depth > MAX_DEPTH) return ranked;
    }
  }

  private async denseCandidates(
    vector: string,
    dims: number,
    depth: number,
    filter: DocumentFilter | undefined,
    where: { sql: string; params: unknown[] },
  ) {
    const n = where.params.length;
    // Unfiltered, the ORDER BY matches the HNSW index's expression; filtered, the allowed
    // passages are scanned exactly (an HNSW scan filtered afterwards may return too few rows).
    const sql =
      where.sql === 'true'
        ? `SELECT passage_id AS id FROM vectors ORDER BY embedding::vector(${dims}) <=> $1::vector(${dims}) LIMIT $2`
        : `SELECT v.passage_id AS id FROM vectors v JOIN passages p ON p.id = v.passage_id JOIN documents d ON d.id = p.doc_id
         WHERE ${filterSql(filter, 3).sql} ORDER BY v.embedding <#> $1::vector LIMIT $2`;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The index's search breadth must exceed the rows asked for, or it returns fewer.
      await client.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, 2 * depth)}`);
      const { rows } = await client.query<{ id: string }>(sql, n ? [vector, depth, ...where.params] : [vector, depth]);
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** The median cosine of the allowed passages, over a stable sample of about 4096 on large collections. */
  private async denseMedian(vector: string, passageCount: number, filter: DocumentFilter | undefined): Promise<number> {
    const where = filterSql(filter, 3);
    const upTo = where.sql !== 'true' || passageCount < 2 * MEDIAN_SAMPLE ? BUCKETS : Math.ceil((BUCKETS * MEDIAN_SAMPLE) / passageCount);
    const { rows } = await this.pool.query<{ score: number }>(
      `SELECT score FROM (
         SELECT s.score, row_number() OVER (ORDER BY s.score) - 1 AS i, count(*) OVER () AS n
         FROM (SELECT (-(v.embedding <#> $1::vector))::float8 AS score
               FROM vectors v JOIN passages p ON p.id = v.passage_id JOIN documents d ON d.id = p.doc_id
               WHERE p.bucket < $2 AND ${where.sql}) s
       ) ranked WHERE i = n / 2`,
      [vector, upTo, ...where.params],
    );
    return rows[0]?.score ?? 0;
  }

  async close(): Promise<void> {
    this.onClose?.();
    await this.pool.end();
  }
}

/** Writes documents one transaction each: readers see every document old or new, never half. */
export class PostgresWriter implements StoreWriter {
  constructor(private readonly pool: pg.Pool) {}

  info(): Promise<StoreInfo | null> {
    return infoOrNull(this.pool);
  }

  async contentHashes(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ id: string; hash: string }>('SELECT id, hash FROM documents');
    return new Map(rows.map((r) => [r.id, r.hash]));
  }

  /**
   * A session gathers its writes and publishes them at commit, so an aborted (or killed) ingest
   * publishes nothing. An incremental commit writes each document in its own transaction: a
   * reader, or a commit killed half-way, sees every document old or new, never half, and what was
   * committed stays. A reset (a rebuild) is one transaction: readers see the old collection until
   * the new one is whole.
   */
  async session(options: { reset?: boolean } = {}): Promise<WriteSession> {
    type Change = { remove: string } | DocumentWrite;
    const changes: Change[] = [];
    let open = true;
    const live = () => {
      if (!open) throw new Error('This write session is already committed or aborted.');
    };
    return {
      upsertDocument: async (doc, body, passages, vectors, perSentence) => {
        live();
        if (vectors && vectors.length !== passages.length)
          throw new Error(`Document ${doc.id} has ${passages.length} passages but ${vectors.length} vectors.`);
        changes.push({ doc, body, passages, vectors, analyses: perSentence?.analyses ?? null });
      },
      removeDocument: async (id) => {
        live();
        changes.push({ remove: id });
      },
      commit: async (info) => {
        live();
        open = false;
        const apply = (c: pg.PoolClient, change: Change) =>
          'remove' in change ? removeDocument(c, change.remove) : upsertDocument(c, change);
        if (options.reset) {
          return this.inTransaction(async (c) => {
            const { rows } = await c.query<{ dims: number }>('SELECT vector_dims(embedding) AS dims FROM vectors LIMIT 1');
            // Rows deleted in this transaction still go into an index it builds, and old vectors of
            // another dimension would fail the new index's cast: those go with TRUNCATE, which locks
            // readers out until the rebuild commits (a new embedding model is a rare event).
            if (info.embedder && rows[0] && rows[0].dims !== info.embedder.dims)
              await c.query('TRUNCATE documents, passages, postings, vectors');
            else await c.query('DELETE FROM documents');
            await c.query('UPDATE store_info SET document_count = 0, passage_count = 0, term_total = 0');
            await dropVectorIndexes(c, info.embedder ? checkedDims(info.embedder.dims) : null);
            for (const change of changes) await apply(c, change);
            return commitInfo(c, info);
          });
        }
        for (const change of changes) await this.inTransaction((c) => apply(c, change));
        return this.inTransaction((c) => commitInfo(c, info));
      },
      abort: async () => {
        open = false;
        changes.length = 0;
      },
    };
  }

  /** Runs `work` in one transaction holding the write lock, so writers never interleave within a document. */
  private async inTransaction<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK.toString()]);
      const out = await work(client);
      await client.query('COMMIT');
      return out;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Removes a document (its passages, postings and vectors go with it) and takes it out of the counts. */
async function removeDocument(c: pg.PoolClient, id: string): Promise<void> {
  const { rows } = await c.query<{ passages: number; terms: string }>(
    'SELECT count(*)::int AS passages, coalesce(sum(term_count), 0)::bigint AS terms FROM passages WHERE doc_id = $1',
    [id],
  );
  const { rowCount } = await c.query('DELETE FROM documents WHERE id = $1', [id]);
  if (!rowCount) return;
  await c.query(
    `UPDATE store_info SET revision = revision + 1, document_count = document_count - 1,
    passage_count = passage_count - $1, term_total = term_total - $2`,
    [rows[0]!.passages, rows[0]!.terms],
  );
}

type DocumentWrite = {
  doc: DocumentMeta;
  body: string;
  passages: Passage[];
  vectors: Float32Array[] | null;
  analyses: Analysis[][] | null;
};

async function upsertDocument(c: pg.PoolClient, { doc, body, passages, vectors, analyses }: DocumentWrite): Promise<void> {
  const { rows } = await c.query<{ hash: string }>('SELECT hash FROM documents WHERE id = $1', [doc.id]);
  // Another ingest may have written the same content since this one read the hashes.
  if (rows[0]?.hash === doc.hash) return;
  await removeDocument(c, doc.id);
  await c.query(`INSERT INTO documents (id, file, hash, meta, body, outlet_folded, published) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    doc.id,
    doc.file,
    doc.hash,
    doc,
    body,
    doc.outlet ? fold(doc.outlet) : null,
    doc.published ?? null,
  ]);
  const counted = passages.map((p) => {
    const tf = new Map<string, number>();
    for (const t of terms(p.text)) tf.set(t, (tf.get(t) ?? 0) + 1);
    return tf;
  });
  const termCounts = counted.map((tf) => [...tf.values()].reduce((a, n) => a + n, 0));
  await c.query(
    `INSERT INTO passages (id, doc_id, position, start_offset, end_offset, text, sentences, words, term_count, bucket, analyses)
     SELECT id, $1, position, s, e, text, sentences::jsonb, words, term_count, bucket, analyses
     FROM unnest($2::text[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[], $11::bytea[])
       AS t(id, position, s, e, text, sentences, words, term_count, bucket, analyses)`,
    [
      doc.id,
      passages.map((p) => p.id),
      passages.map((p) => p.position),
      passages.map((p) => p.start),
      passages.map((p) => p.end),
      passages.map((p) => p.text),
      passages.map((p) => JSON.stringify(p.sentences.map(({ start, end, text }) => ({ start, end, text })))),
      passages.map((p) => words(p.text).join(' ')),
      termCounts,
      passages.map((p) => bucketOf(p.id)),
      passages.map((p, i) => {
        const list = analyses?.[i];
        return list?.length === p.sentences.length ? Buffer.from(encodeAnalyses(list)) : null;
      }),
    ],
  );
  const postings = passages.flatMap((p, i) => [...counted[i]!].map(([term, tf]) => ({ term, id: p.id, tf })));
  await c.query('INSERT INTO postings (term, passage_id, tf) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])', [
    postings.map((x) => x.term),
    postings.map((x) => x.id),
    postings.map((x) => x.tf),
  ]);
  if (vectors) {
    await c.query('INSERT INTO vectors (passage_id, embedding) SELECT id, v::vector FROM unnest($1::text[], $2::text[]) AS t(id, v)', [
      passages.map((p) => p.id),
      vectors.map(vectorLiteral),
    ]);
  }
  await c.query(
    `UPDATE store_info SET revision = revision + 1, document_count = document_count + 1,
    passage_count = passage_count + $1, term_total = term_total + $2`,
    [passages.length, termCounts.reduce((a, n) => a + n, 0)],
  );
}

async function commitInfo(c: pg.PoolClient, info: CommitInfo): Promise<string> {
  // Built once the vectors are in (faster than growing it row by row from empty); later ingests
  // add to it. One index per dimension, over the column cast to it.
  if (info.embedder) {
    const dims = checkedDims(info.embedder.dims);
    await c.query(`CREATE INDEX IF NOT EXISTS vectors_hnsw_${dims} ON vectors USING hnsw ((embedding::vector(${dims})) vector_cosine_ops)`);
  }
  // Fresh statistics for the planner after a bulk write (autovacuum may not have run yet).
  await c.query('ANALYZE documents, passages, postings, vectors');
  const { rows } = await c.query<{ revision: string }>(
    'UPDATE store_info SET info = $1, revision = revision + 1 RETURNING revision::text AS revision',
    [{ embedder: info.embedder, chunking: info.chunking, warnings: info.warnings, builtAt: new Date().toISOString() }],
  );
  return rows[0]!.revision;
}

/**
 * Drops the HNSW indexes of other dimensions, whose casts the new vectors would fail. The index of
 * the same dimension stays: dropping it would lock out every dense query until the rebuild commits.
 */
async function dropVectorIndexes(c: pg.PoolClient, keepDims: number | null): Promise<void> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'vectors' AND indexname LIKE 'vectors\\_hnsw\\_%'`,
  );
  for (const r of rows) if (r.name !== `vectors_hnsw_${keepDims}`) await c.query(`DROP INDEX ${pg.escapeIdentifier(r.name)}`);
}

/**
 * The local store's fusion over the union of both sides' candidates. Its dense side is rescaled
 * from the median cosine of all allowed passages, which the candidates alone would overstate: the
 * union is padded with more copies of the collection's median than it has rows, which makes that
 * median theirs, and the padding (0 lexical, the median's cosine) fuses to 0 and is cut off.
 */
function fuseWithMedian(lexical: Float64Array | null, dense: Float64Array | null, median: number): Float64Array {
  const n = (lexical ?? dense)!.length;
  if (!dense) return fuseScores({ lexical, dense: null, allowed: null });
  const padded = (scores: Float64Array, fill: number) => {
    const out = new Float64Array(2 * n + 1).fill(fill);
    out.set(scores);
    return out;
  };
  return fuseScores({ lexical: lexical && padded(lexical, 0), dense: padded(dense, median), allowed: null }).subarray(0, n);
}

export type PostgresStore = { reader: PostgresReader; writer: PostgresWriter };

export type PostgresOptions = {
  /**
   * Connections per app server. A real server takes a normal pool; PGlite's socket server runs
   * every connection's queries on its one backend in turn, so more buys nothing there.
   */
  poolSize?: number;
  /** Candidates from each of the lexical and the dense side before fusion (default 400, at most MAX_DEPTH). */
  sideCandidates?: number;
};

/**
 * Opens the collection at a postgres:// URL, creating or migrating its schema first. The reader
 * and the writer share one pool: closing either closes it.
 */
export async function openPostgresStore(url: string, options: PostgresOptions = {}, onClose?: () => void): Promise<PostgresStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, allowExitOnIdle: true });
  // An idle connection the server dropped must not take the process down with it.
  pool.on('error', () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    // The message reaches HTTP clients: a network error's text names the host, so only its code goes.
    const e = error as Error & { syscall?: string; code?: string };
    const why = e.syscall ? (e.code ?? e.syscall) : trimEndOf(e.message, '.');
    throw new IndexError(
      `The collection's database (DOSSIER_DATABASE_URL) cannot be used: ${why}. It must be PostgreSQL 15+ with the pgvector extension.`,
      { cause: error },
    );
  }
  return {
    reader: new PostgresReader(pool, Math.min(MAX_DEPTH, options.sideCandidates ?? SIDE_CANDIDATES), onClose),
    writer: new PostgresWriter(pool),
  };
}

// Cached on globalThis so Next.js dev-server reloads and every request share one pool per database.
const readers = globalThis as typeof globalThis & { __dossierPostgres?: Map<string, Promise<PostgresReader>> };

/** The process's reader of the database at `url`: one pool, migrated once. */
export function postgresReader(url: string, options: PostgresOptions = {}): Promise<PostgresReader> {
  readers.__dossierPostgres ??= new Map();
  let reader = readers.__dossierPostgres.get(url);
  if (!reader) {
    reader = openPostgresStore(url, options, () => readers.__dossierPostgres?.delete(url)).then((s) => s.reader);
    readers.__dossierPostgres.set(url, reader);
    // A database that was down is tried again by the next request.
    reader.catch(() => readers.__dossierPostgres?.delete(url));
  }
  return reader;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}

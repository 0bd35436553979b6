import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AnalysisFormatError, decodeAnalyses, type Analysis } from '@/lib/text/analysis';
import { fold, terms, words } from '@/lib/text/normalize';
import { fuseScores } from '@/lib/store/fuse';
import { topIndices } from '@/lib/store/rank';
import {
  IndexError,
  NoIndexError,
  type Candidate,
  type CommitInfo,
  type DocumentFilter,
  type DocumentMeta,
  type Passage,
  type PerSentence,
  type SearchQuery,
  type StoreInfo,
  type StoreReader,
  type StoreWriter,
  type TermStats,
  type WriteSession,
} from '@/lib/store/types';
import { Bm25 } from './bm25';
import { cosineScan } from './dense';
import { INDEX_FORMAT, type Manifest } from './manifest';
import {
  currentSnapshotName,
  loadSnapshot,
  readAllAnalysis,
  readAnalysisBytes,
  readBodies,
  readBody,
  rebuildHint,
  removeStaleTemporaries,
  writeSnapshot,
  type Snapshot,
} from './snapshot';
import { TableBuilder, type Table } from './table';

/** Passages decoded between two turns of the event loop in a whole-collection scan (a few milliseconds). */
const SCAN_SLICE = 2000;

// No folder in the message: it reaches HTTP clients, who have no business knowing the server's paths.
const noIndex = () => new NoIndexError('No index found. Run `npm run ingest` to build it.');

function infoOf(name: string, m: Manifest): StoreInfo {
  return {
    embedder: m.embedder,
    chunking: m.chunking,
    builtAt: m.builtAt,
    documentCount: m.documents.length,
    passageCount: m.passageCount,
    warnings: m.warnings,
    revision: name,
  };
}

/**
 * One immutable snapshot: postings, passage offsets and texts as typed arrays and a contiguous
 * vector matrix, all read as stored. Passages are decoded when asked for, so nothing here is
 * O(collection) per request except the scoring arrays themselves.
 */
export class LocalSnapshotReader implements StoreReader {
  readonly searchesOnThisThread = true;
  private readonly bm25: Bm25;
  private readonly table: Table;

  constructor(private readonly snapshot: Snapshot) {
    this.table = snapshot.table;
    this.bm25 = new Bm25(this.table);
  }

  async info(): Promise<StoreInfo> {
    return infoOf(this.snapshot.name, this.snapshot.manifest);
  }

  async documents(): Promise<DocumentMeta[]> {
    return [...this.snapshot.manifest.documents];
  }

  async document(id: string): Promise<DocumentMeta | null> {
    const d = this.table.docIndexOf(id);
    return d === undefined ? null : this.table.documents[d]!;
  }

  async documentText(id: string): Promise<string | null> {
    const d = this.table.docIndexOf(id);
    return d === undefined ? null : readBody(this.snapshot, d);
  }

  async passages(ids: string[]): Promise<Passage[]> {
    return ids.flatMap((id) => {
      const row = this.table.rowOf(id);
      return row === undefined ? [] : [this.table.passage(row)];
    });
  }

  async passagesOf(docId: string): Promise<Passage[]> {
    const d = this.table.docIndexOf(docId);
    if (d === undefined) return [];
    const [first, end] = this.table.rowsOf(d);
    return Array.from({ length: end - first }, (_, i) => this.table.passage(first + i));
  }

  async *scanPassages(): AsyncIterable<Passage> {
    for (let row = 0; row < this.table.size; row++) {
      // Awaiting a resolved value only queues a microtask: without a macrotask turn now and
      // then, a scan of a large collection (library examples, briefs) would hold every request.
      if (row % SCAN_SLICE === SCAN_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
      yield this.table.passage(row);
    }
  }

  async vectors(ids: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const { vectors } = this.snapshot;
    const dims = this.snapshot.manifest.embedder?.dims;
    if (!vectors || !dims) return out;
    for (const id of ids) {
      const row = this.table.rowOf(id);
      if (row !== undefined) out.set(id, vectors.subarray(row * dims, (row + 1) * dims));
    }
    return out;
  }

  async sentenceVectors(ids: string[]): Promise<Map<string, Float32Array[]>> {
    const out = new Map<string, Float32Array[]>();
    const { sentenceVectors } = this.snapshot;
    const dims = this.snapshot.manifest.embedder?.dims;
    if (!sentenceVectors || !dims) return out;
    const { sentenceFirst } = this.table.s;
    for (const id of ids) {
      const row = this.table.rowOf(id);
      if (row === undefined) continue;
      const list = [];
      for (let i = sentenceFirst[row]!; i < sentenceFirst[row + 1]!; i++) list.push(sentenceVectors.subarray(i * dims, (i + 1) * dims));
      out.set(id, list);
    }
    return out;
  }

  async sentenceAnalyses(ids: string[]): Promise<Map<string, Analysis[]>> {
    const found = ids.flatMap((id) => {
      const row = this.table.rowOf(id);
      return row === undefined ? [] : [{ id, row }];
    });
    const bytes = await readAnalysisBytes(
      this.snapshot,
      found.map((f) => f.row),
    );
    const out = new Map<string, Analysis[]>();
    found.forEach(({ id, row }, i) => {
      if (bytes[i]!.length === 0) return;
      try {
        out.set(id, decodeAnalyses(bytes[i]!, this.table.sentenceTexts(row)));
      } catch (error) {
        if (!(error instanceof AnalysisFormatError)) throw error;
        throw new IndexError(`The index is damaged: its sentence analyses cannot be read (${error.message}). ${rebuildHint}`);
      }
    });
    return out;
  }

  async passageTerms(ids: string[]): Promise<Map<string, Uint32Array>> {
    const { forwardFirst, forwardTerm } = this.table.s;
    const out = new Map<string, Uint32Array>();
    for (const id of ids) {
      const row = this.table.rowOf(id);
      // A copy: sorting must not reorder the table's own forward index.
      if (row !== undefined) out.set(id, forwardTerm.slice(forwardFirst[row]!, forwardFirst[row + 1]!).sort());
    }
    return out;
  }

  async termStats(terms: string[]): Promise<TermStats> {
    const df = (t: string) => {
      const id = this.table.termId(t);
      return id === undefined ? 0 : this.table.df(id);
    };
    return { passageCount: this.table.size, df: new Map(terms.map((t) => [t, df(t)])) };
  }

  /**
   * Passages holding every index term of the phrase are found by intersecting postings, rarest
   * first; only those are folded to look for the words in a row, and the first hit answers.
   */
  async phrasesOccur(phrases: string[][]): Promise<boolean[]> {
    const { table } = this;
    return phrases.map((phrase) => {
      const ids = [...new Set(terms(phrase.join(' ')))].map((t) => table.termId(t));
      // Stopwords alone are not indexed; such a "phrase" names nothing the collection could lack.
      if (ids.length === 0) return true;
      if (ids.some((id) => id === undefined)) return false;
      const lists = ids.map((id) => table.postingRows(id!)).sort((x, y) => x.length - y.length);
      const cursors = lists.map(() => 0);
      const needle = ` ${phrase.join(' ')} `;
      next: for (const row of lists[0]!) {
        for (let k = 1; k < lists.length; k++) {
          const list = lists[k]!;
          while (cursors[k]! < list.length && list[cursors[k]!]! < row) cursors[k]!++;
          if (list[cursors[k]!] !== row) continue next;
        }
        if (` ${words(table.text(row)).join(' ')} `.includes(needle)) return true;
      }
      return false;
    });
  }

  async search(q: SearchQuery): Promise<Candidate[]> {
    q.signal?.throwIfAborted();
    const { vectors, manifest } = this.snapshot;
    if (q.mode !== 'lexical' && (!q.vector || !vectors || !manifest.embedder)) {
      throw new Error(`A ${q.mode} search needs a query vector and an index with vectors.`);
    }
    const allowed = this.allowedRows(q.filter);
    const lexical = q.mode === 'dense' ? null : this.bm25.score(q.text);
    const dense = q.mode === 'lexical' ? null : cosineScan(vectors!, manifest.embedder!.dims, q.vector!);
    const fused = fuseScores({ lexical, dense, allowed });
    let rows = topIndices(fused, q.limit, allowed);
    // Lexical-only retrieval has nothing to say about passages that share no term with the query.
    if (q.mode === 'lexical') rows = rows.filter((i) => fused[i]! > 0);
    return rows.map((row) => ({
      passageId: this.table.id(row),
      score: fused[row]!,
      lexicalScore: lexical ? lexical[row]! : null,
      denseScore: dense ? dense[row]! : null,
    }));
  }

  private allowedRows(filter?: DocumentFilter): Uint8Array | null {
    if (!filter || (!filter.outlets?.length && !filter.docIds?.length && !filter.from && !filter.to)) return null;
    const outlets = filter.outlets?.map(fold);
    const allowed = new Uint8Array(this.table.size);
    this.table.documents.forEach((d, i) => {
      if (outlets?.length && !(d.outlet && outlets.includes(fold(d.outlet)))) return;
      if (filter.docIds?.length && !filter.docIds.includes(d.id)) return;
      if ((filter.from || filter.to) && !d.published) return;
      if (filter.from && d.published! < filter.from) return;
      if (filter.to && d.published! > filter.to) return;
      allowed.fill(1, ...this.table.rowsOf(i));
    });
    return allowed;
  }
}

// Cached on globalThis so Next.js dev-server reloads and repeated requests share one load.
const cache = globalThis as typeof globalThis & {
  __dossierSnapshots?: Map<string, { name: string; reader: Promise<LocalSnapshotReader> }>;
};

/**
 * The reader of the live snapshot, loaded once per process and swapped when an ingest publishes
 * a new one (checked on every call: one small file read). Throws NoIndexError before the first
 * ingest and IndexError when the snapshot is damaged.
 */
export async function openLocalStore(indexDir: string): Promise<StoreReader> {
  const name = await currentSnapshotName(indexDir);
  if (!name) throw noIndex();
  cache.__dossierSnapshots ??= new Map();
  const live = cache.__dossierSnapshots.get(indexDir);
  if (live?.name === name) return live.reader;
  const entry = {
    name,
    reader: loadSnapshot(indexDir).then((snapshot) => {
      if (!snapshot) throw noIndex();
      return new LocalSnapshotReader(snapshot);
    }),
  };
  cache.__dossierSnapshots.set(indexDir, entry);
  // A failed load is not cached, so the next request retries (e.g. after a re-ingest).
  entry.reader.catch(() => {
    if (cache.__dossierSnapshots?.get(indexDir) === entry) cache.__dossierSnapshots.delete(indexDir);
  });
  return entry.reader;
}

/** Refuses to run two ingests on one index at once; a lock left by a killed process is taken over. */
async function lock(indexDir: string): Promise<() => Promise<void>> {
  await mkdir(indexDir, { recursive: true });
  const file = path.join(indexDir, 'ingest.lock');
  try {
    await writeFile(file, String(process.pid), { flag: 'wx' });
  } catch {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    let alive = false;
    try {
      if (pid && pid !== process.pid) {
        process.kill(pid, 0);
        alive = true;
      }
    } catch {
      /* stale lock from a dead process */
    }
    if (alive) throw new Error(`Another ingest (process ${pid}) is updating ${indexDir}. Wait for it to finish.`);
    await writeFile(file, String(process.pid));
  }
  return () => rm(file, { force: true });
}

/** A document of the session: written in it, or carried over from the snapshot it started from. */
type Entry =
  | { meta: DocumentMeta; body: string; passages: Passage[]; vectors: Float32Array[] | null; perSentence: PerSentence }
  | { meta: DocumentMeta; carried: number };

/**
 * Collects one ingest's writes over the previous snapshot and publishes them as one new snapshot.
 * Unchanged documents are copied from the previous snapshot's arrays at commit, never decoded.
 */
class LocalWriteSession implements WriteSession {
  private done = false;

  constructor(
    private readonly indexDir: string,
    private readonly base: Snapshot | null,
    private readonly docs: Map<string, Entry>,
    private readonly unlock: () => Promise<void>,
    private readonly published: (info: StoreInfo) => void,
  ) {}

  async upsertDocument(
    doc: DocumentMeta,
    body: string,
    passages: Passage[],
    vectors: Float32Array[] | null,
    perSentence: PerSentence = {},
  ): Promise<void> {
    this.docs.set(doc.id, { meta: { ...doc, passageCount: passages.length }, body, passages, vectors, perSentence });
  }

  async removeDocument(id: string): Promise<void> {
    this.docs.delete(id);
  }

  async commit(info: CommitInfo): Promise<string> {
    if (this.done) throw new Error('This write session is already finished.');
    try {
      const builder = new TableBuilder(info.embedder?.dims ?? null);
      const entries = [...this.docs.values()];
      const base = this.base;
      const carries = !!base && entries.some((e) => 'carried' in e);
      const [bodies, analysis] = carries ? await Promise.all([readBodies(base!), readAllAnalysis(base!)]) : [null, null];
      for (const e of entries) {
        if ('carried' in e) {
          const { bodyFirst } = base!.table.s;
          builder.carryDocument(
            base!.table,
            e.carried,
            e.meta,
            bodies!.subarray(bodyFirst[e.carried]!, bodyFirst[e.carried + 1]!),
            base!.vectors,
            base!.sentenceVectors,
            analysis!,
          );
        } else {
          builder.addDocument(e.meta, e.body, e.passages, e.vectors, e.perSentence);
        }
      }
      const { name, manifest } = await writeSnapshot(
        this.indexDir,
        {
          format: INDEX_FORMAT,
          builtAt: new Date().toISOString(),
          embedder: info.embedder,
          chunking: info.chunking,
          warnings: info.warnings,
        },
        builder,
      );
      this.published(infoOf(name, manifest));
      return name;
    } finally {
      await this.finish();
    }
  }

  async abort(): Promise<void> {
    await this.finish();
  }

  private async finish() {
    if (this.done) return;
    this.done = true;
    await this.unlock();
  }
}

/**
 * Ingest into a folder of snapshots. Reads the live snapshot once per writer (not per call); the
 * session re-reads it under the lock only if another ingest published one in between.
 */
export class LocalSnapshotWriter implements StoreWriter {
  private loaded: Promise<Snapshot | null> | undefined;
  /** What the last commit published, so that reading it back costs no reload. */
  private committed: StoreInfo | undefined;

  constructor(private readonly indexDir: string) {}

  private previous(): Promise<Snapshot | null> {
    return (this.loaded ??= loadSnapshot(this.indexDir));
  }

  async info(): Promise<StoreInfo | null> {
    if (this.committed) return this.committed;
    const snapshot = await this.previous();
    return snapshot && infoOf(snapshot.name, snapshot.manifest);
  }

  async contentHashes(): Promise<Map<string, string>> {
    const snapshot = await this.previous();
    return new Map(snapshot?.manifest.documents.map((d) => [d.id, d.hash]) ?? []);
  }

  async session(options: { reset?: boolean } = {}): Promise<WriteSession> {
    const unlock = await lock(this.indexDir);
    try {
      await removeStaleTemporaries(this.indexDir);
      const docs = new Map<string, Entry>();
      let base: Snapshot | null = null;
      if (!options.reset) {
        base = await this.previous();
        if (base?.name !== ((await currentSnapshotName(this.indexDir)) ?? undefined))
          base = await (this.loaded = loadSnapshot(this.indexDir));
        base?.manifest.documents.forEach((meta, carried) => docs.set(meta.id, { meta, carried }));
      }
      this.committed = undefined;
      return new LocalWriteSession(this.indexDir, base, docs, unlock, (info) => {
        this.committed = info;
        this.loaded = undefined;
      });
    } catch (error) {
      await unlock();
      throw error;
    }
  }
}

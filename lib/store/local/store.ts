import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fold, words } from '../../text/normalize';
import { fuseScores } from '../fuse';
import { topIndices } from '../rank';
import {
  NoIndexError,
  type Candidate,
  type CommitInfo,
  type DocumentFilter,
  type DocumentMeta,
  type Passage,
  type SearchQuery,
  type StoreInfo,
  type StoreReader,
  type StoreWriter,
  type TermStats,
  type WriteSession,
} from '../types';
import { Bm25 } from './bm25';
import { cosineScan } from './dense';
import { INDEX_FORMAT, type Manifest } from './manifest';
import { currentSnapshotName, loadSnapshot, removeStaleTemporaries, writeSnapshot, type Snapshot } from './snapshot';

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

/** One immutable snapshot held in memory, with its BM25 postings and a contiguous vector matrix. */
export class LocalSnapshotReader implements StoreReader {
  private readonly bm25: Bm25;
  private readonly rows: Map<string, number>;
  private readonly docs: Map<string, DocumentMeta>;
  /** Each document's passages in reading order (a snapshot stores them document by document). */
  private readonly byDoc = new Map<string, Passage[]>();
  private folded: string | undefined;

  constructor(private readonly snapshot: Snapshot) {
    this.bm25 = new Bm25(snapshot.passages.map((p) => p.text));
    this.rows = new Map(snapshot.passages.map((p, i) => [p.id, i]));
    this.docs = new Map(snapshot.manifest.documents.map((d) => [d.id, d]));
    for (const p of snapshot.passages) (this.byDoc.get(p.docId) ?? this.byDoc.set(p.docId, []).get(p.docId)!).push(p);
  }

  async info(): Promise<StoreInfo> {
    return infoOf(this.snapshot.name, this.snapshot.manifest);
  }

  async documents(): Promise<DocumentMeta[]> {
    return [...this.snapshot.manifest.documents];
  }

  async document(id: string): Promise<DocumentMeta | null> {
    return this.docs.get(id) ?? null;
  }

  async documentText(id: string): Promise<string | null> {
    return this.docs.has(id) ? (this.snapshot.bodies[id] ?? null) : null;
  }

  async passages(ids: string[]): Promise<Passage[]> {
    return ids.flatMap((id) => {
      const row = this.rows.get(id);
      return row === undefined ? [] : [this.snapshot.passages[row]!];
    });
  }

  async passagesOf(docId: string): Promise<Passage[]> {
    return [...(this.byDoc.get(docId) ?? [])];
  }

  async *scanPassages(): AsyncIterable<Passage> {
    yield* this.snapshot.passages;
  }

  async vectors(ids: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const { vectors } = this.snapshot;
    const dims = this.snapshot.manifest.embedder?.dims;
    if (!vectors || !dims) return out;
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row !== undefined) out.set(id, vectors.subarray(row * dims, (row + 1) * dims));
    }
    return out;
  }

  async termStats(terms: string[]): Promise<TermStats> {
    return { passageCount: this.bm25.size, df: new Map(terms.map((t) => [t, this.bm25.df(t)])) };
  }

  async phrasesOccur(phrases: string[][]): Promise<boolean[]> {
    // The whole collection folded and joined once per snapshot; a phrase is looked up as a substring.
    this.folded ??= ` ${this.snapshot.passages.map((p) => words(p.text).join(' ')).join(' \n ')} `;
    return phrases.map((phrase) => this.folded!.includes(` ${phrase.join(' ')} `));
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
      passageId: this.snapshot.passages[row]!.id,
      score: fused[row]!,
      lexicalScore: lexical ? lexical[row]! : null,
      denseScore: dense ? dense[row]! : null,
    }));
  }

  private allowedRows(filter?: DocumentFilter): Uint8Array | null {
    if (!filter || (!filter.outlets?.length && !filter.docIds?.length && !filter.from && !filter.to)) return null;
    const outlets = filter.outlets?.map(fold);
    const docs = new Set<string>();
    for (const d of this.snapshot.manifest.documents) {
      if (outlets?.length && !(d.outlet && outlets.includes(fold(d.outlet)))) continue;
      if (filter.docIds?.length && !filter.docIds.includes(d.id)) continue;
      if ((filter.from || filter.to) && !d.published) continue;
      if (filter.from && d.published! < filter.from) continue;
      if (filter.to && d.published! > filter.to) continue;
      docs.add(d.id);
    }
    return Uint8Array.from(this.snapshot.passages, (p) => (docs.has(p.docId) ? 1 : 0));
  }
}

// Cached on globalThis so Next.js dev-server reloads and repeated requests share one load.
const cache = globalThis as typeof globalThis & { __dossierSnapshots?: Map<string, { name: string; reader: Promise<LocalSnapshotReader> }> };

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
      if (pid && pid !== process.pid) { process.kill(pid, 0); alive = true; }
    } catch { /* stale lock from a dead process */ }
    if (alive) throw new Error(`Another ingest (process ${pid}) is updating ${indexDir}. Wait for it to finish.`);
    await writeFile(file, String(process.pid));
  }
  return () => rm(file, { force: true });
}

type StoredDocument = { meta: DocumentMeta; body: string; passages: Passage[]; vectors: (Float32Array | null)[] };

/** Collects one ingest's writes over the previous snapshot and publishes them as one new snapshot. */
class LocalWriteSession implements WriteSession {
  private done = false;

  constructor(
    private readonly indexDir: string,
    private readonly docs: Map<string, StoredDocument>,
    private readonly unlock: () => Promise<void>,
    private readonly published: (info: StoreInfo) => void,
  ) {}

  async upsertDocument(doc: DocumentMeta, body: string, passages: Passage[], vectors: Float32Array[] | null): Promise<void> {
    this.docs.set(doc.id, { meta: { ...doc, passageCount: passages.length }, body, passages, vectors: vectors ?? passages.map(() => null) });
  }

  async removeDocument(id: string): Promise<void> {
    this.docs.delete(id);
  }

  async commit(info: CommitInfo): Promise<string> {
    if (this.done) throw new Error('This write session is already finished.');
    try {
      const docs = [...this.docs.values()];
      const passages = docs.flatMap((d) => d.passages);
      const vectors = docs.flatMap((d) => d.vectors);
      if (info.embedder && vectors.some((v) => !v)) throw new Error('Every passage needs a vector when the index has an embedder.');
      const manifest: Manifest = {
        format: INDEX_FORMAT,
        builtAt: new Date().toISOString(),
        embedder: info.embedder,
        chunking: info.chunking,
        documents: docs.map((d) => d.meta),
        passageCount: passages.length,
        warnings: info.warnings,
      };
      const bodies = Object.fromEntries(docs.map((d) => [d.meta.id, d.body]));
      const name = await writeSnapshot(this.indexDir, { manifest, passages, bodies, vectors: info.embedder ? (vectors as Float32Array[]) : null });
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
      const docs = new Map<string, StoredDocument>();
      if (!options.reset) {
        let snapshot = await this.previous();
        if (snapshot?.name !== ((await currentSnapshotName(this.indexDir)) ?? undefined)) snapshot = await (this.loaded = loadSnapshot(this.indexDir));
        if (snapshot) {
          const dims = snapshot.manifest.embedder?.dims ?? 0;
          const rows = new Map<string, number[]>();
          snapshot.passages.forEach((p, row) => (rows.get(p.docId) ?? rows.set(p.docId, []).get(p.docId)!).push(row));
          for (const meta of snapshot.manifest.documents) {
            const own = rows.get(meta.id) ?? [];
            docs.set(meta.id, {
              meta,
              body: snapshot.bodies[meta.id]!,
              passages: own.map((row) => snapshot.passages[row]!),
              vectors: own.map((row) => (snapshot.vectors ? snapshot.vectors.subarray(row * dims, (row + 1) * dims) : null)),
            });
          }
        }
      }
      this.committed = undefined;
      return new LocalWriteSession(this.indexDir, docs, unlock, (info) => {
        this.committed = info;
        this.loaded = undefined;
      });
    } catch (error) {
      await unlock();
      throw error;
    }
  }
}

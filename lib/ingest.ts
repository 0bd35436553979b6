import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config';
import { chunkDocument, type Passage } from './corpus/chunk';
import { CLEANER_VERSION, cleanBody } from './corpus/clean';
import { loadCorpus, type SkippedFile, type SourceDocument } from './corpus/load';
import { loadEmbedderForIngest } from './embed/load';
import type { Embedder } from './embed/types';
import { INDEX_FORMAT, type DocumentMeta, type Manifest } from './index/manifest';
import { IndexError, loadSnapshot, removeStaleTemporaries, writeSnapshot, type Snapshot } from './index/store';

/** read: files of the corpus folder; clean: new and changed articles; embed: their passages. */
export type IngestProgress = { phase: 'read' | 'clean' | 'embed'; done: number; total: number };

export type IngestOptions = {
  rebuild?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** Already-loaded embedder (tests, benchmarks); by default the configured chain is loaded. */
  embedder?: { embedder: Embedder | null; warnings: string[] };
};

export type IngestReport = {
  snapshot: string | null;
  upToDate: boolean;
  rebuilt: boolean;
  rebuildReason?: string;
  added: string[];
  changed: string[];
  unchanged: string[];
  removed: string[];
  skipped: SkippedFile[];
  embedder: { id: string; label: string; dims: number } | null;
  passageCount: number;
  embeddedPassages: number;
  warnings: string[];
};

const EMBED_BATCH = 32;

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

function incompatibility(prev: Snapshot, embedder: Embedder | null, cfg: Config): string | null {
  const m = prev.manifest;
  if ((m.embedder?.id ?? null) !== (embedder?.id ?? null)) return `the embedding model changed (${m.embedder?.id ?? 'none'} → ${embedder?.id ?? 'none'})`;
  if (m.chunking.maxTokens !== cfg.chunking.maxTokens || m.chunking.overlapSentences !== cfg.chunking.overlapSentences) return 'the chunking parameters changed';
  if (m.chunking.cleanerVersion !== CLEANER_VERSION) return 'the cleaning rules changed';
  return null;
}

/** Calls `report` about a hundred times over a phase rather than once per item. */
function throttled(phase: IngestProgress['phase'], report: ((p: IngestProgress) => void) | undefined) {
  return (done: number, total: number) => {
    if (report && (done === total || done % Math.max(1, Math.floor(total / 100)) === 0)) report({ phase, done, total });
  };
}

export async function ingest(cfg: Config, options: IngestOptions = {}): Promise<IngestReport> {
  const unlock = await lock(cfg.indexDir);
  try {
    await removeStaleTemporaries(cfg.indexDir);
    const { documents, skipped } = await loadCorpus(cfg.corpusDir, throttled('read', options.onProgress));
    const warnings: string[] = [];
    let previous: Snapshot | null = null;
    try {
      previous = await loadSnapshot(cfg.indexDir);
    } catch (error) {
      if (!(error instanceof IndexError)) throw error;
      warnings.push(`The previous index could not be read (${error.message.split(':')[0]}); building a new one from scratch.`);
    }
    const choice = options.embedder ?? (await loadEmbedderForIngest(cfg.embedding));
    const embedder = choice.embedder;
    warnings.push(...choice.warnings);

    const rebuildReason: string | undefined = options.rebuild ? '--rebuild was requested' : previous ? (incompatibility(previous, embedder, cfg) ?? undefined) : undefined;
    const reusable = previous && !rebuildReason ? previous : null;
    const prevDocs = new Map(reusable?.manifest.documents.map((d) => [d.id, d]) ?? []);
    // One pass over the previous passages, so reusing an article costs its own passages only.
    const prevRows = new Map<string, number[]>();
    reusable?.passages.forEach((p, row) => {
      const rows = prevRows.get(p.docId);
      if (rows) rows.push(row);
      else prevRows.set(p.docId, [row]);
    });

    const report: IngestReport = {
      snapshot: null, upToDate: false, rebuilt: !reusable, rebuildReason,
      added: [], changed: [], unchanged: [], removed: [], skipped,
      embedder: embedder ? { id: embedder.id, label: embedder.label, dims: embedder.dims } : null,
      passageCount: 0, embeddedPassages: 0, warnings,
    };

    const passages: Passage[] = [];
    const vectors: (Float32Array | null)[] = [];
    const docs: DocumentMeta[] = [];
    const bodies: Record<string, string> = {};
    const reused = (doc: SourceDocument) => prevDocs.get(doc.id)?.hash === doc.hash; // prevDocs is empty on a rebuild
    const toClean = documents.filter((doc) => !reused(doc)).length;
    const cleaned = throttled('clean', options.onProgress);
    let cleanedCount = 0;
    cleaned(0, toClean);
    for (const doc of documents) {
      const prev = prevDocs.get(doc.id);
      let docPassages: Passage[];
      if (reusable && reused(doc)) {
        report.unchanged.push(doc.id);
        const rows = prevRows.get(doc.id) ?? [];
        docPassages = rows.map((row) => reusable.passages[row]!);
        const dims = embedder?.dims ?? 0;
        for (const row of rows) vectors.push(reusable.vectors ? reusable.vectors.subarray(row * dims, (row + 1) * dims) : null);
      } else {
        docPassages = chunkDocument(doc.id, cleanBody(doc.body, { title: doc.title, outlet: doc.outlet }).blocks, cfg.chunking);
        cleaned(++cleanedCount, toClean);
        if (docPassages.length === 0) {
          skipped.push({ file: doc.file, reason: 'nothing was left after removing page furniture' });
          continue;
        }
        (prev ? report.changed : report.added).push(doc.id);
        for (const _ of docPassages) vectors.push(null);
      }
      passages.push(...docPassages);
      bodies[doc.id] = doc.body;
      const { body: _body, ...meta } = doc;
      docs.push({ ...meta, passageCount: docPassages.length });
    }
    const present = new Set(docs.map((d) => d.id));
    report.removed = [...prevDocs.keys()].filter((id) => !present.has(id));
    report.passageCount = passages.length;

    if (reusable && report.added.length === 0 && report.changed.length === 0 && report.removed.length === 0) {
      report.upToDate = true;
      report.snapshot = reusable.name;
      return report;
    }

    if (embedder) {
      const todo = vectors.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0);
      options.onProgress?.({ phase: 'embed', done: 0, total: todo.length });
      for (let b = 0; b < todo.length; b += EMBED_BATCH) {
        const rows = todo.slice(b, b + EMBED_BATCH);
        const out = await embedder.embedDocuments(rows.map((i) => passages[i]!.text));
        rows.forEach((row, j) => (vectors[row] = out[j]!));
        report.embeddedPassages += rows.length;
        options.onProgress?.({ phase: 'embed', done: Math.min(b + EMBED_BATCH, todo.length), total: todo.length });
      }
    }

    const manifest: Manifest = {
      format: INDEX_FORMAT,
      builtAt: new Date().toISOString(),
      embedder: report.embedder,
      chunking: { ...cfg.chunking, cleanerVersion: CLEANER_VERSION },
      documents: docs,
      passageCount: passages.length,
      warnings,
    };
    report.snapshot = await writeSnapshot(cfg.indexDir, {
      manifest,
      passages,
      bodies,
      vectors: embedder ? (vectors as Float32Array[]) : null,
    });
    return report;
  } finally {
    await unlock();
  }
}

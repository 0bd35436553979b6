import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Config } from './config';
import { chunkDocument, type Passage } from './corpus/chunk';
import { CLEANER_VERSION, cleanBody } from './corpus/clean';
import { loadCorpus, type SkippedFile, type SourceDocument } from './corpus/load';
import { loadEmbedderForIngest } from './embed/load';
import type { Embedder } from './embed/types';
import { ANALYZER_VERSION, annotate } from './nlp/annotate';
import { openStoreWriter } from './store/open';
import { IndexError, type Analysis, type StoreInfo } from './store/types';

/** read: files of the corpus folder; clean: new and changed articles; analyse: their sentences; embed: their passages. */
export type IngestProgress = { phase: 'read' | 'clean' | 'analyse' | 'embed'; done: number; total: number };

export type IngestOptions = {
  rebuild?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** Already-loaded embedder (tests, benchmarks); by default the configured chain is loaded. */
  embedder?: { embedder: Embedder | null; warnings: string[] };
};

export type IngestReport = {
  /** The store's revision after this ingest (the local store's snapshot name); null when none was written. */
  revision: string | null;
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
/** Longest stretch of sentence analysis between two turns of the event loop. */
const ANALYSIS_SLICE_MS = 10;

function incompatibility(prev: StoreInfo, embedder: Embedder | null, cfg: Config): string | null {
  if ((prev.embedder?.id ?? null) !== (embedder?.id ?? null))
    return `the embedding model changed (${prev.embedder?.id ?? 'none'} → ${embedder?.id ?? 'none'})`;
  if (prev.chunking.maxTokens !== cfg.chunking.maxTokens || prev.chunking.overlapSentences !== cfg.chunking.overlapSentences)
    return 'the chunking parameters changed';
  if (prev.chunking.cleanerVersion !== CLEANER_VERSION) return 'the cleaning rules changed';
  if (prev.chunking.analyzerVersion !== ANALYZER_VERSION) return 'the sentence analysis changed';
  return null;
}

/** Calls `report` about a hundred times over a phase rather than once per item. */
function throttled(phase: IngestProgress['phase'], report: ((p: IngestProgress) => void) | undefined) {
  return (done: number, total: number) => {
    if (report && (done === total || done % Math.max(1, Math.floor(total / 100)) === 0)) report({ phase, done, total });
  };
}

export async function ingest(cfg: Config, options: IngestOptions = {}): Promise<IngestReport> {
  const store = await openStoreWriter(cfg);
  const { documents, skipped } = await loadCorpus(cfg.corpusDir, throttled('read', options.onProgress));
  const warnings: string[] = [];
  let previous: StoreInfo | null = null;
  let hashes = new Map<string, string>();
  try {
    previous = await store.info();
    hashes = await store.contentHashes();
  } catch (error) {
    if (!(error instanceof IndexError)) throw error;
    previous = null;
    warnings.push(`The previous index could not be read (${error.message.split(':')[0]}); building a new one from scratch.`);
  }
  const choice = options.embedder ?? (await loadEmbedderForIngest(cfg.embedding));
  const embedder = choice.embedder;
  warnings.push(...choice.warnings);

  const rebuildReason: string | undefined = options.rebuild
    ? '--rebuild was requested'
    : previous
      ? (incompatibility(previous, embedder, cfg) ?? undefined)
      : undefined;
  const reusable = !!previous && !rebuildReason;
  const prevHashes = reusable ? hashes : new Map<string, string>();

  const report: IngestReport = {
    revision: null,
    upToDate: false,
    rebuilt: !reusable,
    rebuildReason,
    added: [],
    changed: [],
    unchanged: [],
    removed: [],
    skipped,
    embedder: embedder ? { id: embedder.id, label: embedder.label, dims: embedder.dims } : null,
    passageCount: 0,
    embeddedPassages: 0,
    warnings,
  };

  // Held from here to the commit: a second ingest on the same store waits or fails with a sentence.
  const session = await store.session({ reset: !reusable });
  try {
    // Only new and changed articles are cleaned, chunked and embedded; the store keeps the others.
    const writes: {
      doc: SourceDocument;
      passages: Passage[];
      vectors: Float32Array[];
      sentenceVectors: Float32Array[][];
      analyses: Analysis[][];
    }[] = [];
    const present = new Set<string>();
    const toClean = documents.filter((doc) => prevHashes.get(doc.id) !== doc.hash).length;
    const cleaned = throttled('clean', options.onProgress);
    let cleanedCount = 0;
    cleaned(0, toClean);
    for (const doc of documents) {
      if (prevHashes.get(doc.id) === doc.hash) {
        report.unchanged.push(doc.id);
        present.add(doc.id);
        continue;
      }
      const passages = chunkDocument(doc.id, cleanBody(doc.body, { title: doc.title, outlet: doc.outlet }).blocks, cfg.chunking);
      cleaned(++cleanedCount, toClean);
      if (passages.length === 0) {
        skipped.push({ file: doc.file, reason: 'nothing was left after removing page furniture' });
        continue;
      }
      (prevHashes.has(doc.id) ? report.changed : report.added).push(doc.id);
      present.add(doc.id);
      writes.push({ doc, passages, vectors: [], sentenceVectors: [], analyses: [] });
    }
    report.removed = [...prevHashes.keys()].filter((id) => !present.has(id));

    if (reusable && writes.length === 0 && report.removed.length === 0) {
      await session.abort();
      report.upToDate = true;
      report.revision = previous!.revision;
      report.passageCount = previous!.passageCount;
      return report;
    }

    // Tagging and typing names once here is what lets a question read them instead (lib/text/analysis).
    // Ingest also runs inside the server (added articles), so the event loop gets a turn every few milliseconds.
    const analysed = new Map<string, Analysis>();
    const analysing = throttled('analyse', options.onProgress);
    let slice = performance.now();
    for (const [i, w] of writes.entries()) {
      for (const p of w.passages) {
        const list: Analysis[] = [];
        for (const { text } of p.sentences) {
          let a = analysed.get(text);
          if (!a) analysed.set(text, (a = annotate(text)));
          list.push(a);
          if (performance.now() - slice > ANALYSIS_SLICE_MS) {
            await nextTurn();
            slice = performance.now();
          }
        }
        w.analyses.push(list);
      }
      analysing(i + 1, writes.length);
    }

    if (embedder) {
      // Passages and their sentences, batched across articles, as many texts per call as the
      // model takes at once. Sentence vectors are stored so that answering embeds only the
      // question; a sentence repeated by an overlapping passage is embedded once.
      const texts = new Map<string, Float32Array | null>();
      for (const w of writes)
        for (const p of w.passages) for (const text of [p.text, ...p.sentences.map((s) => s.text)]) texts.set(text, null);
      const todo = [...texts.keys()];
      const passageTotal = writes.reduce((n, w) => n + w.passages.length, 0);
      options.onProgress?.({ phase: 'embed', done: 0, total: passageTotal });
      for (let b = 0; b < todo.length; b += EMBED_BATCH) {
        const batch = todo.slice(b, b + EMBED_BATCH);
        const out = await embedder.embedDocuments(batch);
        batch.forEach((text, j) => texts.set(text, out[j]!));
        // Progress in passages, the unit the report counts.
        const done = Math.round((passageTotal * Math.min(b + EMBED_BATCH, todo.length)) / todo.length);
        options.onProgress?.({ phase: 'embed', done, total: passageTotal });
      }
      for (const w of writes) {
        w.vectors = w.passages.map((p) => texts.get(p.text)!);
        w.sentenceVectors = w.passages.map((p) => p.sentences.map((s) => texts.get(s.text)!));
      }
      report.embeddedPassages = passageTotal;
    }

    for (const { doc, passages, vectors, sentenceVectors, analyses } of writes) {
      const { body, ...meta } = doc;
      await session.upsertDocument({ ...meta, passageCount: passages.length }, body, passages, embedder ? vectors : null, {
        vectors: embedder ? sentenceVectors : null,
        analyses,
      });
    }
    for (const id of report.removed) await session.removeDocument(id);
    report.revision = await session.commit({
      embedder: report.embedder,
      chunking: { ...cfg.chunking, cleanerVersion: CLEANER_VERSION, analyzerVersion: ANALYZER_VERSION },
      warnings,
    });
  } catch (error) {
    await session.abort();
    throw error;
  }
  report.passageCount = (await store.info())?.passageCount ?? 0;
  return report;
}

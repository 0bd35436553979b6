import { storedForAll } from '@/lib/store/collection';
import type { StoreReader, StoreWriter } from '@/lib/store/types';

export type CopyReport = { documents: number; passages: number; skipped: number; removed: number };

/**
 * Copies a collection into another store with its stored vectors and sentence analyses (nothing
 * is re-embedded or re-analysed):
 * documents the target already holds with the same content hash are skipped, documents the source
 * lacks are removed, and the target records the source's embedder and chunking.
 */
export async function copyCollection(
  from: StoreReader,
  to: StoreWriter,
  onProgress?: (done: number, total: number) => void,
): Promise<CopyReport> {
  const info = await from.info();
  const target = await to.info();
  // Vectors of another model (or dimension) cannot sit beside these: start the target afresh.
  const reset = !!target && (target.embedder?.id ?? null) !== (info.embedder?.id ?? null);
  const hashes = reset ? new Map<string, string>() : await to.contentHashes();
  const docs = await from.documents();
  const session = await to.session({ reset });
  const report: CopyReport = { documents: 0, passages: 0, skipped: 0, removed: 0 };
  try {
    for (const [i, doc] of docs.entries()) {
      if (hashes.get(doc.id) === doc.hash) report.skipped++;
      else {
        const passages = await from.passagesOf(doc.id);
        const stored = info.embedder ? await from.vectors(passages.map((p) => p.id)) : null;
        const vectors =
          stored &&
          passages.map((p) => {
            const v = stored.get(p.id);
            if (!v)
              throw new Error(
                `Passage ${p.id} has no stored vector in the source collection; rebuild it with \`npm run ingest -- --rebuild\`.`,
              );
            return v;
          });
        // What was computed per sentence at ingest travels too, so the target never re-analyses.
        const ids = passages.map((p) => p.id);
        const [sentenceVectors, analyses] = await Promise.all([from.sentenceVectors?.(ids), from.sentenceAnalyses?.(ids)]);
        await session.upsertDocument(doc, (await from.documentText(doc.id)) ?? '', passages, vectors, {
          vectors: storedForAll(sentenceVectors, ids),
          analyses: storedForAll(analyses, ids),
        });
        report.documents++;
        report.passages += passages.length;
      }
      onProgress?.(i + 1, docs.length);
    }
    const present = new Set(docs.map((d) => d.id));
    for (const id of hashes.keys()) {
      if (present.has(id)) continue;
      await session.removeDocument(id);
      report.removed++;
    }
    await session.commit({ embedder: info.embedder, chunking: info.chunking, warnings: info.warnings });
  } catch (error) {
    await session.abort();
    throw error;
  }
  return report;
}

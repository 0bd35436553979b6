import type { Analysis, CommitInfo, DocumentMeta, Passage, StoreReader, StoreWriter } from './types';

/** A whole collection in memory, in the shape the write interface takes: for copies between stores and synthetic benchmarks. */
export type CollectionData = {
  info: CommitInfo;
  documents: { meta: DocumentMeta; body: string; passages: Passage[]; vectors: Float32Array[] | null; analyses?: Analysis[][] | null }[];
};

/** What a store keeps per passage, in the order of `ids`; null unless every one of them has it (a document is written whole). */
export const storedForAll = <T>(stored: Map<string, T> | null | undefined, ids: string[]): T[] | null =>
  stored && ids.every((id) => stored.has(id)) ? ids.map((id) => stored.get(id)!) : null;

export async function readCollection(store: StoreReader): Promise<CollectionData> {
  const { embedder, chunking, warnings } = await store.info();
  const documents: CollectionData['documents'] = [];
  for (const meta of await store.documents()) {
    const [body, passages] = await Promise.all([store.documentText(meta.id), store.passagesOf(meta.id)]);
    const ids = passages.map((p) => p.id);
    const [stored, analysed] = await Promise.all([embedder ? store.vectors(ids) : null, store.sentenceAnalyses?.(ids)]);
    documents.push({
      meta,
      body: body ?? '',
      passages,
      vectors: stored && ids.map((id) => stored.get(id)!),
      analyses: storedForAll(analysed, ids),
    });
  }
  return { info: { embedder, chunking, warnings }, documents };
}

/** Replaces the writer's collection with `data`, vectors and analyses as they are (nothing is re-embedded). Returns the new revision. */
export async function writeCollection(store: StoreWriter, data: CollectionData): Promise<string> {
  const session = await store.session({ reset: true });
  try {
    for (const d of data.documents) await session.upsertDocument(d.meta, d.body, d.passages, d.vectors, { analyses: d.analyses });
    return await session.commit(data.info);
  } catch (error) {
    await session.abort();
    throw error;
  }
}

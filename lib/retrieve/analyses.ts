import type { Passage, StoreReader } from '@/lib/store/types';

/**
 * The passages with each sentence's stored analysis attached (lib/text/analysis), so answering
 * and briefing read the tags and typed names ingest computed instead of running the tagger per
 * question. Passages stored without them (or a store that keeps none) come back as they were.
 */
export async function withAnalyses<P extends Passage>(store: StoreReader, passages: P[]): Promise<P[]> {
  if (!store.sentenceAnalyses || passages.length === 0) return passages;
  const stored = await store.sentenceAnalyses([...new Set(passages.map((p) => p.id))]);
  return passages.map((p) => {
    const list = stored.get(p.id);
    return list?.length === p.sentences.length ? { ...p, sentences: p.sentences.map((s, i) => ({ ...s, analysis: list[i]! })) } : p;
  });
}

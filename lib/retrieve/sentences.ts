import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Embedder } from '@/lib/embed/types';
import type { Searcher } from './searcher';

/**
 * The searcher's model, except that a text which is a sentence of one of these passages gets the
 * vector stored at ingest instead of being embedded again: answering then embeds only the
 * question (and whatever text is not the collection's own). Stores without sentence vectors, and
 * indexes built before they were stored, fall back to embedding.
 */
export async function storedSentenceEmbedder(s: Searcher & { embedder: Embedder }, passageIds: string[]): Promise<Embedder> {
  const model = s.embedder;
  const ids = [...new Set(passageIds)];
  const stored = ids.length && s.store.sentenceVectors ? await s.store.sentenceVectors(ids) : new Map<string, Float32Array[]>();
  const byText = new Map<string, Float32Array>();
  if (stored.size) {
    for (const p of await s.store.passages([...stored.keys()])) {
      const vectors = stored.get(p.id)!;
      p.sentences.forEach((sentence, i) => vectors[i] && byText.set(sentence.text, vectors[i]));
    }
  }
  return {
    id: model.id,
    label: model.label,
    dims: model.dims,
    embedQuery: (text, signal) => model.embedQuery(text, signal),
    async embedDocuments(texts, signal) {
      const missing = [...new Set(texts.filter((t) => !byText.has(t)))];
      // Stored vectors need no I/O; the turn keeps sentence ranking from running in one stretch with what came before.
      const fresh = missing.length ? await model.embedDocuments(missing, signal) : await nextTurn([]);
      const embedded = new Map(missing.map((t, i) => [t, fresh[i]!]));
      return texts.map((t) => byText.get(t) ?? embedded.get(t)!);
    },
  };
}

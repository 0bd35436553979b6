import type { Embedder } from './types';

export type CachingEmbedder = Embedder & { clearCache(): void };

/**
 * Remembers vectors by text. One question embeds the same strings more than once (the query for
 * retrieval and again for sentence ranking; candidate sentences on every question that retrieves
 * their passage; answer sentences for the support check), and the bundled encoder costs about
 * 20 ms a string. Returned vectors are shared: callers must not modify them.
 */
export function cachingEmbedder(inner: Embedder, capacity = 20_000): CachingEmbedder {
  const cache = new Map<string, Float32Array>();
  const remember = (key: string, v: Float32Array) => {
    // Map keeps insertion order, so the first key is the least recently used one.
    if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
    cache.set(key, v);
  };
  const recall = (key: string) => {
    const v = cache.get(key);
    if (v) {
      cache.delete(key);
      cache.set(key, v);
    }
    return v;
  };
  return {
    id: inner.id,
    label: inner.label,
    dims: inner.dims,
    async embedDocuments(texts, signal) {
      const keys = texts.map((t) => `d\u0000${t}`);
      const missing = [...new Set(keys.filter((k) => !cache.has(k)))];
      const fresh = new Map<string, Float32Array>();
      if (missing.length) {
        const vectors = await inner.embedDocuments(
          missing.map((k) => k.slice(2)),
          signal,
        );
        missing.forEach((k, i) => {
          fresh.set(k, vectors[i]!);
          remember(k, vectors[i]!);
        });
      }
      return keys.map((k) => fresh.get(k) ?? recall(k)!);
    },
    async embedQuery(text, signal) {
      const key = `q\u0000${text}`;
      const hit = recall(key);
      if (hit) return hit;
      const v = await inner.embedQuery(text, signal);
      remember(key, v);
      return v;
    },
    clearCache: () => cache.clear(),
    close: async () => {
      cache.clear();
      await inner.close?.();
    },
  };
}

/** Empties the cache of an embedder from `cachingEmbedder` (benchmarks measure embedding, not the cache). */
export function clearEmbeddingCache(e: Embedder | null | undefined): void {
  if (e && 'clearCache' in e) (e as CachingEmbedder).clearCache();
}

import { idf } from '@/lib/store/rank';
import type { StoreReader } from '@/lib/store/types';

/**
 * BM25 idf of the given folded terms, fetched from the store in one call so that scoring loops
 * above the store stay synchronous. A term not fetched here counts as unseen.
 */
export async function idfLookup(store: StoreReader, terms: string[]): Promise<(term: string) => number> {
  const { passageCount, df } = await store.termStats([...new Set(terms)]);
  return (term) => idf(df.get(term) ?? 0, passageCount);
}

import type { Config } from '@/lib/config';
import { cachingEmbedder } from '@/lib/embed/cache';
import { loadEmbedderById } from '@/lib/embed/load';
import type { Embedder } from '@/lib/embed/types';
import { openStore, storeLocation } from '@/lib/store/open';
import type { StoreInfo, StoreReader } from '@/lib/store/types';

/** A store with what queries need above it: the model that embedded the collection, and warnings. */
export type Searcher = {
  store: StoreReader;
  /** The store's info when this searcher was built (a new revision gets a new searcher). */
  info: StoreInfo;
  /** Null when the collection is lexical-only or its model could not be loaded. */
  embedder: Embedder | null;
  /** Why retrieval is degraded, for the CLI and the UI; empty when all is well. */
  warnings: string[];
};

export async function buildSearcher(store: StoreReader, cfg: Config['embedding'], embedder?: Embedder | null): Promise<Searcher> {
  const info = await store.info();
  const warnings = info.warnings.filter((w) => w.startsWith('Semantic search is off'));
  let loaded = embedder ?? null;
  if (info.embedder && embedder === undefined) {
    const choice = await loadEmbedderById(info.embedder.id, cfg);
    loaded = choice.embedder && cachingEmbedder(choice.embedder);
    warnings.push(...choice.warnings);
  }
  return { store, info, embedder: info.embedder ? loaded : null, warnings };
}

/** Longer than any request takes, so closing a replaced model never fails one in flight. */
const RETIRE_AFTER_MS = 5 * 60_000;

type Entry = { store: StoreReader; revision: string; searcher: Promise<Searcher> };

// Cached on globalThis so Next.js dev-server reloads and repeated requests share one load.
const cache = globalThis as typeof globalThis & { __dossierSearcher?: Map<string, Entry> };

/**
 * The searcher for the store's current revision, built once per process and rebuilt when an
 * ingest publishes a new one; the loaded model is kept when the new revision uses the same one.
 */
export async function getSearcher(cfg: Config): Promise<Searcher> {
  const store = await openStore(cfg);
  const { revision } = await store.info();
  cache.__dossierSearcher ??= new Map();
  const key = storeLocation(cfg);
  const previous = cache.__dossierSearcher.get(key);
  if (previous && previous.store === store && previous.revision === revision) return previous.searcher;
  const entry: Entry = {
    store,
    revision,
    searcher: (async () => {
      const prior = previous ? await previous.searcher.catch(() => null) : null;
      const info = await store.info();
      const reuse = prior?.embedder && prior.embedder.id === info.embedder?.id ? prior.embedder : undefined;
      return buildSearcher(store, cfg.embedding, reuse);
    })(),
  };
  cache.__dossierSearcher.set(key, entry);
  // A failed load is not cached, so the next request retries (e.g. after a re-ingest).
  entry.searcher.then(
    (next) => {
      // The old model's threads go when no request can still be using them.
      void previous?.searcher.then(
        (old) => {
          if (old.embedder && old.embedder !== next.embedder) setTimeout(() => void old.embedder!.close?.(), RETIRE_AFTER_MS).unref();
        },
        () => {},
      );
    },
    () => {
      if (cache.__dossierSearcher?.get(key) === entry) cache.__dossierSearcher.delete(key);
    },
  );
  return entry.searcher;
}

import type { Config } from '../config';
import { cachingEmbedder } from '../embed/cache';
import { loadEmbedderById } from '../embed/load';
import type { Embedder } from '../embed/types';
import { currentSnapshotName, loadSnapshot, type Snapshot } from '../index/store';
import { terms } from '../text/normalize';
import { Bm25 } from './bm25';

/** A loaded snapshot with what queries need: BM25 postings, the index's own embedder, term sets. */
export type Searcher = {
  snapshot: Snapshot;
  bm25: Bm25;
  embedder: Embedder | null;
  /** Folded term set of a passage, for near-duplicate detection; built on first use (only candidates need one). */
  termSet: (row: number) => Set<string>;
  docIndex: Map<string, Snapshot['manifest']['documents'][number]>;
  /** Why retrieval is degraded, for the CLI and the UI; empty when all is well. */
  warnings: string[];
};

export class NoIndexError extends Error {
  override name = 'NoIndexError';
}

// No folder in the message: it reaches HTTP clients, who have no business knowing the server's paths.
const noIndex = () => new NoIndexError('No index found. Run `npm run ingest` to build it.');

export async function buildSearcher(snapshot: Snapshot, cfg: Config['embedding'], embedder?: Embedder | null): Promise<Searcher> {
  const warnings = [...snapshot.manifest.warnings.filter((w) => w.startsWith('Semantic search is off'))];
  let loaded = embedder ?? null;
  if (snapshot.manifest.embedder && embedder === undefined) {
    const choice = await loadEmbedderById(snapshot.manifest.embedder.id, cfg);
    loaded = choice.embedder && cachingEmbedder(choice.embedder);
    warnings.push(...choice.warnings);
  }
  const termSets: (Set<string> | undefined)[] = [];
  return {
    snapshot,
    bm25: new Bm25(snapshot.passages.map((p) => p.text)),
    embedder: snapshot.manifest.embedder ? loaded : null,
    termSet: (row) => (termSets[row] ??= new Set(terms(snapshot.passages[row]!.text))),
    docIndex: new Map(snapshot.manifest.documents.map((d) => [d.id, d])),
    warnings,
  };
}

/** Longer than any request takes, so closing a replaced model never fails one in flight. */
const RETIRE_AFTER_MS = 5 * 60_000;

// Cached on globalThis so Next.js dev-server reloads and repeated requests share one load.
const cache = globalThis as typeof globalThis & { __dossierSearcher?: Map<string, Promise<Searcher>> };

/**
 * The searcher for the live snapshot, loaded once per process and swapped when an ingest
 * publishes a new snapshot (checked on every call: one small file read).
 */
export async function getSearcher(cfg: Config): Promise<Searcher> {
  const name = await currentSnapshotName(cfg.indexDir);
  if (!name) throw noIndex();
  cache.__dossierSearcher ??= new Map();
  const key = `${cfg.indexDir}:${name}`;
  let entry = cache.__dossierSearcher.get(key);
  if (!entry) {
    const previous = [...cache.__dossierSearcher.entries()].find(([k]) => k.startsWith(`${cfg.indexDir}:`));
    entry = (async () => {
      const snapshot = await loadSnapshot(cfg.indexDir);
      if (!snapshot) throw noIndex();
      // Reuse the loaded model when the new snapshot was built with the same one.
      const prior = previous ? await previous[1].catch(() => null) : null;
      const reuse = prior && prior.embedder && prior.embedder.id === snapshot.manifest.embedder?.id ? prior.embedder : undefined;
      return buildSearcher(snapshot, cfg.embedding, reuse);
    })();
    cache.__dossierSearcher.set(key, entry);
    // A failed load is not cached, so the next request retries (e.g. after a re-ingest).
    entry.catch(() => cache.__dossierSearcher?.delete(key));
    entry.then((next) => {
      if (!previous) return;
      cache.__dossierSearcher?.delete(previous[0]);
      // The old model's threads go when no request can still be using them.
      void previous[1].then((old) => {
        if (old.embedder && old.embedder !== next.embedder) setTimeout(() => void old.embedder!.close?.(), RETIRE_AFTER_MS).unref();
      }, () => {});
    }, () => {});
  }
  return entry;
}

import type { Config } from '@/lib/config';
import { LocalSnapshotWriter, openLocalStore } from './local/store';
import { openPostgresStore, postgresReader } from './postgres/store';
import type { StoreReader, StoreWriter } from './types';

/** The one place that picks the store implementation from the config. */

/**
 * The store to read from. The local store returns the reader of the live snapshot, so call this
 * per request: an ingest that publishes a new snapshot is picked up without a restart.
 */
export async function openStore(cfg: Pick<Config, 'indexDir' | 'databaseUrl'>): Promise<StoreReader> {
  if (cfg.databaseUrl) return postgresReader(cfg.databaseUrl);
  return openLocalStore(cfg.indexDir);
}

/** The store an ingest writes to. */
export async function openStoreWriter(cfg: Pick<Config, 'indexDir' | 'databaseUrl'>): Promise<StoreWriter> {
  if (cfg.databaseUrl) return (await openPostgresStore(cfg.databaseUrl)).writer;
  return new LocalSnapshotWriter(cfg.indexDir);
}

/** Names where the collection lives, for caches keyed by store (never shown: a URL may hold a password). */
export const storeLocation = (cfg: Pick<Config, 'indexDir' | 'databaseUrl'>) => cfg.databaseUrl ?? `file:${cfg.indexDir}`;

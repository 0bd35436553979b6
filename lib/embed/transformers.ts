import type { Config } from '../config';
import type { ModelSpec } from './models.mjs';
import { startEmbedderPool, type PooledEmbedder } from './pool';

export function transformersSpec(model: string, cfg: Config['embedding']): ModelSpec {
  return { kind: 'transformers', model, localModelPath: cfg.localModelPath, allowRemoteModels: cfg.allowRemoteModels, cacheDir: cfg.cacheDir, queryPrefix: cfg.queryPrefix };
}

/** A Transformers.js feature-extraction model (mean pooling, normalised) from the local folder or the Hub cache, in worker threads. */
export function loadTransformersEmbedder(model: string, cfg: Config['embedding']): Promise<PooledEmbedder> {
  return startEmbedderPool(transformersSpec(model, cfg), cfg.threads);
}

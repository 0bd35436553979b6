import type { Config } from '@/lib/config';
import type { ModelSpec } from './models.mjs';
import { defaultThreads, startEmbedderPool, type PooledEmbedder } from './pool';

export function transformersSpec(model: string, cfg: Config['embedding'], fallbackToBundled = false): ModelSpec {
  return {
    kind: 'transformers',
    model,
    localModelPath: cfg.localModelPath,
    allowRemoteModels: cfg.allowRemoteModels,
    cacheDir: cfg.cacheDir,
    queryPrefix: cfg.queryPrefix,
    fallback: fallbackToBundled ? { threads: cfg.threads ?? defaultThreads() } : undefined,
  };
}

/**
 * A Transformers.js feature-extraction model (mean pooling, normalised) from the local folder or
 * the Hub cache, in one worker thread: onnxruntime already spreads a batch over the cores, and
 * onnxruntime-node 1.14 keeps process-wide native state that is not safe to load in several
 * threads at once (it corrupts memory). With `fallbackToBundled`, a model that cannot be loaded
 * gives way to the bundled encoder in that same thread (its warnings say so).
 */
export function loadTransformersEmbedder(model: string, cfg: Config['embedding'], fallbackToBundled = false): Promise<PooledEmbedder> {
  return startEmbedderPool(transformersSpec(model, cfg, fallbackToBundled), 1);
}

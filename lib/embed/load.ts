import type { Config } from '@/lib/config';
import { couldNotLoadWarning, fallingBackWarning } from './models.mjs';
import { loadTransformersEmbedder } from './transformers';
import type { Embedder } from './types';
import { loadBundledEmbedder } from './use';

export type EmbedderChoice = { embedder: Embedder | null; warnings: string[] };

export const BUNDLED_MODEL = 'use';
export const NO_MODEL = 'none';

export const howToEnableSemanticSearch =
  'To enable semantic search, let Transformers.js download the model once (network access), or set DOSSIER_LOCAL_MODEL_PATH to a folder of Transformers.js models, then run `npm run ingest -- --rebuild`.';

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);

export function lexicalOnlyWarning(reason: string): string {
  return `Semantic search is off: ${reason}. Retrieval is running on keywords only (BM25). ${howToEnableSemanticSearch}`;
}

/**
 * The configured model, else the bundled encoder, else none: each step down is reported, so a
 * user always knows which embedder built their index.
 */
export async function loadEmbedderForIngest(cfg: Config['embedding']): Promise<EmbedderChoice> {
  const warnings: string[] = [];
  if (cfg.model === NO_MODEL)
    return { embedder: null, warnings: [lexicalOnlyWarning('embeddings are disabled (DOSSIER_EMBEDDING_MODEL=none)')] };
  if (cfg.model !== BUNDLED_MODEL) {
    try {
      const embedder = await loadTransformersEmbedder(cfg.model, cfg, cfg.fallback);
      return { embedder, warnings: [...embedder.warnings] };
    } catch (error) {
      warnings.push(couldNotLoadWarning(cfg, reasonOf(error)));
      if (!cfg.fallback) return { embedder: null, warnings: [...warnings, lexicalOnlyWarning(`${cfg.model} could not be loaded`)] };
      // The bundled encoder failed in that thread too: one more try, on its own.
      warnings.push(fallingBackWarning);
    }
  }
  try {
    const embedder = await loadBundledEmbedder(cfg);
    return { embedder, warnings: [...warnings, ...embedder.warnings] };
  } catch (error) {
    return { embedder: null, warnings: [...warnings, lexicalOnlyWarning(`no embedding model could be loaded (${reasonOf(error)})`)] };
  }
}

/** The embedder that built an index, for embedding queries; never a different one. */
export async function loadEmbedderById(id: string, cfg: Config['embedding']): Promise<EmbedderChoice> {
  try {
    if (id.startsWith('use:')) {
      const embedder = await loadBundledEmbedder(cfg);
      return { embedder, warnings: [...embedder.warnings] };
    }
    if (id.startsWith('transformers:'))
      return { embedder: await loadTransformersEmbedder(id.slice('transformers:'.length), cfg), warnings: [] };
    throw new Error(`unknown embedder "${id}"`);
  } catch (error) {
    return {
      embedder: null,
      warnings: [lexicalOnlyWarning(`the index was built with ${id}, which cannot be loaded now (${reasonOf(error)})`)],
    };
  }
}

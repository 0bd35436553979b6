import { loadModel, type ModelSpec } from './models.mjs';
import type { Embedder } from './types';

/**
 * A model in the calling thread (the bundled encoder with `{ kind: 'use-package' }` runs as its
 * package runs it): the peer the pooled embedder is measured and checked against. Never used
 * where a thread serves requests.
 */
export async function loadInThreadEmbedder(spec: ModelSpec): Promise<Embedder> {
  const model = await loadModel(spec);
  return {
    id: model.id,
    label: model.label,
    dims: model.dims,
    embedDocuments: (texts) => model.embed(texts, 'document'),
    embedQuery: async (text) => (await model.embed([text], 'query'))[0]!,
  };
}

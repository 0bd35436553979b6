import { env, pipeline, type FeatureExtractionPipeline } from '@xenova/transformers';
import type { Config } from '../config';
import { normalizeVector, type Embedder } from './types';

/** Instruction prefixes some retrieval models expect on queries (and sometimes passages). */
const KNOWN_PREFIXES: Record<string, { query?: string; passage?: string }> = {
  'Xenova/bge-small-en-v1.5': { query: 'Represent this sentence for searching relevant passages: ' },
  'Xenova/bge-base-en-v1.5': { query: 'Represent this sentence for searching relevant passages: ' },
  'Xenova/bge-large-en-v1.5': { query: 'Represent this sentence for searching relevant passages: ' },
  'Xenova/e5-small-v2': { query: 'query: ', passage: 'passage: ' },
  'Xenova/e5-base-v2': { query: 'query: ', passage: 'passage: ' },
  'Xenova/multilingual-e5-small': { query: 'query: ', passage: 'passage: ' },
};

const BATCH = 16;

// `env` is process-wide: remember the library default so a config without a local folder
// does not inherit the folder of an earlier load.
const DEFAULT_LOCAL_MODEL_PATH = env.localModelPath;

/** Loads a Transformers.js feature-extraction model (mean pooling, normalised) from the local folder or the Hub cache. */
export async function loadTransformersEmbedder(model: string, cfg: Config['embedding']): Promise<Embedder> {
  env.allowLocalModels = true;
  env.allowRemoteModels = cfg.allowRemoteModels;
  env.cacheDir = cfg.cacheDir;
  env.localModelPath = !cfg.localModelPath ? DEFAULT_LOCAL_MODEL_PATH : cfg.localModelPath.endsWith('/') ? cfg.localModelPath : `${cfg.localModelPath}/`;
  const extractor = (await pipeline('feature-extraction', model, { quantized: true })) as FeatureExtractionPipeline;
  const prefixes = KNOWN_PREFIXES[model] ?? {};
  const queryPrefix = cfg.queryPrefix ?? prefixes.query ?? '';
  const passagePrefix = prefixes.passage ?? '';

  const run = async (texts: string[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const tensor = await extractor(texts.slice(i, i + BATCH), { pooling: 'mean', normalize: true });
      const [rows, dims] = tensor.dims as [number, number];
      const data = tensor.data as Float32Array;
      for (let r = 0; r < rows; r++) out.push(normalizeVector(Float32Array.from(data.subarray(r * dims, (r + 1) * dims))));
    }
    return out;
  };
  const [probe] = await run(['dimension probe']);
  return {
    id: `transformers:${model}`,
    label: `${model} (Transformers.js)`,
    dims: probe!.length,
    embedDocuments: (texts) => run(texts.map((t) => passagePrefix + t)),
    embedQuery: async (text) => (await run([queryPrefix + text]))[0]!,
  };
}

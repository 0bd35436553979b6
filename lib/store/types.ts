import { z } from 'zod';
import type { Passage } from '@/lib/corpus/chunk';
import type { Analysis } from '@/lib/text/analysis';

/**
 * The store boundary. Everything above it (retrieval, answering, briefing, the library panel,
 * the API, the CLIs, ingest) sees only these types, so the local snapshot index and a database
 * are interchangeable. Every call is async so a store may answer over the network.
 */

export type { Passage, Sentence } from '@/lib/corpus/chunk';
export type { Analysis } from '@/lib/text/analysis';

export const documentMetaSchema = z.object({
  id: z.string(),
  file: z.string(),
  title: z.string(),
  outlet: z.string().optional(),
  published: z.string().optional(),
  author: z.string().optional(),
  url: z.string().optional(),
  /** Content hash of the source, for incremental ingest. */
  hash: z.string(),
  bodyOffset: z.number().int().nonnegative(),
  format: z.enum(['html', 'pdf', 'feed']).optional(),
  pages: z.array(z.number().int().nonnegative()).optional(),
  passageCount: z.number().int().nonnegative(),
});
export type DocumentMeta = z.infer<typeof documentMetaSchema>;

export type EmbedderInfo = { id: string; label: string; dims: number };
/** `analyzerVersion`: of the sentence analyses stored (lib/nlp/annotate); absent in collections built before they were. */
export type ChunkingInfo = { maxTokens: number; overlapSentences: number; cleanerVersion: number; analyzerVersion?: number };

export type StoreInfo = {
  /** The model whose vectors the store holds; null when it is lexical-only. */
  embedder: EmbedderInfo | null;
  chunking: ChunkingInfo;
  builtAt: string;
  documentCount: number;
  passageCount: number;
  /** Warnings recorded by the ingest that built the collection. */
  warnings: string[];
  /**
   * Changes whenever the collection does. Caches above the store (folded texts, examples) key on
   * it, so a store that changes under a long-lived reader must change this too.
   */
  revision: string;
};

export type RetrievalMode = 'hybrid' | 'lexical' | 'dense';

export type DocumentFilter = {
  /** Outlet names, compared after folding case and accents. */
  outlets?: string[];
  docIds?: string[];
  /** Inclusive YYYY-MM-DD bounds; documents without a date are excluded when either is set. */
  from?: string;
  to?: string;
};

export type SearchQuery = {
  text: string;
  /** The query's unit vector from the store's own embedder; null for lexical search. */
  vector: Float32Array | null;
  /** 'lexical' returns only passages sharing a term with the query; 'dense' and 'hybrid' need `vector`. */
  mode: RetrievalMode;
  filter?: DocumentFilter;
  limit: number;
  signal?: AbortSignal;
};

export type Candidate = {
  passageId: string;
  /** Fused score (see lib/retrieve/fuse.ts), best first. */
  score: number;
  /** Raw BM25 score; null when the mode had no lexical side. */
  lexicalScore: number | null;
  /** Raw cosine similarity; null when the mode had no dense side. */
  denseScore: number | null;
};

export type TermStats = { passageCount: number; df: Map<string, number> };

export interface StoreReader {
  /**
   * Search runs on the calling thread (the local snapshot store): callers pace it with their other
   * work there (lib/engines/gate.ts). A store that waits on a server instead must not hold that
   * pace while it waits.
   */
  readonly searchesOnThisThread?: boolean;
  info(): Promise<StoreInfo>;
  /** Every document, in the store's order. */
  documents(): Promise<DocumentMeta[]>;
  document(id: string): Promise<DocumentMeta | null>;
  /** The original body the passages' offsets index into. */
  documentText(id: string): Promise<string | null>;
  /** The passages with these ids, in the order asked; unknown ids are left out. */
  passages(ids: string[]): Promise<Passage[]>;
  /** A document's passages in reading order. */
  passagesOf(docId: string): Promise<Passage[]>;
  /** Every passage, document by document in reading order (whole-collection briefings, examples). */
  scanPassages(): AsyncIterable<Passage>;
  /** Stored unit vectors of these passages; empty when the store is lexical-only. */
  vectors(ids: string[]): Promise<Map<string, Float32Array>>;
  /**
   * Stored unit vectors of each passage's sentences, in `passage.sentences` order, so answering
   * never embeds a sentence of the collection. Optional: a store without them (or a passage
   * stored without them) is left out, and callers embed the sentences themselves.
   */
  sentenceVectors?(ids: string[]): Promise<Map<string, Float32Array[]>>;
  /**
   * Stored analyses (tokens, typed spans) of each passage's sentences, in `passage.sentences`
   * order, so answering never runs the tagger over the collection. Optional like the vectors: a
   * passage stored without them is left out, and callers analyse its sentences themselves.
   */
  sentenceAnalyses?(ids: string[]): Promise<Map<string, Analysis[]>>;
  /**
   * Each passage's distinct index terms as ascending numbers in the store's own numbering, to
   * compare passages of this store with one another (near-duplicates) without re-tokenising
   * them. Optional: callers without it hash the terms of the text.
   */
  passageTerms?(ids: string[]): Promise<Map<string, Uint32Array>>;
  /** Passage count and document frequency of folded terms (lib/text/normalize `terms`), for BM25 idf. */
  termStats(terms: string[]): Promise<TermStats>;
  /**
   * For each phrase (a sequence of folded words, lib/text/normalize `words`), whether it occurs
   * as consecutive words in some passage: "does the collection name this at all".
   */
  phrasesOccur(phrases: string[][]): Promise<boolean[]>;
  /** Hybrid retrieval with fusion: the best `limit` candidates, before diversification. */
  search(q: SearchQuery): Promise<Candidate[]>;
  close?(): Promise<void>;
}

/** What an ingest records about the collection when it commits. */
export type CommitInfo = { embedder: EmbedderInfo | null; chunking: ChunkingInfo; warnings: string[] };

/**
 * What ingest computed per sentence, for `passages[i].sentences[j]` at `[i][j]`: unit vectors (null
 * when the collection is lexical-only) and analyses. Either may be left out, and a store may
 * ignore them: readers then compute what they need.
 */
export type PerSentence = { vectors?: Float32Array[][] | null; analyses?: Analysis[][] | null };

/**
 * One ingest's writes. A session starts from the current collection (or an empty one with
 * `reset`); documents not upserted or removed stay as they are. Each upsert replaces a document
 * and all its passages atomically. A store may publish each document as it is written (a database,
 * one transaction each) or everything at commit (the local snapshot store).
 */
export interface WriteSession {
  /** `vectors[i]` is the unit vector of `passages[i]`; null when the collection is lexical-only. */
  upsertDocument(
    doc: DocumentMeta,
    body: string,
    passages: Passage[],
    vectors: Float32Array[] | null,
    perSentence?: PerSentence,
  ): Promise<void>;
  removeDocument(id: string): Promise<void>;
  /** Makes the session's writes the live collection; returns the new revision. */
  commit(info: CommitInfo): Promise<string>;
  /** Drops what commit would have published and releases the session. */
  abort(): Promise<void>;
}

export interface StoreWriter {
  /** What the current collection was built with; null when there is none (or it cannot be read). */
  info(): Promise<StoreInfo | null>;
  /** Content hash of each stored document, by document id, for incremental ingest. */
  contentHashes(): Promise<Map<string, string>>;
  /** Opens the one write session allowed at a time (others wait or fail with a sentence). */
  session(options?: { reset?: boolean }): Promise<WriteSession>;
  close?(): Promise<void>;
}

/** No collection has been built yet. Its message reaches HTTP clients: no paths in it. */
export class NoIndexError extends Error {
  override name = 'NoIndexError';
}

/** The collection exists but cannot be read (damaged, or from an older version). */
export class IndexError extends Error {
  override name = 'IndexError';
}

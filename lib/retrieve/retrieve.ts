import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DocumentFilter, DocumentMeta, Passage, RetrievalMode } from '@/lib/store/types';
import { withAnalyses } from './analyses';
import { diversify, hashedTerms } from './diversify';
import type { Searcher } from './searcher';

export type { DocumentFilter, RetrievalMode } from '@/lib/store/types';

export type RetrieveOptions = {
  k?: number;
  mode?: RetrievalMode;
  filter?: DocumentFilter;
  diversify?: boolean;
  /** Attach the stored sentence analyses to the passages returned (answering and briefing read them). */
  analyses?: boolean;
  signal?: AbortSignal;
};

export type RetrievedPassage = Passage & {
  score: number;
  lexicalScore: number | null;
  denseScore: number | null;
  doc: DocumentMeta;
  /** The same fact in other passages (usually other outlets), kept out of the top k but citable. */
  corroborating: (Passage & { doc: DocumentMeta; score: number })[];
};

/** The articles of retrieved passages (their corroborating ones included), by id. */
export function documentsOf(passages: RetrievedPassage[]): Map<string, DocumentMeta> {
  return new Map(passages.flatMap((p) => [p, ...p.corroborating]).map((p) => [p.docId, p.doc]));
}

export type RetrievalResult = { mode: RetrievalMode; passages: RetrievedPassage[]; warnings: string[] };

const CANDIDATES = 50;

/**
 * Ranked passages for a query: hybrid by default, degrading to lexical when no embedder is loaded.
 * The store finds and fuses the candidates; diversification runs here on those candidates only.
 */
export async function retrieve(s: Searcher, query: string, options: RetrieveOptions = {}): Promise<RetrievalResult> {
  options.signal?.throwIfAborted();
  const k = options.k ?? 5;
  const canDense = !!(s.embedder && s.info.embedder);
  const warnings = [...s.warnings];
  let mode = options.mode ?? 'hybrid';
  if (mode !== 'lexical' && !canDense) mode = 'lexical';

  const vector = mode === 'lexical' ? null : await s.embedder!.embedQuery(query, options.signal);
  options.signal?.throwIfAborted();
  const candidates = await s.store.search({ text: query, vector, mode, filter: options.filter, limit: CANDIDATES, signal: options.signal });
  // A store in memory answers without any I/O, so a whole answer would otherwise run as one
  // synchronous stretch: other requests get a turn between scoring and diversification.
  await nextTurn();
  options.signal?.throwIfAborted();
  const ids = candidates.map((c) => c.passageId);
  const diversifying = options.diversify !== false;
  const [passages, vectors, storedTerms] = await Promise.all([
    s.store.passages(ids),
    // Stored vectors judge near-duplicates even when the query itself was lexical.
    !diversifying || !s.info.embedder ? new Map<string, Float32Array>() : s.store.vectors(ids),
    diversifying && s.store.passageTerms ? s.store.passageTerms(ids) : new Map<string, Uint32Array>(),
  ]);
  const byId = new Map(passages.map((p) => [p.id, p]));
  const found = candidates.filter((c) => byId.has(c.passageId));
  const docIds = [...new Set(found.map((c) => byId.get(c.passageId)!.docId))];
  const docs = new Map((await Promise.all(docIds.map((id) => s.store.document(id)))).flatMap((d) => (d ? [[d.id, d] as const] : [])));
  const ranked = found.filter((c) => docs.has(byId.get(c.passageId)!.docId));

  const picks =
    options.diversify === false
      ? ranked.slice(0, k).map((_, index) => ({ index, duplicates: [] }))
      : diversify(
          ranked.map((c) => ({
            terms: storedTerms.get(c.passageId) ?? hashedTerms(byId.get(c.passageId)!.text),
            vector: vectors.get(c.passageId),
          })),
          ranked.map((c) => c.score),
          k,
        );

  if (options.analyses) {
    const chosen = picks.flatMap(({ index, duplicates }) => [index, ...duplicates]).map((i) => byId.get(ranked[i]!.passageId)!);
    for (const p of await withAnalyses(s.store, chosen)) byId.set(p.id, p);
  }
  const view = (i: number) => {
    const p = byId.get(ranked[i]!.passageId)!;
    return { ...p, doc: docs.get(p.docId)!, score: ranked[i]!.score };
  };
  return {
    mode,
    warnings,
    passages: picks.map(({ index, duplicates }) => ({
      ...view(index),
      lexicalScore: ranked[index]!.lexicalScore,
      denseScore: ranked[index]!.denseScore,
      corroborating: duplicates.map(view),
    })),
  };
}

import type { Passage } from '../corpus/chunk';
import type { DocumentMeta } from '../index/manifest';
import { fold } from '../text/normalize';
import { cosineScan, topIndices } from './dense';
import { diversify } from './diversify';
import { fuseScores } from './fuse';
import type { Searcher } from './searcher';

export type RetrievalMode = 'hybrid' | 'lexical' | 'dense';

export type DocumentFilter = {
  outlets?: string[];
  docIds?: string[];
  /** Inclusive YYYY-MM-DD bounds; documents without a date are excluded when either is set. */
  from?: string;
  to?: string;
};

export type RetrieveOptions = { k?: number; mode?: RetrievalMode; filter?: DocumentFilter; diversify?: boolean; signal?: AbortSignal };

export type RetrievedPassage = Passage & {
  score: number;
  lexicalScore: number | null;
  denseScore: number | null;
  doc: DocumentMeta;
  /** The same fact in other passages (usually other outlets), kept out of the top k but citable. */
  corroborating: (Passage & { doc: DocumentMeta; score: number })[];
};

export type RetrievalResult = { mode: RetrievalMode; passages: RetrievedPassage[]; warnings: string[] };

const CANDIDATES = 50;

function allowedRows(s: Searcher, filter?: DocumentFilter): Uint8Array | null {
  if (!filter || (!filter.outlets?.length && !filter.docIds?.length && !filter.from && !filter.to)) return null;
  const outlets = filter.outlets?.map(fold);
  const docs = new Set<string>();
  for (const d of s.snapshot.manifest.documents) {
    if (outlets?.length && !(d.outlet && outlets.includes(fold(d.outlet)))) continue;
    if (filter.docIds?.length && !filter.docIds.includes(d.id)) continue;
    if ((filter.from || filter.to) && !d.published) continue;
    if (filter.from && d.published! < filter.from) continue;
    if (filter.to && d.published! > filter.to) continue;
    docs.add(d.id);
  }
  return Uint8Array.from(s.snapshot.passages, (p) => (docs.has(p.docId) ? 1 : 0));
}

/** Ranked passages for a query: hybrid by default, degrading to lexical when no embedder is loaded. */
export async function retrieve(s: Searcher, query: string, options: RetrieveOptions = {}): Promise<RetrievalResult> {
  options.signal?.throwIfAborted();
  const k = options.k ?? 5;
  const canDense = !!(s.embedder && s.snapshot.vectors);
  const warnings = [...s.warnings];
  let mode = options.mode ?? 'hybrid';
  if (mode !== 'lexical' && !canDense) mode = 'lexical';
  const allowed = allowedRows(s, options.filter);

  const lexical = mode === 'dense' ? null : s.bm25.score(query);
  const dense = mode === 'lexical' ? null : cosineScan(s.snapshot.vectors!, s.snapshot.manifest.embedder!.dims, await s.embedder!.embedQuery(query, options.signal));
  options.signal?.throwIfAborted();
  const fused = fuseScores({ lexical, dense, allowed });

  let candidates = topIndices(fused, CANDIDATES, allowed);
  // Lexical-only retrieval has nothing to say about passages that share no term with the query.
  if (mode === 'lexical') candidates = candidates.filter((i) => fused[i]! > 0);
  const picks = options.diversify === false ? candidates.slice(0, k).map((row) => ({ row, duplicates: [] })) : diversify(s, candidates, fused, k);

  const view = (row: number) => {
    const p = s.snapshot.passages[row]!;
    return { ...p, doc: s.docIndex.get(p.docId)!, score: fused[row]! };
  };
  return {
    mode,
    warnings,
    passages: picks.map(({ row, duplicates }) => ({
      ...view(row),
      lexicalScore: lexical ? lexical[row]! : null,
      denseScore: dense ? dense[row]! : null,
      corroborating: duplicates.map(view),
    })),
  };
}

import { describeLlm } from './ai/provider';
import type { Config } from './config';
import { getSearcher, type Searcher } from './retrieve/searcher';
import { fold } from './text/normalize';

/** What the UI shows about the collection: the articles, how retrieval runs, and what to fix. */
export type LibraryStatus = {
  documents: { id: string; title: string; outlet?: string; published?: string; passageCount: number }[];
  passageCount: number;
  builtAt: string;
  embedder: { id: string; label: string } | null;
  retrieval: 'hybrid' | 'lexical';
  engine: 'local' | 'llm';
  llm: string | null;
  warnings: string[];
  examples: string[];
};

const examplesCache = new WeakMap<Searcher, string[]>();

/**
 * Example questions drawn from the collection itself: its most mentioned people and years, and
 * the opening claim of its most recent article, so they always have answers.
 */
function examples(s: Searcher): string[] {
  const cached = examplesCache.get(s);
  if (cached) return cached;
  const names = new Map<string, number>();
  const years = new Map<string, number>();
  const lower = new Set<string>();
  for (const p of s.snapshot.passages) for (const m of p.text.matchAll(/(?<![\p{L}])\p{Ll}[\p{L}\p{M}]+/gu)) lower.add(m[0]);
  for (const p of s.snapshot.passages) {
    for (const m of p.text.matchAll(/(?<![\p{L}\p{M}])\p{Lu}[\p{Ll}\p{M}]+(?: \p{Lu}[\p{Ll}\p{M}]+){1,3}(?![\p{L}\p{M}])/gu)) {
      const parts = m[0].split(/\s+/);
      // A person's name: several capitalised words, none an ordinary word that merely starts a sentence.
      if (parts.some((w) => lower.has(w.toLowerCase()))) continue;
      names.set(m[0], (names.get(m[0]) ?? 0) + 1);
    }
    for (const m of p.text.matchAll(/\b(19|20)\d{2}\b/g)) years.set(m[0], (years.get(m[0]) ?? 0) + 1);
  }
  const top = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k]) => k);
  const out: string[] = [];
  const [person, other] = top(names, 2);
  const [year] = top(years, 1);
  if (person) out.push(`What did ${person} say?`);
  if (year) out.push(`What happened in ${year}?`);
  if (other && fold(other) !== fold(person ?? '')) out.push(`Who is ${other}?`);
  out.push('What are the main points across all articles?');
  examplesCache.set(s, out);
  return out;
}

export async function libraryStatus(cfg: Config): Promise<LibraryStatus> {
  const s = await getSearcher(cfg);
  const m = s.snapshot.manifest;
  return {
    documents: m.documents.map((d) => ({ id: d.id, title: d.title, outlet: d.outlet, published: d.published, passageCount: d.passageCount })),
    passageCount: m.passageCount,
    builtAt: m.builtAt,
    embedder: s.embedder ? { id: s.embedder.id, label: s.embedder.label } : null,
    retrieval: s.embedder && s.snapshot.vectors ? 'hybrid' : 'lexical',
    engine: cfg.engine,
    llm: cfg.llm ? describeLlm(cfg.llm) : null,
    warnings: s.warnings,
    examples: examples(s),
  };
}

/** One document as indexed: metadata and the original text the citations' offsets point into. */
export async function getDocument(cfg: Config, id: string) {
  const s = await getSearcher(cfg);
  const doc = s.docIndex.get(id);
  if (!doc) return null;
  const passages = s.snapshot.passages.filter((p) => p.docId === id).map((p) => ({ id: p.id, start: p.start, end: p.end }));
  return { ...doc, text: s.snapshot.bodies[id]!, passages };
}

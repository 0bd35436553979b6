import { describeLlm } from './ai/provider';
import type { Config } from './config';
import { libraryDocumentJson, type LibraryDocumentJson } from './http/shapes';
import { getSearcher, type Searcher } from './retrieve/searcher';
import { fold } from './text/normalize';

/** What the UI shows about the collection: the articles, how retrieval runs, and what to fix. */
export type LibraryStatus = {
  documents: LibraryDocumentJson[];
  passageCount: number;
  builtAt: string;
  embedder: { id: string; label: string } | null;
  retrieval: 'hybrid' | 'lexical';
  engine: 'local' | 'llm';
  llm: string | null;
  warnings: string[];
  examples: string[];
};

const examplesCache = new WeakMap<Searcher, Promise<string[]>>();

/**
 * Example questions drawn from the collection itself: its most mentioned people and years, and
 * the opening claim of its most recent article, so they always have answers.
 */
function examples(s: Searcher): Promise<string[]> {
  let cached = examplesCache.get(s);
  if (!cached) {
    cached = collectExamples(s);
    examplesCache.set(s, cached);
    cached.catch(() => examplesCache.delete(s));
  }
  return cached;
}

async function collectExamples(s: Searcher): Promise<string[]> {
  const names = new Map<string, number>();
  const years = new Map<string, number>();
  const lower = new Set<string>();
  // Two passes over the collection, so a large one is streamed rather than held.
  for await (const p of s.store.scanPassages()) for (const m of p.text.matchAll(/(?<![\p{L}])\p{Ll}[\p{L}\p{M}]+/gu)) lower.add(m[0]);
  for await (const p of s.store.scanPassages()) {
    for (const m of p.text.matchAll(/(?<![\p{L}\p{M}])\p{Lu}[\p{Ll}\p{M}]+(?: \p{Lu}[\p{Ll}\p{M}]+){1,3}(?![\p{L}\p{M}])/gu)) {
      const parts = m[0].split(/\s+/);
      // A person's name: several capitalised words, none an ordinary word that merely starts a sentence.
      if (parts.some((w) => lower.has(w.toLowerCase()))) continue;
      names.set(m[0], (names.get(m[0]) ?? 0) + 1);
    }
    for (const m of p.text.matchAll(/\b(19|20)\d{2}\b/g)) years.set(m[0], (years.get(m[0]) ?? 0) + 1);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k]) => k);
  const out: string[] = [];
  const [person, other] = top(names, 2);
  const [year] = top(years, 1);
  if (person) out.push(`What did ${person} say?`);
  if (year) out.push(`What happened in ${year}?`);
  if (other && fold(other) !== fold(person ?? '')) out.push(`Who is ${other}?`);
  out.push('What are the main points across all articles?');
  return out;
}

export async function libraryStatus(cfg: Config): Promise<LibraryStatus> {
  const s = await getSearcher(cfg);
  return {
    documents: (await s.store.documents()).map(libraryDocumentJson),
    passageCount: s.info.passageCount,
    builtAt: s.info.builtAt,
    embedder: s.embedder ? { id: s.embedder.id, label: s.embedder.label } : null,
    retrieval: s.embedder && s.info.embedder ? 'hybrid' : 'lexical',
    engine: cfg.engine,
    llm: cfg.llm ? describeLlm(cfg.llm) : null,
    warnings: s.warnings,
    examples: await examples(s),
  };
}

/** One document as indexed: metadata and the original text the citations' offsets point into. */
export async function getDocument(cfg: Config, id: string) {
  const s = await getSearcher(cfg);
  const [doc, text, passages] = await Promise.all([s.store.document(id), s.store.documentText(id), s.store.passagesOf(id)]);
  if (!doc || text === null) return null;
  return { ...doc, text, passages: passages.map((p) => ({ id: p.id, start: p.start, end: p.end })) };
}

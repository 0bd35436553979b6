import { sentenceSegments, type Passage } from '@/lib/corpus/chunk';
import type { DocumentMeta } from '@/lib/store/types';
import type { Embedder } from '@/lib/embed/types';
import type { RetrievedPassage } from '@/lib/retrieve/retrieve';
import type { Searcher } from '@/lib/retrieve/searcher';
import { storedSentenceEmbedder } from '@/lib/retrieve/sentences';
import { BRACKETED, isCitationLike, markerIds } from '@/lib/text/markers';
import { isStopword, terms, words } from '@/lib/text/normalize';
import type { ChatMessage, Citation, SentenceCheck } from './types';

/** The citation numbered `n` for a passage, with the spans of it to highlight. */
export function citationOf(p: CitablePassage, n: number, spans: [number, number][] = []): Citation {
  return {
    n,
    passageId: p.id,
    docId: p.docId,
    title: p.doc.title,
    outlet: p.doc.outlet,
    published: p.doc.published,
    text: p.text,
    start: p.start,
    end: p.end,
    spans,
  };
}

/**
 * Citation mechanics shared by both engines. Engines cite passages by their stable id
 * (`docId#position`); display numbers are assigned here, in order of first use, and carried
 * across the turns of a conversation.
 */

export type CitablePassage = Passage & { doc: DocumentMeta };

export class CitationRegistry {
  private readonly byPassage = new Map<string, number>();
  private readonly used = new Map<number, Citation>();
  private next = 1;

  constructor(
    private readonly lookup: (passageId: string) => CitablePassage | undefined,
    history: ChatMessage[] = [],
  ) {
    for (const m of history)
      for (const c of m.citations ?? []) {
        if (!this.byPassage.has(c.passageId)) this.byPassage.set(c.passageId, c.n);
        this.next = Math.max(this.next, c.n + 1);
      }
  }

  /** Display number for a passage id, or null when the id names no known passage. */
  resolve(passageId: string, spans?: [number, number][]): number | null {
    const p = this.lookup(passageId.trim());
    if (!p) return null;
    let n = this.byPassage.get(p.id);
    if (n === undefined) {
      n = this.next++;
      this.byPassage.set(p.id, n);
    }
    const existing = this.used.get(n);
    if (!existing) {
      this.used.set(n, citationOf(p, n, spans ?? []));
    } else if (spans) {
      for (const s of spans) if (!existing.spans.some(([a, b]) => a === s[0] && b === s[1])) existing.spans.push(s);
    }
    return n;
  }

  get(n: number): Citation | undefined {
    return this.used.get(n);
  }

  /** Citations used in this answer, in display order. */
  list(): Citation[] {
    return [...this.used.values()].sort((a, b) => a.n - b.n);
  }
}

/**
 * What an engine may cite in one turn: the passages it was given, and those that earlier turns of
 * the conversation cited. Any other id, even a real passage's, names no source of this answer.
 */
export async function citableLookup(
  searcher: Searcher,
  given: RetrievedPassage[],
  history: ChatMessage[] = [],
): Promise<(id: string) => CitablePassage | undefined> {
  const allowed = new Map<string, CitablePassage>();
  for (const p of given) for (const member of [p, ...p.corroborating]) allowed.set(member.id, member);
  const earlier = history.flatMap((m) => (m.citations ?? []).map((c) => c.passageId)).filter((id) => !allowed.has(id));
  for (const p of earlier.length ? await searcher.store.passages([...new Set(earlier)]) : []) {
    const doc = await searcher.store.document(p.docId);
    if (doc) allowed.set(p.id, { ...p, doc });
  }
  return (id) => allowed.get(id);
}

/**
 * What the support check needs of a model for the passages a registry cites: their stored
 * vectors, and an embedder that reuses their stored sentence vectors; null without a model.
 */
export async function semanticSupport(searcher: Searcher, registry: CitationRegistry): Promise<SemanticSupport | null> {
  if (!searcher.embedder) return null;
  const ids = registry.list().map((c) => c.passageId);
  const [vectors, embedder] = await Promise.all([
    searcher.store.vectors(ids),
    storedSentenceEmbedder({ ...searcher, embedder: searcher.embedder }, ids),
  ]);
  return { embedder, passageVector: (id) => vectors.get(id) };
}

const MAX_MARKER = 200;

/**
 * Rewrites passage-id markers to display numbers while text streams in. A partial marker
 * ("[", "[abc#1", "[abc#1,") is held back until it closes, so a broken marker never reaches the
 * screen; ids that name no source are dropped and counted.
 */
export class MarkerRewriter {
  private pending = '';
  removed = 0;

  constructor(
    private readonly registry: CitationRegistry,
    private readonly spansFor?: (passageId: string) => [number, number][] | undefined,
  ) {}

  private rewrite(text: string): string {
    return text.replace(BRACKETED, (whole, inner: string) => {
      // Not a citation at all (e.g. "[sic]" or a bracketed aside): leave it, unless it looks like one.
      if (!isCitationLike(inner)) return whole;
      const numbers: number[] = [];
      for (const id of markerIds(inner)) {
        const n = this.registry.resolve(id, this.spansFor?.(id));
        if (n === null) this.removed++;
        else if (!numbers.includes(n)) numbers.push(n);
      }
      return numbers.map((n) => `[${n}]`).join('');
    });
  }

  push(chunk: string): string {
    const text = this.pending + chunk;
    const open = text.lastIndexOf('[');
    if (open >= 0 && !text.includes(']', open) && text.length - open <= MAX_MARKER) {
      this.pending = text.slice(open);
      return this.rewrite(text.slice(0, open));
    }
    this.pending = '';
    return this.rewrite(text);
  }

  flush(): string {
    const rest = this.pending;
    this.pending = '';
    // An unclosed "[..." at the end was never a complete marker: drop it if it looks like one.
    return /^\[[\w#,;\s-]{0,200}$/.test(rest) ? '' : rest;
  }
}

const DISPLAY_MARKER = /\[(\d+)\]/g;

/** Answer sentences with the display numbers they cite (markers just after a full stop belong to the sentence before). */
export function citedSentences(text: string): { sentence: string; citations: number[] }[] {
  const out: { sentence: string; citations: number[] }[] = [];
  // A bold short answer ("**1973.** ") is a span of the sentence after it, which carries its citation.
  const body = text.startsWith('**') ? text.replace(/^\*\*[^*\n]{1,300}\*\*\s?/, '') : text;
  // The same sentence rules as chunking, so "at 12 p.m. ET" does not cut a cited sentence in two.
  for (const { segment } of sentenceSegments(body)) {
    let s = segment.trim();
    if (!s) continue;
    const lead = /^((?:\[\d+\]\s*)+)/.exec(s);
    if (lead && out.length) {
      const prev = out.at(-1)!;
      for (const m of lead[1]!.matchAll(DISPLAY_MARKER)) if (!prev.citations.includes(Number(m[1]))) prev.citations.push(Number(m[1]));
      s = s.slice(lead[0].length).trim();
      if (!s) continue;
    }
    const citations = [...new Set([...s.matchAll(DISPLAY_MARKER)].map((m) => Number(m[1])))];
    const sentence = s
      .replace(DISPLAY_MARKER, '')
      .replace(/(?<!\s)\s+([.,;:!?])/g, '$1')
      .replace(/\s{2,}/g, ' ')
      .trim();
    if (/\p{L}/u.test(sentence)) out.push({ sentence, citations });
  }
  return out;
}

/** Share of a sentence's content words that the passage also contains (accent-insensitive, stemmed). */
export function lexicalSupport(sentence: string, passage: string): number {
  const wanted = new Set(terms(sentence).filter((t) => t.length > 1));
  if (wanted.size === 0) return 0;
  const have = new Set(terms(passage));
  let hit = 0;
  for (const t of wanted) if (have.has(t)) hit++;
  return hit / wanted.size;
}

/** Numbers in the sentence that the passage does not contain: a changed figure is never "supported". */
function unsupportedNumbers(sentence: string, passage: string): number {
  const nums = (t: string) => new Set(words(t).filter((w) => /^\d/.test(w) && !isStopword(w)));
  const have = nums(passage);
  return [...nums(sentence)].filter((n) => !have.has(n)).length;
}

const SUPPORTED = 0.5;

export type SemanticSupport = { embedder: Embedder; passageVector: (passageId: string) => Float32Array | undefined };

/**
 * Scores every answer sentence against the passages it cites: lexical overlap and, when a model
 * is loaded, embedding similarity. A sentence whose figures are absent from its sources is weak
 * whatever its wording.
 */
export async function checkCitations(
  text: string,
  registry: CitationRegistry,
  semantic: SemanticSupport | null,
  signal?: AbortSignal,
): Promise<SentenceCheck[]> {
  const sentences = citedSentences(text);
  const vectors = semantic
    ? await semantic.embedder.embedDocuments(
        sentences.map((s) => s.sentence),
        signal,
      )
    : null;
  signal?.throwIfAborted();
  const passageVectors = new Map<number, Float32Array>();
  if (semantic) {
    for (const n of new Set(sentences.flatMap((s) => s.citations))) {
      const c = registry.get(n);
      const v = c && semantic.passageVector(c.passageId);
      if (v) passageVectors.set(n, v);
    }
  }
  return sentences.map(({ sentence, citations }, i) => {
    if (citations.length === 0) return { sentence, citations, support: 0, verdict: 'uncited' as const };
    let support = 0;
    for (const n of citations) {
      const c = registry.get(n);
      if (!c) continue;
      let s = lexicalSupport(sentence, c.text);
      const v = vectors?.[i];
      const pv = passageVectors.get(n);
      if (v && pv) {
        let dot = 0;
        for (let d = 0; d < v.length; d++) dot += v[d]! * pv[d]!;
        // Cosine between a sentence and a passage that contains it sits around 0.6-0.9.
        s = Math.max(s, Math.min(1, Math.max(0, (dot - 0.3) / 0.5)) * 0.9);
      }
      if (unsupportedNumbers(sentence, c.text) > 0) s = Math.min(s, SUPPORTED - 0.1);
      support = Math.max(support, s);
    }
    return {
      sentence,
      citations,
      support: Math.round(support * 100) / 100,
      verdict: support >= SUPPORTED ? ('supported' as const) : ('weak' as const),
    };
  });
}

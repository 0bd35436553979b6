import type { RetrievedPassage } from '../retrieve/retrieve';
import type { Searcher } from '../retrieve/searcher';
import { neutraliseMarkers } from '../text/markers';
import { fold, normalizeDisplay, terms, trimEndOf, words } from '../text/normalize';
import { answerValues, hasAnswerShape, questionType, valueKey, type QuestionType } from './question';

/**
 * The local engine: an extractive answer composed from sentences of the retrieved passages,
 * cited by passage id. No model is needed; one is used for sentence similarity when loaded.
 */

export type Candidate = {
  passageId: string;
  docId: string;
  start: number;
  end: number;
  text: string;
  terms: Set<string>;
  coverage: number;
  semantic: number | null;
  shape: boolean;
  /** How closely the sentence matches the question, before the answer-shape bonus. */
  relevance: number;
  score: number;
};

export type LocalAnswer = { text: string; refused: boolean; evidence: number; spans: Map<string, [number, number][]> };

/** Below this evidence score the engine says the articles do not cover the question (see eval: `npm run eval`). */
export const REFUSAL_THRESHOLD = 0.36;
const MAX_SENTENCES = 4;
/** An answer-bearing sentence must be nearly as relevant as the most relevant sentence. */
const ALIGNMENT = 0.75;

/** Words the collection uses in lower case somewhere: capitalised, they are ordinary words, not names. */
const commonWords = new WeakMap<Searcher, Set<string>>();
function commonWordTest(searcher: Searcher): (w: string) => boolean {
  let set = commonWords.get(searcher);
  if (!set) {
    set = new Set();
    for (const p of searcher.snapshot.passages) for (const m of p.text.matchAll(/(?<![\p{L}])\p{Ll}[\p{L}\p{M}]+/gu)) set.add(m[0]);
    commonWords.set(searcher, set);
  }
  const words = set;
  return (w) => words.has(w.toLowerCase());
}

/** Idf-weighted share of the question's terms that a sentence contains. */
function coverage(searcher: Searcher, queryTerms: string[], sentenceTerms: Set<string>): number {
  let total = 0;
  let hit = 0;
  for (const t of new Set(queryTerms)) {
    const w = searcher.bm25.idf(t);
    total += w;
    if (sentenceTerms.has(t)) hit += w;
  }
  return total ? hit / total : 0;
}

export async function sentenceCandidates(searcher: Searcher, question: string, passages: RetrievedPassage[], type: QuestionType, queryVector: Float32Array | null, signal?: AbortSignal): Promise<Candidate[]> {
  const queryTerms = terms(question);
  const isCommon = commonWordTest(searcher);
  const seen = new Set<string>();
  const out: Candidate[] = [];
  const maxPassage = Math.max(...passages.map((p) => p.score), 1e-9);
  passages.forEach((p, rank) => {
    for (const member of [p, ...p.corroborating]) {
      for (const s of member.sentences) {
        const key = `${member.docId}:${s.start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const t = new Set(terms(s.text));
        const prior = (member.score / maxPassage) * (1 - rank * 0.04);
        out.push({ passageId: member.id, docId: member.docId, start: s.start, end: s.end, text: s.text, terms: t, coverage: coverage(searcher, queryTerms, t), semantic: null, shape: hasAnswerShape(s.text, type, question, isCommon), relevance: 0, score: prior });
      }
    }
  });
  if (queryVector && searcher.embedder) {
    const vectors = await searcher.embedder.embedDocuments(out.map((c) => c.text), signal);
    signal?.throwIfAborted();
    out.forEach((c, i) => {
      const v = vectors[i]!;
      let dot = 0;
      for (let j = 0; j < v.length; j++) dot += v[j]! * queryVector[j]!;
      c.semantic = dot;
    });
  }
  for (const c of out) {
    const sem = c.semantic === null ? null : Math.max(0, Math.min(1, (c.semantic - 0.15) / 0.55));
    c.relevance = sem === null ? c.coverage : 0.55 * c.coverage + 0.45 * sem;
    c.score = 0.75 * c.relevance + 0.1 * c.score + (c.shape ? 0.15 : 0);
  }
  return out.sort((a, b) => b.score - a.score);
}

export const jaccard = (a: Set<string>, b: Set<string>) => {
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter || 1);
};

export const numbersOf = (text: string) => new Set(words(text).filter((w) => /^\d/.test(w)));

const TOKEN = /\p{L}[\p{L}\p{M}\p{N}]*|\p{N}+(?:[.,]\p{N}+)*/gu;
const NOT_A_NAME = /^(January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$/;
const shingleCache = new WeakMap<Candidate, Map<string, string>>();

/**
 * Word 6-grams of a sentence, to spot a phrase two outlets share verbatim (a name, a quoted
 * title), each with the word that follows it as written (capitalised or not).
 */
function shingles(c: Candidate): Map<string, string> {
  let out = shingleCache.get(c);
  if (!out) {
    const raw = normalizeDisplay(c.text).match(TOKEN) ?? [];
    const w = raw.map(fold);
    out = new Map();
    for (let i = 0; i + 6 <= w.length; i++) {
      const g = w.slice(i, i + 6).join(' ');
      if (!out.has(g)) out.set(g, raw[i + 6] ?? '');
    }
    shingleCache.set(c, out);
  }
  return out;
}

const isName = (w: string) => /^\p{Lu}/u.test(w) && !NOT_A_NAME.test(w);

/**
 * Two sentences report the same fact when they share most of their terms or a long verbatim
 * phrase, and neither their figures (both give numbers, none in common) nor their names (a
 * shared title followed by different names: "Ambassador to Vietnam Yamada Takio" and "…Ito
 * Naoki" are two people) contradict each other.
 */
export function sameFact(a: Candidate, b: Candidate): boolean {
  const sa = shingles(a);
  const sb = shingles(b);
  let shared = false;
  for (const [g, next] of sa) {
    const other = sb.get(g);
    if (other === undefined) continue;
    if (isName(next) && isName(other) && fold(next) !== fold(other)) return false;
    shared = true;
  }
  if (!shared && jaccard(a.terms, b.terms) < 0.45) return false;
  const na = numbersOf(a.text);
  const nb = numbersOf(b.text);
  return !(na.size && nb.size && ![...na].some((n) => nb.has(n)));
}

const CLOSERS = `"'”’)`;

/** The sentence with its citation markers placed before its final stop (and any closing quotes). */
export function withMarkers(sentence: string, ids: string[]): string {
  const markers = ids.map((id) => `[${id}]`).join('');
  const body = sentence.trimEnd();
  let end = body.length;
  while (end > 0 && CLOSERS.includes(body[end - 1]!)) end--;
  if (end > 0 && '.!?'.includes(body[end - 1]!)) return `${body.slice(0, end - 1)} ${markers}${body.slice(end - 1)}`;
  // A clause cut from a run-on sentence ends on a comma or semicolon: close it as a sentence.
  return `${trimEndOf(body, ',;:—–- ')} ${markers}.`;
}

/** Outlet or short title; no date, so the framing adds no figure the passage lacks. */
function describeSource(searcher: Searcher, docId: string): string {
  const d = searcher.docIndex.get(docId)!;
  const cut = d.title.slice(0, 57);
  const short = d.title.length > 60 ? `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 30))}…` : d.title;
  // Metadata is article text too: a title holding "[other#0]" must not become a citation.
  return neutraliseMarkers(d.outlet ?? `"${short}"`);
}

/** Is the value stated about what the question asks, i.e. next to one of its specific words? */
function answersInContext(sentence: string, value: string, specific: Set<string>): boolean {
  const at = sentence.indexOf(value);
  if (at < 0) return false;
  const window = sentence.slice(Math.max(0, at - 60), at + value.length + 60);
  return terms(window).some((t) => specific.has(t));
}

/** Names and numbers in the question that occur nowhere in the collection: the articles cannot be about them. */
export function unknownSpecifics(searcher: Searcher, question: string): string[] {
  const out: string[] = [];
  const tokens = [...question.matchAll(/[\p{L}\p{N}][\p{L}\p{M}\p{N}'’.-]*/gu)].map((m) => trimEndOf(m[0], ".’'"));
  tokens.forEach((tok, i) => {
    const specific = /^\d/.test(tok) || (i > 0 && /^\p{Lu}/u.test(tok) && tok.length > 1);
    if (!specific) return;
    const t = terms(tok);
    if (t.length && t.every((x) => searcher.bm25.idf(x) >= searcher.bm25.idf('\u0000never'))) out.push(tok);
  });
  return out;
}

export type Evidence = { score: number; lead: Candidate | undefined; unknown: string[]; type: QuestionType };

/**
 * How well the best sentence answers the question. A factual question (when, how many, who) is
 * only answered by a sentence holding a value of that kind, and a question about a name or number
 * the articles never mention is not answered at all, however similar the wording.
 */
export function assessEvidence(searcher: Searcher, question: string, ranked: Candidate[], type: QuestionType): Evidence {
  const unknown = unknownSpecifics(searcher, question);
  const needsShape = type === 'when' || type === 'quantity' || type === 'who' || type === 'where';
  const lead = needsShape ? ranked.find((c) => c.shape) : ranked[0];
  let score = lead?.score ?? 0;
  // The sentences closest to the question lack the kind of value asked for: the answer is not here.
  const best = Math.max(0, ...ranked.map((c) => c.relevance));
  if (lead && lead.relevance < ALIGNMENT * best) score = 0;
  // A yes/no question about something the articles never name cannot be confirmed from them.
  if (unknown.length) score *= type === 'yesno' ? 0 : 0.75;
  return { score, lead, unknown, type };
}

export async function rankSentences(searcher: Searcher, question: string, passages: RetrievedPassage[], signal?: AbortSignal) {
  const type = questionType(question);
  const queryVector = searcher.embedder && question.trim() ? await searcher.embedder.embedQuery(question, signal) : null;
  return { type, ranked: await sentenceCandidates(searcher, question, passages, type, queryVector, signal) };
}

export async function composeLocalAnswer(searcher: Searcher, question: string, passages: RetrievedPassage[], signal?: AbortSignal): Promise<LocalAnswer> {
  const { type, ranked } = await rankSentences(searcher, question, passages, signal);
  const { score: evidence, lead } = assessEvidence(searcher, question, ranked, type);
  if (!lead || evidence < REFUSAL_THRESHOLD) return { text: '', refused: true, evidence, spans: new Map() };

  const factual = type !== 'other' && type !== 'why' && type !== 'yesno';
  const limit = factual ? 3 : MAX_SENTENCES;
  const isCommon = commonWordTest(searcher);
  // The question's most specific words ("ambassador"), not the ones every article repeats ("Japan").
  const specific = new Set([...new Set(terms(question))].filter((t) => searcher.bm25.idf(t) >= 1).sort((a, b) => searcher.bm25.idf(b) - searcher.bm25.idf(a)).slice(0, 2));
  /** The values a sentence gives in answer to the question ("1973" for "when were relations established"). */
  const keys = (c: Candidate) => new Set(answerValues(c.text, type, question, isCommon).filter((v) => answersInContext(c.text, v, specific)).map((v) => valueKey(v, type)));
  const sameAnswer = (a: Candidate, b: Candidate) => { const kb = keys(b); return [...keys(a)].some((v) => kb.has(v)); };
  const chosen: { c: Candidate; support: Candidate[] }[] = [];
  const used = new Set<Candidate>();
  for (const c of [lead, ...ranked.filter((r) => r !== lead)]) {
    if (chosen.length >= limit) break;
    if (used.has(c)) continue;
    if (chosen.length > 0) {
      if (c.score < Math.max(REFUSAL_THRESHOLD, lead.score * 0.75)) break;
      // A factual question is answered by values of its kind: a sentence without one is filler.
      if (factual && !c.shape) continue;
      // Adds only what is new: a restatement of a chosen sentence corroborates it instead.
      // For a factual question, another sentence giving the same answer is the same fact in other words.
      const dup = chosen.find((x) => sameFact(x.c, c) || jaccard(x.c.terms, c.terms) > 0.6 || (factual && sameAnswer(x.c, c)));
      if (dup) { if (c.docId !== dup.c.docId && !dup.support.some((s) => s.docId === c.docId)) dup.support.push(c); used.add(c); continue; }
    }
    const support = ranked.filter((o) => o !== c && !used.has(o) && o.docId !== c.docId && sameFact(c, o));
    const perDoc = new Map<string, Candidate>();
    for (const s of support) if (!perDoc.has(s.docId)) perDoc.set(s.docId, s);
    for (const s of perDoc.values()) used.add(s);
    used.add(c);
    chosen.push({ c, support: [...perDoc.values()] });
  }

  const spans = new Map<string, [number, number][]>();
  const cite = (c: Candidate) => {
    const list = spans.get(c.passageId) ?? [];
    list.push([c.start, c.end]);
    spans.set(c.passageId, list);
    return c.passageId;
  };
  const sentences = chosen.map(({ c, support }) => withMarkers(c.text, [cite(c), ...support.map(cite)]));

  // Disagreement: another article gives a different value in answer to the same question.
  if (factual && chosen.length > 1) {
    const leadKeys = keys(chosen[0]!.c);
    const rivalIndex = chosen.findIndex(({ c }, i) => {
      if (i === 0 || c.docId === chosen[0]!.c.docId || c.relevance < chosen[0]!.c.relevance * 0.8) return false;
      const k = keys(c);
      return leadKeys.size > 0 && k.size > 0 && ![...k].some((v) => leadKeys.has(v));
    });
    if (rivalIndex > 0) {
      const [first, rival] = [chosen[0]!, chosen[rivalIndex]!];
      const quote = (x: typeof first) => withMarkers(`"${trimEndOf(x.c.text, '.!?')}"`, [x.c.passageId, ...x.support.map((o) => o.passageId)]);
      const rest = sentences.filter((_, i) => i !== 0 && i !== rivalIndex);
      const framed = [
        `The articles differ: according to ${describeSource(searcher, first.c.docId)}, ${quote(first)}`,
        `But ${describeSource(searcher, rival.c.docId)} says ${quote(rival)}`,
      ];
      return { text: [...framed, ...rest].join(' '), refused: false, evidence, spans };
    }
  }
  return { text: sentences.join(' '), refused: false, evidence, spans };
}

import type { RetrievedPassage } from '../retrieve/retrieve';
import type { Searcher } from '../retrieve/searcher';
import { idfLookup } from '../retrieve/terms';
import { storedSentenceEmbedder } from '../retrieve/sentences';
import { analyze, type Span } from '../nlp/analyze';
import { REASON_CUES } from '../nlp/lexicon';
import { nameType } from '../nlp/names';
import { neutraliseMarkers } from '../text/markers';
import { fold, normalizeDisplay, terms, trimEndOf, words } from '../text/normalize';
import { analyzeQuestion, spanFit, type QuestionAnalysis } from './question';

/**
 * The local engine: an extractive answer composed from sentences of the retrieved passages,
 * cited by passage id. For a factual question it opens with the short answer itself, a span of
 * the cited sentence of the kind asked for (a name, a date, a figure). No model is needed; one
 * is used for sentence similarity when loaded.
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
  /** The best span of the kind asked for and how well it fits, when the question wants a value. */
  answer: ScoredSpan | null;
  /** For a "why" question: the sentence gives a reason or cause. */
  cue: boolean;
  /** How closely the sentence matches the question, before the answer-span bonus. */
  relevance: number;
  score: number;
};

/**
 * A span that could be the short answer: of the candidate sentence, or (for a sentence that says
 * "the company" or "she") of the sentence before it, whose body range is then `origin`.
 */
export type ScoredSpan = Span & { fit: number; score: number; origin?: { start: number; end: number; text: string } };

/** The short answer as the API returns it: verbatim text and where it is in the article. */
export type ShortAnswer = { text: string; passageId: string; docId: string; start: number; end: number };

export type LocalAnswer = { text: string; refused: boolean; evidence: number; spans: Map<string, [number, number][]>; short: ShortAnswer | null };

/**
 * Named weights and thresholds of the scoring, so a change is one edit with a reason. Calibrated on
 * the dev sets as a whole (`npm run eval`), never on single questions.
 */
export const WEIGHTS = {
  /** Below this evidence score the engine says the articles do not cover the question. */
  refusal: 0.36,
  /** A sentence that answers must be nearly as relevant as the most relevant sentence… */
  alignment: 0.75,
  /** …though one holding a value of the kind asked for may be somewhat less so. */
  answerAlignment: 0.6,
  /** How much a better-fitting answer span may outweigh a more relevant sentence when choosing the lead. */
  answerChoice: 0.6,
  /** Evidence kept when the answering sentence has no value of the kind asked for… */
  noAnswer: 0.8,
  /** …or the question names something the collection never mentions. */
  unknownName: 0.6,
  /** Sentence score: relevance to the question, retrieval rank, and holding an answer of the right kind. */
  relevance: 0.75, prior: 0.1, answerSpan: 0.15,
  /** Relevance: term coverage and, with a model, embedding similarity. */
  coverage: 0.55, semantic: 0.45,
  /** Terms of the article's title and the preceding sentence count for a sentence that says "the company". */
  contextCoverage: 0.3,
  /** Span score: fit to the kind asked for, closeness to the question's words, sources agreeing. */
  fit: 0.5, proximity: 0.3, headNearby: 0.2, agreement: 0.1,
  /** A span taken from the sentence before, for a sentence that does not name its subject. */
  fromContext: 0.7,
  /** The question's own sentence counts more than the context sentences before it. */
  focus: 0.75,
};
/** Sentences per answer: a factual answer is the short answer and its sentence, plus one more at most. */
const MAX_FACTUAL = 3;
const MAX_OPEN = 3;
/** Answers stop growing past this many words (the short answer and one sentence always stay). */
const MAX_WORDS = 50;
/** Term overlap above which two sentences giving different values are read as disagreeing about one event. */
const SAME_EVENT = 0.3;

/** Idf-weighted share of the question's terms that a sentence contains. */
function coverage(idf: (term: string) => number, queryTerms: string[], sentenceTerms: Set<string>): number {
  let total = 0;
  let hit = 0;
  for (const t of new Set(queryTerms)) {
    const w = idf(t);
    total += w;
    if (sentenceTerms.has(t)) hit += w;
  }
  return total ? hit / total : 0;
}

/** Word index of each character offset's token, to measure distances in words. */
function wordDistance(text: string, a: number, b: number): number {
  const [from, to] = a < b ? [a, b] : [b, a];
  return (text.slice(from, to).match(/\s+/g) ?? []).length;
}

/**
 * The spans of a sentence that could answer the question, scored: the kind asked for, near the
 * question's own words in the sentence, not already said in the question.
 */
function answerSpans(sentence: string, q: QuestionAnalysis, exclude: Set<string>): ScoredSpan[] {
  if (!q.factual) return [];
  const { tokens, spans } = analyze(sentence);
  const askedTerms = new Set(terms(`${q.question} ${q.context}`));
  const focus = new Set(q.focus);
  const anchors = tokens.filter((t) => terms(t.text).some((x) => focus.has(x))).map((t) => t.start);
  const headAt = q.head ? tokens.filter((t) => t.lemma === q.head).map((t) => t.start) : [];
  const dates = spans.filter((x) => x.kind === 'date');
  const out: ScoredSpan[] = [];
  for (const span of spans) {
    // A value the question already states is not its answer (nor the outlet's own name); a
    // "name" that is a date is a date.
    const spanTerms = terms(span.text);
    if (exclude.has(fold(span.text)) || (spanTerms.length > 0 && spanTerms.filter((t) => askedTerms.has(t)).length * 2 >= spanTerms.length)) continue;
    if (span.kind === 'name' && dates.some((d) => d.start <= span.start && d.end >= span.end)) continue;
    // A name ending in a word of the question is the question's own subject ("President Vo Van
    // Thuong" for "Who accompanied President Thuong?").
    if (span.kind === 'name' && askedTerms.has(spanTerms.at(-1) ?? '')) continue;
    // "the two sides" refers to things already named; it does not count them.
    if (span.kind === 'number' && /\b(?:the|these|those)\s*$/i.test(sentence.slice(Math.max(0, span.start - 8), span.start))) continue;
    const fit = spanFit(span, q.type, q.head);
    if (fit === 0) continue;
    const near = anchors.length ? Math.min(...anchors.map((a) => wordDistance(sentence, a, span.start))) : 10;
    // "Uzhhorod, a small city": the noun the question asks about stands right next to the span.
    const head = headAt.some((h) => wordDistance(sentence, h, span.start) <= 3 || wordDistance(sentence, span.end, h) <= 3) ? 1 : 0;
    const score = WEIGHTS.fit * fit + WEIGHTS.proximity / (1 + near / 4) + WEIGHTS.headNearby * head;
    out.push({ ...span, fit, score });
  }
  return out.sort((a, b) => b.score - a.score);
}

export async function sentenceCandidates(searcher: Searcher, q: QuestionAnalysis, passages: RetrievedPassage[], queryVector: Float32Array | null, signal?: AbortSignal): Promise<Candidate[]> {
  const seen = new Set<string>();
  // A question of a word or two ("What was her name?") is about its context.
  const focusWeight = q.focus.length >= 3 ? WEIGHTS.focus : 0;
  const idf = await idfLookup(searcher.store, [...q.focus, ...q.contextTerms]);
  const relevanceOf = (t: Set<string>) => q.contextTerms.length
    ? focusWeight * coverage(idf, q.focus, t) + (1 - focusWeight) * coverage(idf, [...q.focus, ...q.contextTerms], t)
    : coverage(idf, q.focus, t);
  const out: Candidate[] = [];
  const maxPassage = Math.max(...passages.map((p) => p.score), 1e-9);
  passages.forEach((p, rank) => {
    for (const member of [p, ...p.corroborating]) {
      const title = new Set(terms(member.doc.title));
      const exclude = new Set([member.doc.outlet, member.doc.author].filter((x): x is string => !!x).map(fold));
      member.sentences.forEach((s, i) => {
        const key = `${member.docId}:${s.start}`;
        if (seen.has(key)) return;
        seen.add(key);
        const t = new Set(terms(s.text));
        const around = new Set([...t, ...title, ...(i > 0 ? terms(member.sentences[i - 1]!.text) : [])]);
        const cov = (1 - WEIGHTS.contextCoverage) * relevanceOf(t) + WEIGHTS.contextCoverage * relevanceOf(around);
        const prior = (member.score / maxPassage) * (1 - rank * 0.04);
        let answer = answerSpans(s.text, q, exclude)[0] ?? null;
        const prev = member.sentences[i - 1];
        if (q.factual && prev && (!answer || answer.fit < 1) && namesNoSubject(s.text)) {
          const inherited = answerSpans(prev.text, q, exclude)[0];
          if (inherited && (!answer || inherited.score * WEIGHTS.fromContext > answer.score)) {
            answer = { ...inherited, score: inherited.score * WEIGHTS.fromContext, origin: { start: prev.start, end: prev.end, text: prev.text } };
          }
        }
        const cue = q.type === 'reason' && analyze(s.text).tokens.some((tok) => REASON_CUES.has(tok.lemma));
        out.push({ passageId: member.id, docId: member.docId, start: s.start, end: s.end, text: s.text, terms: t, coverage: cov, semantic: null, answer, cue, relevance: 0, score: prior });
      });
    }
  });
  if (queryVector && searcher.embedder) {
    const embedder = await storedSentenceEmbedder({ ...searcher, embedder: searcher.embedder }, out.map((c) => c.passageId));
    const vectors = await embedder.embedDocuments(out.map((c) => c.text), signal);
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
    c.relevance = sem === null ? c.coverage : WEIGHTS.coverage * c.coverage + WEIGHTS.semantic * sem;
    c.score = WEIGHTS.relevance * c.relevance + WEIGHTS.prior * c.score + (c.answer ? WEIGHTS.answerSpan * c.answer.fit : c.cue ? WEIGHTS.answerSpan : 0);
  }
  // The same value in several articles' sentences is corroborated: each answer span gains from it.
  const values = new Map<string, Set<string>>();
  for (const c of out) if (c.answer) values.set(fold(c.answer.text), (values.get(fold(c.answer.text)) ?? new Set()).add(c.docId));
  for (const c of out) if (c.answer) c.answer.score += WEIGHTS.agreement * Math.min(3, values.get(fold(c.answer.text))!.size - 1);
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
async function describeSource(searcher: Searcher, docId: string): Promise<string> {
  const d = (await searcher.store.document(docId))!;
  const cut = d.title.slice(0, 57);
  const short = d.title.length > 60 ? `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 30))}…` : d.title;
  // Metadata is article text too: a title holding "[other#0]" must not become a citation.
  return neutraliseMarkers(d.outlet ?? `"${short}"`);
}

/**
 * Names and numbers in the question that occur nowhere in the collection: the articles cannot be
 * about them. A name of several words counts only as a phrase ("Tour de France" is not "tour" in
 * one article and "France" in another).
 */
export async function unknownSpecifics(searcher: Searcher, question: string): Promise<string[]> {
  const specifics: { tok: string; terms: string[] }[] = [];
  const tokens = [...question.matchAll(/[\p{L}\p{N}][\p{L}\p{M}\p{N}'’.-]*/gu)].map((m) => trimEndOf(m[0], ".’'"));
  tokens.forEach((tok, i) => {
    const specific = /^\d/.test(tok) || (i > 0 && /^\p{Lu}/u.test(tok) && tok.length > 1);
    if (!specific) return;
    const t = terms(tok);
    if (t.length) specifics.push({ tok, terms: t });
  });
  const { df } = await searcher.store.termStats([...new Set(specifics.flatMap((x) => x.terms))]);
  const out = specifics.filter((x) => x.terms.every((t) => !df.get(t))).map((x) => x.tok);
  const phrases: { part: string; words: string[] }[] = [];
  for (const name of analyze(question).spans.filter((sp) => sp.kind === 'name')) {
    // "Vietnam's Ministry of Defense" is two names; "Japanese FDI" is a description and a name.
    for (const part of name.text.split(/['’]s\b/)) {
      const phrase = part.split(/\s+/).filter((w) => w && nameType(w) !== 'descriptor').flatMap(words);
      if (phrase.length >= 2) phrases.push({ part: part.trim(), words: phrase });
    }
  }
  const occurs = await searcher.store.phrasesOccur(phrases.map((x) => x.words));
  phrases.forEach((x, i) => {
    if (!occurs[i] && !out.includes(x.part)) out.push(x.part);
  });
  return out;
}

export type Evidence = { score: number; lead: Candidate | undefined; unknown: string[]; q: QuestionAnalysis };

/**
 * How well the best sentence answers the question. A factual question (who, when, how many) is
 * only answered by a sentence holding a value of that kind, and a question about a name or number
 * the articles never mention is not answered at all, however similar the wording.
 */
export async function assessEvidence(searcher: Searcher, q: QuestionAnalysis, ranked: Candidate[]): Promise<Evidence> {
  const unknown = await unknownSpecifics(searcher, q.question);
  const lead = chooseLead(ranked, q);
  let score = lead?.score ?? 0;
  // No sentence close to the question holds a value of the kind asked for: probably not here.
  if (lead && q.factual && !lead.answer) score *= WEIGHTS.noAnswer;
  // A yes/no question about something the articles never name cannot be confirmed from them.
  if (unknown.length) score *= q.type === 'yesno' ? 0 : WEIGHTS.unknownName;
  return { score, lead, unknown, q };
}

/**
 * The sentence to answer with: among those nearly as relevant as the best, the most relevant,
 * where for a factual question a span of the kind asked for counts in its favour.
 */
function chooseLead(ranked: Candidate[], q: QuestionAnalysis): Candidate | undefined {
  const best = Math.max(0, ...ranked.map((c) => c.relevance));
  let pick: Candidate | undefined;
  let pickScore = -1;
  for (const c of ranked) {
    if (c.relevance < (q.factual ? WEIGHTS.answerAlignment : WEIGHTS.alignment) * best) continue;
    const value = c.score + (q.factual && c.answer ? WEIGHTS.answerChoice * c.answer.score : 0);
    if (value > pickScore) { pick = c; pickScore = value; }
  }
  return pick;
}

export async function rankSentences(searcher: Searcher, question: string, passages: RetrievedPassage[], signal?: AbortSignal) {
  const q = analyzeQuestion(question);
  const queryVector = searcher.embedder && question.trim() ? await searcher.embedder.embedQuery(question, signal) : null;
  return { q, ranked: await sentenceCandidates(searcher, q, passages, queryVector, signal) };
}

/**
 * The comparable core of an answer: the year of a date ("September 21, 1973" and "1973" agree),
 * the digits of an amount ("100 billion yen", "100 billion"), the folded words of a name.
 */
function answerKey(text: string): string {
  const f = fold(text);
  return f.match(/\b(?:1[89]|20)\d{2}\b/)?.[0] ?? f.match(/\d[\d,.]*/)?.[0]?.replace(/,/g, '') ?? f;
}

const wordCount = (text: string) => (text.match(/\S+/g) ?? []).length;

/** Where the short answer is in the article: its exact characters if the body has them, else its sentence. */
async function locate(searcher: Searcher, c: Candidate, span: ScoredSpan): Promise<ShortAnswer> {
  const range = span.origin ?? c;
  const raw = (await searcher.store.documentText(c.docId))?.slice(range.start, range.end) ?? '';
  const at = raw.indexOf(span.text);
  return at >= 0
    ? { text: span.text, passageId: c.passageId, docId: c.docId, start: range.start + at, end: range.start + at + span.text.length }
    : { text: span.text, passageId: c.passageId, docId: c.docId, start: range.start, end: range.end };
}

/** "The former guerrilla won …", "She said …": a sentence whose subject is a pronoun or a description. */
function namesNoSubject(sentence: string): boolean {
  const [first, second] = analyze(sentence).tokens;
  return !!first && (first.pos === 'PRON' || (first.lemma === 'the' && second?.pos !== 'PROPN'));
}

export async function composeLocalAnswer(searcher: Searcher, question: string, passages: RetrievedPassage[], signal?: AbortSignal): Promise<LocalAnswer> {
  const { q, ranked } = await rankSentences(searcher, question, passages, signal);
  const { score: evidence, lead } = await assessEvidence(searcher, q, ranked);
  if (!lead || evidence < WEIGHTS.refusal) return { text: '', refused: true, evidence, spans: new Map(), short: null };

  const limit = q.factual ? MAX_FACTUAL : MAX_OPEN;
  const value = (c: Candidate) => (c.answer ? answerKey(c.answer.text) : '');
  const chosen: { c: Candidate; support: Candidate[] }[] = [];
  const used = new Set<Candidate>();
  let words = 0;
  for (const c of [lead, ...ranked.filter((r) => r !== lead)]) {
    if (chosen.length >= limit) break;
    if (used.has(c)) continue;
    if (chosen.length > 0) {
      if (c.score < Math.max(WEIGHTS.refusal, lead.score * 0.75)) break;
      if (words + wordCount(c.text) > MAX_WORDS) continue;
      // A factual answer adds a sentence only when it gives a value of the kind asked for.
      if (q.factual && !c.answer) continue;
      // Adds only what is new: a restatement, or the same answer in other words, corroborates instead.
      // Another article's sentence giving the same answer adds nothing new: it corroborates.
      const same = q.factual ? chosen.find((x) => value(x.c) === value(c)) : undefined;
      if (same) {
        if (c.docId !== same.c.docId && !same.support.some((o) => o.docId === c.docId)) same.support.push(c);
        used.add(c);
        continue;
      }
      const dup = chosen.find((x) => sameFact(x.c, c) || jaccard(x.c.terms, c.terms) > 0.6);
      if (dup) { if (c.docId !== dup.c.docId && !dup.support.some((s) => s.docId === c.docId)) dup.support.push(c); used.add(c); continue; }
    }
    // Another article corroborates a factual answer only if it states the same value.
    const states = (o: Candidate) => !q.factual || !c.answer || fold(o.text).includes(fold(c.answer.text));
    const support = ranked.filter((o) => o !== c && !used.has(o) && o.docId !== c.docId && sameFact(c, o) && states(o));
    const perDoc = new Map<string, Candidate>();
    for (const s of support) if (!perDoc.has(s.docId)) perDoc.set(s.docId, s);
    for (const s of perDoc.values()) used.add(s);
    used.add(c);
    chosen.push({ c, support: [...perDoc.values()] });
    words += wordCount(c.text);
  }

  // Articles that give the same answer in a relevant sentence corroborate it, wherever they ranked.
  if (q.factual) {
    for (const x of chosen) {
      if (!x.c.answer) continue;
      for (const o of ranked) {
        if (o.docId === x.c.docId || used.has(o) || !o.answer || value(o) !== value(x.c) || o.relevance < x.c.relevance * WEIGHTS.answerAlignment) continue;
        if (!x.support.some((s) => s.docId === o.docId)) { x.support.push(o); used.add(o); }
      }
    }
  }

  const spans = new Map<string, [number, number][]>();
  const cite = (c: Candidate) => {
    const list = spans.get(c.passageId) ?? [];
    list.push([c.start, c.end]);
    spans.set(c.passageId, list);
    return c.passageId;
  };
  const sentences = chosen.map(({ c, support }) => withMarkers(c.text, [cite(c), ...support.map(cite)]));
  const short = q.factual && lead.answer ? await locate(searcher, lead, lead.answer) : null;
  if (short && short.end - short.start < lead.end - lead.start) spans.get(lead.passageId)!.push([short.start, short.end]);
  const opening = short ? `**${neutraliseMarkers(trimEndOf(short.text, '.,;:'))}.** ` : '';

  // Disagreement: another article gives a different value in answer to the same question.
  if (q.factual && chosen.length > 1) {
    // Only sentences about the same event disagree: most of their terms are shared.
    const rivalIndex = chosen.findIndex(({ c }, i) => i > 0 && c.docId !== chosen[0]!.c.docId && c.relevance >= chosen[0]!.c.relevance * 0.8 && !!c.answer && value(c) !== value(chosen[0]!.c) && jaccard(c.terms, chosen[0]!.c.terms) >= SAME_EVENT);
    if (rivalIndex > 0) {
      const [first, rival] = [chosen[0]!, chosen[rivalIndex]!];
      const quote = (x: typeof first) => withMarkers(`"${trimEndOf(x.c.text, '.!?')}"`, [x.c.passageId, ...x.support.map((o) => o.passageId)]);
      const framed = [
        `The articles differ: according to ${await describeSource(searcher, first.c.docId)}, ${quote(first)}`,
        `But ${await describeSource(searcher, rival.c.docId)} says ${quote(rival)}`,
      ];
      return { text: opening + framed.join(' '), refused: false, evidence, spans, short };
    }
  }
  return { text: opening + sentences.join(' '), refused: false, evidence, spans, short };
}

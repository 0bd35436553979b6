import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RetrievedPassage } from '@/lib/retrieve/retrieve';
import type { Searcher } from '@/lib/retrieve/searcher';
import { storedSentenceEmbedder } from '@/lib/retrieve/sentences';
import { idfLookup } from '@/lib/retrieve/terms';
import type { Analysis, Span, Token } from '@/lib/nlp/analyze';
import { analysisOf, typeOf } from '@/lib/nlp/annotate';
import { FRACTION_PARTS, FRACTION_WORDS, LOCAL_PLACE_NOUNS, MEASURE_UNITS, REASON_CUES, REGION_NOUNS } from '@/lib/nlp/lexicon';
import { fold, normalizeDisplay, terms, trimEndOf, words } from '@/lib/text/normalize';
import { analyzeQuestion, spanFit, type QuestionAnalysis } from './question';

/**
 * The sentence machinery that answering and briefing share: the retrieved passages' sentences as
 * scored candidates (relevance to the question, retrieval rank, a span of the kind asked for),
 * same-fact detection across articles, and citation markers placed in a sentence.
 */
export type Candidate = {
  passageId: string;
  docId: string;
  start: number;
  end: number;
  text: string;
  /** The sentence's tokens and typed spans as ingest stored them; absent, they are worked out when needed. */
  analysis?: Analysis;
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
  /**
   * Evidence kept when the answering sentence has no value of the kind asked for: a factual
   * question whose best sentences give no name, date or figure of that kind is rarely answered by
   * them (0.8 -> 0.5: seed refusals +2 of 12, no answerable question of any set refused)…
   */
  noAnswer: 0.5,
  /** …or the question names something the collection never mentions… */
  unknownName: 0.6,
  /** …or something the answering passage never mentions: its rarest name… */
  keyNameMissing: 0.7,
  /**
   * …or a name of several words, written so in the collection but not in that passage: surer than
   * a single rare word that the passage talks about something else (refusals: seed +1 of 12,
   * news-2022 +2 of 30; no answerable question changes).
   */
  keyPhraseMissing: 0.6,
  /** Sentence score: relevance to the question, retrieval rank, and holding an answer of the right kind. */
  relevance: 0.75,
  prior: 0.1,
  answerSpan: 0.15,
  /** Relevance: term coverage and, with a model, embedding similarity. */
  coverage: 0.55,
  semantic: 0.45,
  /** Terms of the article's title and the preceding sentence count for a sentence that says "the company". */
  contextCoverage: 0.3,
  /** Span score: fit to the kind asked for, closeness to the question's words, sources agreeing. */
  fit: 0.5,
  proximity: 0.3,
  headNearby: 0.2,
  agreement: 0.1,
  /** For "how heavy / old / big": a figure written in another measure's unit ("18-foot" for a weight)… */
  otherMeasure: 0.3,
  /** …or with no unit at all. */
  unmeasured: 0.6,
  /**
   * A value less specific than another in its sentence: a place given only as what contains (or
   * lies within) the place asked about; for "when", a bare year beside a full date ("began in 2004
   * … launched on December 25").
   */
  lessSpecific: 0.5,
  /** A span taken from the sentence before, for a sentence that does not name its subject. */
  fromContext: 0.7,
  /** The question's own sentence counts more than the context sentences before it. */
  focus: 0.75,
  /**
   * A span opens the answer in bold only when it fits the kind asked for at least this well: a name
   * of unknown kind (0.6) for "which company" is left inside its sentence, which then leads, rather
   * than shown as the answer (news-2022 first sentence 0.684 -> 0.701, seed gold 0.655 -> 0.691;
   * short-answer exact match 0.534 -> 0.500, as some such names were right).
   */
  shortAnswerFit: 0.65,
  /** A factual lead scoring this much, with a value of the kind asked for, is the answer on its own… */
  confidentLead: 0.75,
  /** …unless another sentence scoring this share of it gives another value… */
  contested: 0.9,
  /** …and a lead scoring below this matches loosely: the answer takes in more sentences. */
  looseLead: 0.55,
};

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

const ANY_UNIT = new Set(Object.values(MEASURE_UNITS).flatMap((u) => [...u]));

/**
 * A figure's measure, for "how heavy / old / big" questions: the span widened to its unit when the
 * unit follows ("215-pound", "18 feet"), and how well it fits — the measure's own unit in, after
 * or naming it just before ("the age of 94"), another measure's unit, or none.
 */
function measured(sentence: string, tokens: Token[], span: Span, measure: string): { span: Span; factor: number } {
  const units = MEASURE_UNITS[measure]!;
  const at = tokens.findIndex((t) => t.start >= span.end);
  let next = at >= 0 ? tokens[at] : undefined;
  if (next?.text === '-' && next.start === span.end) next = tokens[at + 1];
  const adjacent = next && next.start - span.end <= 1 && /^[\s-]*$/.test(sentence.slice(span.end, next.start)) ? next : undefined;
  if (adjacent && units.has(adjacent.lemma))
    return { span: { ...span, end: adjacent.end, text: sentence.slice(span.start, adjacent.end) }, factor: 1 };
  const own = tokens.filter((t) => t.start >= span.start && t.end <= span.end);
  const [measureNoun, of] = tokens.filter((t) => t.end <= span.start).slice(-2);
  if (own.some((t) => units.has(t.lemma)) || (of?.lemma === 'of' && units.has(measureNoun!.lemma))) return { span, factor: 1 };
  return { span, factor: adjacent && ANY_UNIT.has(adjacent.lemma) ? WEIGHTS.otherMeasure : WEIGHTS.unmeasured };
}

/** "Half of all workers", "two-thirds of voters": shares in words, which answer "what share" as a percentage would. */
function shares(sentence: string, tokens: Token[]): Span[] {
  const out: Span[] = [];
  tokens.forEach((t, i) => {
    const [dash, part] = [tokens[i + 1], tokens[i + 2]];
    if (FRACTION_WORDS.has(t.lemma)) out.push({ kind: 'percent', text: t.text, start: t.start, end: t.end });
    else if (
      t.pos === 'NUM' &&
      dash?.text === '-' &&
      part &&
      FRACTION_PARTS.has(part.lemma) &&
      part.start === dash.end &&
      dash.start === t.end
    )
      out.push({ kind: 'percent', text: sentence.slice(t.start, part.end), start: t.start, end: part.end });
  });
  return out;
}

/**
 * The spans of a sentence that could answer the question, scored: the kind asked for, near the
 * question's own words in the sentence, not already said in the question.
 */
function answerSpans(s: { text: string; analysis?: Analysis }, q: QuestionAnalysis, exclude: Set<string>): ScoredSpan[] {
  if (!q.factual) return [];
  const sentence = s.text;
  const analysis = analysisOf(s);
  const tokens = analysis.tokens;
  const spans = q.type === 'percent' || q.type === 'amount' ? [...analysis.spans, ...shares(sentence, tokens)] : analysis.spans;
  // The noun asked about is not a value the question states: "12 years" answers "how many years".
  const headTerms = new Set(q.head ? terms(q.head) : []);
  const askedTerms = new Set(terms(`${q.question} ${q.context}`).filter((t) => !headTerms.has(t)));
  const focus = new Set(q.focus);
  const anchors = tokens.filter((t) => terms(t.text).some((x) => focus.has(x))).map((t) => t.start);
  const headAt = q.head ? tokens.filter((t) => t.lemma === q.head).map((t) => t.start) : [];
  const dates = spans.filter((x) => x.kind === 'date');
  // "Charlotte, North Carolina": the first name is a place within the second. A question about a
  // region wants the outer one; any other place question the inner.
  const placeNames = q.type === 'place' ? spans.filter((x) => x.kind === 'name') : [];
  const within = new Map<Span, Span>();
  for (const inner of placeNames) {
    const outer = placeNames.find((o) => o.start > inner.end && /^,\s+$/.test(sentence.slice(inner.end, o.start)) && typeOf(o) === 'place');
    if (outer) within.set(inner, outer);
  }
  const regional = !!q.head && REGION_NOUNS.has(q.head);
  const lessSpecific = new Set(regional ? within.keys() : within.values());
  if (q.type === 'date' && q.head !== 'year' && dates.some((d) => /\p{L}/u.test(d.text) && /\d/.test(d.text))) {
    for (const d of dates) if (/^\d{4}$/.test(d.text.trim())) lessSpecific.add(d);
  }
  const out: ScoredSpan[] = [];
  for (let span of spans) {
    // A value the question already states is not its answer (nor the outlet's own name); a
    // "name" that is a date is a date.
    const spanTerms = terms(span.text);
    if (exclude.has(fold(span.text)) || (spanTerms.length > 0 && spanTerms.filter((t) => askedTerms.has(t)).length * 2 >= spanTerms.length))
      continue;
    if (span.kind === 'name' && dates.some((d) => d.start <= span.start && d.end >= span.end)) continue;
    // A name ending in a word of the question is the question's own subject ("President Vo Van
    // Thuong" for "Who accompanied President Thuong?").
    if (span.kind === 'name' && askedTerms.has(spanTerms.at(-1) ?? '')) continue;
    // "the two sides" refers to things already named; it does not count them ("the 500-acre park" measures one).
    if (
      span.kind === 'number' &&
      sentence[span.end] !== '-' &&
      /\b(?:the|these|those)\s*$/i.test(sentence.slice(Math.max(0, span.start - 8), span.start))
    )
      continue;
    // "Thai Binh province": a name the sentence itself calls a place is one, of the kind asked for
    // (a description is not: "the Chinese city of Zhengzhou").
    const after = q.type === 'place' && span.kind === 'name' ? tokens.find((t) => t.start >= span.end) : undefined;
    const calledPlace =
      !!after && after.pos === 'NOUN' && LOCAL_PLACE_NOUNS.has(after.lemma) && /^\p{Ll}/u.test(after.text) && typeOf(span) !== 'descriptor';
    let fit =
      (!regional && within.has(span)) || calledPlace
        ? 1
        : spanFit(span, q.type, q.head) * (lessSpecific.has(span) ? WEIGHTS.lessSpecific : 1);
    if (fit === 0) continue;
    if (q.measure && (span.kind === 'number' || span.kind === 'duration')) {
      const m = measured(sentence, tokens, span, q.measure);
      fit *= m.factor;
      span = m.span;
    }
    const near = anchors.length ? Math.min(...anchors.map((a) => wordDistance(sentence, a, span.start))) : 10;
    // "Uzhhorod, a small city": the noun the question asks about stands right next to the span.
    const nearHead = (x: Span) => headAt.some((h) => wordDistance(sentence, h, x.start) <= 3 || wordDistance(sentence, x.end, h) <= 3);
    const head = nearHead(span) || calledPlace || (within.has(span) && nearHead(within.get(span)!)) ? 1 : 0;
    const score = WEIGHTS.fit * fit + WEIGHTS.proximity / (1 + near / 4) + WEIGHTS.headNearby * head;
    out.push({ ...span, fit, score });
  }
  return out.sort((a, b) => b.score - a.score);
}

/** Whether a sentence's answer span is sure enough of its kind to open the reply on its own. */
export const opensAnswer = (span: ScoredSpan) => span.fit >= WEIGHTS.shortAnswerFit;

/**
 * A sentence that asks ("Who is Liz Truss?", a subheading, a rhetorical question) states nothing:
 * it neither leads nor joins an answer, though it stays a candidate (the sentence after it may
 * answer it). One ending on a quoted question ('…voted "yes" to the question: "Do the benefits
 * outweigh the risks?"') states that it was asked.
 */
export const asks = (sentence: string) => sentence.trimEnd().endsWith('?');

/** Longest stretch of sentence scoring between two turns of the event loop. */
const SLICE_MS = 4;

export async function sentenceCandidates(
  searcher: Searcher,
  q: QuestionAnalysis,
  passages: RetrievedPassage[],
  queryVector: Float32Array | null,
  signal?: AbortSignal,
): Promise<Candidate[]> {
  const seen = new Set<string>();
  // A question of a word or two ("What was her name?") is about its context.
  const focusWeight = q.focus.length >= 3 ? WEIGHTS.focus : 0;
  const idf = await idfLookup(searcher.store, [...q.focus, ...q.contextTerms]);
  const relevanceOf = (t: Set<string>) =>
    q.contextTerms.length
      ? focusWeight * coverage(idf, q.focus, t) + (1 - focusWeight) * coverage(idf, [...q.focus, ...q.contextTerms], t)
      : coverage(idf, q.focus, t);
  const out: Candidate[] = [];
  const maxPassage = Math.max(...passages.map((p) => p.score), 1e-9);
  // A sentence is tokenised once, though it is also the context of the next one and overlapping passages repeat it.
  const termsOf = new Map<string, string[]>();
  const termsOnce = (text: string) => {
    let t = termsOf.get(text);
    if (!t) termsOf.set(text, (t = terms(text)));
    return t;
  };
  let slice = performance.now();
  for (const [rank, p] of passages.entries()) {
    // On the thread that serves HTTP: other requests get a turn every few milliseconds.
    if (performance.now() - slice > SLICE_MS) {
      await nextTurn();
      signal?.throwIfAborted();
      slice = performance.now();
    }
    for (const member of [p, ...p.corroborating]) {
      const title = new Set(termsOnce(member.doc.title));
      const exclude = new Set([member.doc.outlet, member.doc.author].filter((x): x is string => !!x).map(fold));
      member.sentences.forEach((s, i) => {
        const key = `${member.docId}:${s.start}`;
        if (seen.has(key)) return;
        seen.add(key);
        const t = new Set(termsOnce(s.text));
        const around = new Set([...t, ...title, ...(i > 0 ? termsOnce(member.sentences[i - 1]!.text) : [])]);
        // The sentence after one that asks ("Why did the harbour close? Storm waves…") is its answer: the question's words count in full.
        const cov =
          i > 0 && asks(member.sentences[i - 1]!.text)
            ? relevanceOf(around)
            : (1 - WEIGHTS.contextCoverage) * relevanceOf(t) + WEIGHTS.contextCoverage * relevanceOf(around);
        const prior = (member.score / maxPassage) * (1 - rank * 0.04);
        let answer = answerSpans(s, q, exclude)[0] ?? null;
        const prev = member.sentences[i - 1];
        if (q.factual && prev && (!answer || answer.fit < 1) && namesNoSubject(s)) {
          const inherited = answerSpans(prev, q, exclude)[0];
          if (inherited && (!answer || inherited.score * WEIGHTS.fromContext > answer.score)) {
            answer = {
              ...inherited,
              score: inherited.score * WEIGHTS.fromContext,
              origin: { start: prev.start, end: prev.end, text: prev.text },
            };
          }
        }
        const cue = q.type === 'reason' && analysisOf(s).tokens.some((tok) => REASON_CUES.has(tok.lemma));
        out.push({
          passageId: member.id,
          docId: member.docId,
          start: s.start,
          end: s.end,
          text: s.text,
          ...(s.analysis && { analysis: s.analysis }),
          terms: t,
          coverage: cov,
          semantic: null,
          answer,
          cue,
          relevance: 0,
          score: prior,
        });
      });
    }
  }
  if (queryVector && searcher.embedder) {
    const embedder = await storedSentenceEmbedder(
      { ...searcher, embedder: searcher.embedder },
      out.map((c) => c.passageId),
    );
    const vectors = await embedder.embedDocuments(
      out.map((c) => c.text),
      signal,
    );
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
    c.score =
      WEIGHTS.relevance * c.relevance +
      WEIGHTS.prior * c.score +
      (c.answer ? WEIGHTS.answerSpan * c.answer.fit : c.cue ? WEIGHTS.answerSpan : 0);
  }
  // The same value in several articles' sentences is corroborated: each answer span gains from it,
  // as far as it is of the kind asked for (a country every article names is no airline).
  const values = new Map<string, Set<string>>();
  for (const c of out) if (c.answer) values.set(fold(c.answer.text), (values.get(fold(c.answer.text)) ?? new Set()).add(c.docId));
  for (const c of out)
    if (c.answer) c.answer.score += WEIGHTS.agreement * c.answer.fit * Math.min(3, values.get(fold(c.answer.text))!.size - 1);
  return out.sort((a, b) => b.score - a.score);
}

export const jaccard = (a: Set<string>, b: Set<string>) => {
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter || 1);
};

export const numbersOf = (text: string) => new Set(words(text).filter((w) => /^\d/.test(w)));

const TOKEN = /\p{L}[\p{L}\p{M}\p{N}]*|\p{N}+(?:[.,]\p{N}+)*/gu;
const NOT_A_NAME =
  /^(January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$/;
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

export async function rankSentences(searcher: Searcher, question: string, passages: RetrievedPassage[], signal?: AbortSignal) {
  const q = analyzeQuestion(question);
  const queryVector = searcher.embedder && question.trim() ? await searcher.embedder.embedQuery(question, signal) : null;
  return { q, ranked: await sentenceCandidates(searcher, q, passages, queryVector, signal) };
}

/** "The former guerrilla won …", "She said …": a sentence whose subject is a pronoun or a description. */
function namesNoSubject(sentence: { text: string; analysis?: Analysis }): boolean {
  const [first, second] = analysisOf(sentence).tokens;
  return !!first && (first.pos === 'PRON' || (first.lemma === 'the' && second?.pos !== 'PROPN'));
}

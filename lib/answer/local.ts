import type { RetrievedPassage } from '@/lib/retrieve/retrieve';
import type { Searcher } from '@/lib/retrieve/searcher';
import { analyze } from '@/lib/nlp/analyze';
import { nameType } from '@/lib/nlp/names';
import { countriesOfCapital } from '@/lib/nlp/places';
import { neutraliseMarkers } from '@/lib/text/markers';
import { fold, terms, trimEndOf, words } from '@/lib/text/normalize';
import type { QuestionAnalysis } from './question';
import { asks, jaccard, opensAnswer, rankSentences, sameFact, withMarkers, WEIGHTS, type Candidate, type ScoredSpan } from './sentences';

/**
 * The local engine: an extractive answer composed from sentences of the retrieved passages,
 * cited by passage id. For a factual question it opens with the short answer itself, a span of
 * the cited sentence of the kind asked for (a name, a date, a figure). No model is needed; one
 * is used for sentence similarity when loaded.
 */

/** The short answer as the API returns it: verbatim text and where it is in the article. */
export type ShortAnswer = { text: string; passageId: string; docId: string; start: number; end: number };

export type LocalAnswer = {
  text: string;
  refused: boolean;
  evidence: number;
  spans: Map<string, [number, number][]>;
  short: ShortAnswer | null;
};

/**
 * How far an answer grows depends on how sure its lead is. A factual lead holding a value of the
 * kind asked for and matching the question closely stands alone after the short answer; other
 * factual answers may add sentences giving a value; an open question, or a lead that matches only
 * loosely (the articles say it in other words), gets more sentences, any of which may hold what
 * the lead lacks. Measured on the dev sets of both collections as a whole (`npm run calibrate`).
 */
const LENGTH = {
  confident: { sentences: 1 },
  factual: { sentences: 3, words: 50 },
  broad: { sentences: 4, words: 100 },
};
/** Term overlap above which two sentences giving different values are read as disagreeing about one event. */
const SAME_EVENT = 0.3;

/** Outlet or short title; no date, so the framing adds no figure the passage lacks. */
async function describeSource(searcher: Searcher, docId: string): Promise<string> {
  const d = (await searcher.store.document(docId))!;
  const cut = d.title.slice(0, 57);
  const short = d.title.length > 60 ? `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 30))}…` : d.title;
  // Metadata is article text too: a title holding "[other#0]" must not become a citation.
  return neutraliseMarkers(d.outlet ?? `"${short}"`);
}

/**
 * The names of several words in a question, as written and without descriptions: "Vietnam's
 * Ministry of Defense" is two names; "Japanese FDI" is a description and a name.
 */
function namePhrases(question: string): { part: string; phrase: string }[] {
  const out: { part: string; phrase: string }[] = [];
  for (const name of analyze(question).spans.filter((sp) => sp.kind === 'name')) {
    for (const part of name.text.split(/['’]s\b/)) {
      const phrase = part
        .split(/\s+/)
        .filter((w) => w && nameType(w) !== 'descriptor')
        .join(' ');
      if (words(phrase).length >= 2) out.push({ part: part.trim(), phrase });
    }
  }
  return out;
}

/**
 * Names and numbers in the question that occur nowhere in the collection: the articles cannot be
 * about them. A name of several words counts only as a phrase ("Tour de France" is not "tour" in
 * one article and "France" in another).
 */
export async function unknownSpecifics(searcher: Searcher, question: string): Promise<string[]> {
  const tokens = [...question.matchAll(/[\p{L}\p{N}][\p{L}\p{M}\p{N}'’.-]*/gu)].map((m) => trimEndOf(m[0], ".’'"));
  const specifics = tokens
    .filter((tok, i) => /^\d/.test(tok) || (i > 0 && /^\p{Lu}/u.test(tok) && tok.length > 1))
    .map((tok) => ({ tok, terms: terms(tok) }))
    .filter((x) => x.terms.length);
  const names = namePhrases(question).flatMap((n) => [n.part, n.phrase]);
  // One round trip to the store: single terms by their counts, names and capitals as phrases.
  const capitals = [...specifics.map((x) => x.tok), ...names].flatMap(countriesOfCapital);
  const phrases = [...names, ...capitals];
  const [{ df }, found] = await Promise.all([
    searcher.store.termStats([...new Set(specifics.flatMap((x) => x.terms))]),
    searcher.store.phrasesOccur(phrases.map(words)),
  ]);
  const occurs = new Set(phrases.filter((_, i) => found[i]));
  // "Hanoi" for the government of Vietnam: a capital is known when its country is.
  const standsForKnown = (name: string) => countriesOfCapital(name).some((c) => occurs.has(c));
  const out: string[] = [];
  for (const { tok, terms: t } of specifics) {
    if (t.some((x) => df.get(x))) continue;
    // "the Southeast Asian nation" describes; it does not name what the question is about.
    if (/^\p{Lu}/u.test(tok) && (nameType(tok) === 'descriptor' || standsForKnown(tok))) continue;
    out.push(tok);
  }
  for (let i = 0; i < names.length; i += 2) {
    const [part, phrase] = [names[i]!, names[i + 1]!];
    if (!out.includes(part) && !occurs.has(phrase) && !standsForKnown(phrase)) out.push(part);
  }
  return out;
}

/**
 * "LNG-fired" where the articles say "liquefied natural gas": an acronym in a word the collection
 * lacks is known when a retrieved sentence spells it out, word by word from its initials.
 */
function spelledOut(token: string, sentences: Candidate[]): boolean {
  const acronyms = token
    .split(/[-'’]/)
    .filter((part) => /^\p{Lu}{3,6}$/u.test(part))
    .map((a) => a.toLowerCase());
  if (!acronyms.length) return false;
  return sentences.some((c) => {
    const initials = ` ${words(c.text)
      .map((w) => w[0])
      .join(' ')} `;
    return acronyms.some((a) => initials.includes(` ${[...a].join(' ')} `));
  });
}

export type Evidence = { score: number; lead: Candidate | undefined; unknown: string[]; q: QuestionAnalysis };

/**
 * How well the best sentence answers the question. A factual question (who, when, how many) is
 * only answered by a sentence holding a value of that kind, and a question about a name or number
 * the articles never mention is not answered at all, however similar the wording.
 */
export async function assessEvidence(searcher: Searcher, q: QuestionAnalysis, ranked: Candidate[]): Promise<Evidence> {
  const unknown = (await unknownSpecifics(searcher, q.question)).filter((u) => !spelledOut(u, ranked));
  // "What is the name of the president's wife?" asks for what the articles would call his wife: if
  // they never say "wife", no name in them is the answer. (A counted noun is another matter: "how
  // many holidaymakers" is answered by "1 million tourists".)
  if (q.untypedHead && (q.type === 'name' || q.type === 'person')) {
    const { df } = await searcher.store.termStats(terms(q.untypedHead));
    if (![...df.values()].some(Boolean)) unknown.push(q.untypedHead);
  }
  const lead = chooseLead(ranked, q);
  let score = lead?.score ?? 0;
  // No sentence close to the question holds a value of the kind asked for: probably not here.
  if (lead && q.factual && !lead.answer) score *= WEIGHTS.noAnswer;
  // A yes/no question about something the articles never name cannot be confirmed from them.
  if (unknown.length) score *= q.type === 'yesno' ? 0 : WEIGHTS.unknownName;
  // The passage answering "Who won Kenya's election?" must say Kenya: a sentence about another
  // election, however alike, does not answer it.
  else if (lead) {
    const missing = await missingKeyName(
      searcher,
      q,
      ranked.filter((c) => c.passageId === lead.passageId),
    );
    if (missing) score *= missing === 'phrase' ? WEIGHTS.keyPhraseMissing : WEIGHTS.keyNameMissing;
  }
  return { score, lead, unknown, q };
}

/**
 * What of the question's names the passage's sentences lack, if anything: a name of several words
 * that the collection has as written ("Official Security Assistance" is not "official development
 * assistance"; people's and places' names are left out), or the question's most
 * specific name, its rarest name term in the collection or the country a capital stands for.
 * Descriptions ("Japanese") name nothing.
 */
async function missingKeyName(searcher: Searcher, q: QuestionAnalysis, sentences: Candidate[]): Promise<'phrase' | 'name' | null> {
  const text = ` ${sentences.flatMap((c) => words(c.text)).join(' ')} `;
  // "Kroger-Albertsons" pairs two names, which articles write in many ways: not one name. Nor is
  // "Vietnam Japan", and places, like people, go by shorter names ("HCM City").
  const phrases = namePhrases(q.question)
    .filter((n) => /\s/.test(n.phrase) && !['person', 'place'].includes(nameType(n.phrase)))
    .map((n) => words(n.phrase));
  const named = analyze(q.question)
    .spans.filter((sp) => sp.kind === 'name')
    .flatMap((sp) => sp.text.split(/\s+/))
    .filter((w) => nameType(w) !== 'descriptor')
    .map((w) => ({ w, t: terms(w) }))
    .filter(({ t }) => t.length === 1);
  const [found, { df }] = await Promise.all([searcher.store.phrasesOccur(phrases), searcher.store.termStats(named.map(({ t }) => t[0]!))]);
  if (phrases.some((p, i) => found[i] && !text.includes(` ${p.join(' ')} `))) return 'phrase';
  // The rarest name the collection has at all: fewest passages holding it.
  const keys = named.filter(({ t }) => df.get(t[0]!));
  if (!keys.length) return null;
  const key = keys.reduce((a, b) => (df.get(b.t[0]!)! < df.get(a.t[0]!)! ? b : a));
  const alternatives = [key.t[0]!, ...countriesOfCapital(key.w).flatMap(terms)];
  return sentences.some((c) => alternatives.some((t) => c.terms.has(t))) ? null : 'name';
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
    if (c.relevance < (q.factual ? WEIGHTS.answerAlignment : WEIGHTS.alignment) * best || asks(c.text)) continue;
    const value = c.score + (q.factual && c.answer ? WEIGHTS.answerChoice * c.answer.score : 0);
    if (value > pickScore) {
      pick = c;
      pickScore = value;
    }
  }
  return pick;
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

export async function composeLocalAnswer(
  searcher: Searcher,
  question: string,
  passages: RetrievedPassage[],
  signal?: AbortSignal,
): Promise<LocalAnswer> {
  const { q, ranked } = await rankSentences(searcher, question, passages, signal);
  const { score: evidence, lead } = await assessEvidence(searcher, q, ranked);
  if (!lead || evidence < WEIGHTS.refusal) return { text: '', refused: true, evidence, spans: new Map(), short: null };

  const value = (c: Candidate) => (c.answer ? answerKey(c.answer.text) : '');
  const broad = !q.factual || lead.score < WEIGHTS.looseLead;
  // A lead is confident only when no sentence nearly as good gives another value.
  const contested = ranked.some((c) => c !== lead && !!c.answer && value(c) !== value(lead) && c.score >= lead.score * WEIGHTS.contested);
  const length = broad
    ? LENGTH.broad
    : { ...LENGTH.factual, ...(lead.answer && !contested && lead.score >= WEIGHTS.confidentLead ? LENGTH.confident : {}) };
  const chosen: { c: Candidate; support: Candidate[] }[] = [];
  const used = new Set<Candidate>();
  let words = 0;
  for (const c of [lead, ...ranked.filter((r) => r !== lead)]) {
    if (chosen.length >= length.sentences) break;
    if (used.has(c)) continue;
    if (chosen.length > 0) {
      if (c.score < Math.max(WEIGHTS.refusal, lead.score * 0.75)) break;
      if (words + wordCount(c.text) > length.words) continue;
      if (asks(c.text)) continue;
      // A closely matched factual answer adds a sentence only when it gives a value of the kind asked for.
      if (!broad && !c.answer) continue;
      // Adds only what is new: a restatement, or the same answer in other words, corroborates instead.
      // Another article's sentence giving the same answer adds nothing new: it corroborates.
      const same = q.factual ? chosen.find((x) => value(x.c) === value(c)) : undefined;
      if (same) {
        if (c.docId !== same.c.docId && !same.support.some((o) => o.docId === c.docId)) same.support.push(c);
        used.add(c);
        continue;
      }
      const dup = chosen.find((x) => sameFact(x.c, c) || jaccard(x.c.terms, c.terms) > 0.6);
      if (dup) {
        if (c.docId !== dup.c.docId && !dup.support.some((s) => s.docId === c.docId)) dup.support.push(c);
        used.add(c);
        continue;
      }
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
        if (
          o.docId === x.c.docId ||
          used.has(o) ||
          !o.answer ||
          value(o) !== value(x.c) ||
          o.relevance < x.c.relevance * WEIGHTS.answerAlignment
        )
          continue;
        if (!x.support.some((s) => s.docId === o.docId)) {
          x.support.push(o);
          used.add(o);
        }
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
  const short = q.factual && lead.answer && opensAnswer(lead.answer) ? await locate(searcher, lead, lead.answer) : null;
  if (short && short.end - short.start < lead.end - lead.start) spans.get(lead.passageId)!.push([short.start, short.end]);
  const opening = short ? `**${neutraliseMarkers(trimEndOf(short.text, '.,;:'))}.** ` : '';

  // Disagreement: another article gives a different value in answer to the same question. Only
  // sentences about the same event disagree: most of their terms are shared.
  const rivals = (c: Candidate) =>
    c.docId !== lead.docId &&
    c.relevance >= lead.relevance * 0.8 &&
    !!c.answer &&
    value(c) !== value(lead) &&
    jaccard(c.terms, lead.terms) >= SAME_EVENT;
  if (q.factual && chosen.length === 1) {
    // A confident lead stands alone, unless another article contradicts it.
    const rival = ranked.find((c) => !used.has(c) && c.score >= Math.max(WEIGHTS.refusal, lead.score * 0.75) && rivals(c));
    if (rival) {
      chosen.push({ c: rival, support: [] });
      cite(rival);
    }
  }
  if (q.factual && chosen.length > 1) {
    const rivalIndex = chosen.findIndex(({ c }, i) => i > 0 && rivals(c));
    if (rivalIndex > 0) {
      const [first, rival] = [chosen[0]!, chosen[rivalIndex]!];
      const quote = (x: typeof first) =>
        withMarkers(`"${trimEndOf(x.c.text, '.!?')}"`, [x.c.passageId, ...x.support.map((o) => o.passageId)]);
      const framed = [
        `The articles differ: according to ${await describeSource(searcher, first.c.docId)}, ${quote(first)}`,
        `But ${await describeSource(searcher, rival.c.docId)} says ${quote(rival)}`,
      ];
      return { text: opening + framed.join(' '), refused: false, evidence, spans, short };
    }
  }
  return { text: opening + sentences.join(' '), refused: false, evidence, spans, short };
}

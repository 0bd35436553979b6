import { analyze, type Span, type Token } from '@/lib/nlp/analyze';
import {
  DATE_NOUNS,
  LOCAL_PLACE_NOUNS,
  MEASURE_UNITS,
  MONEY_NOUNS,
  MONEY_VERBS,
  NUMBER_NOUNS,
  ORG_NOUNS,
  PERCENT_NOUNS,
  PERSON_NOUNS,
  PLACE_NOUNS,
  WH_WORDS,
  WORK_NOUNS,
  YES_NO_OPENERS,
} from '@/lib/nlp/lexicon';
import { typeOf } from '@/lib/nlp/annotate';
import { isCountry } from '@/lib/nlp/names';
import { fold, terms } from '@/lib/text/normalize';

/** What a question asks for: a value of some kind (a short answer exists) or an explanation. */
export type AnswerType =
  | 'person'
  | 'place'
  | 'org'
  | 'work'
  | 'name' // a proper name of some kind ("name": any)
  | 'date'
  | 'number'
  | 'money'
  | 'percent'
  | 'amount'
  | 'quantity' // a value ("amount": how much; "quantity": how long, how far)
  | 'yesno'
  | 'reason'
  | 'open';

export type QuestionAnalysis = {
  /** The question itself, without the sentences of context that may come before it. */
  question: string;
  /** "Heavy rain flooded towns along the coast this week." before "Which country declared …?" */
  context: string;
  wh: string | null;
  /** The noun the question is about: "bank" in "Which bank lent the money?". */
  head: string | null;
  /** The head when it is no kind of thing the answer types know: "wife", "trainees", not "bank". */
  untypedHead: string | null;
  type: AnswerType;
  /** What a "how heavy / old / big" question measures ("heavy"): its answer is written in that measure's units. */
  measure: string | null;
  /** A short answer (a name, a date, a number) can open the reply. */
  factual: boolean;
  /** Index terms of the question sentence, question words left out. */
  focus: string[];
  contextTerms: string[];
};

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** The last sentence that asks something is the question; what comes before it is context. */
function splitContext(text: string): { question: string; context: string } {
  const parts = [...segmenter.segment(text.slice(0, 2000))].map((s) => s.segment.trim()).filter(Boolean);
  if (parts.length <= 1) return { question: text.trim(), context: '' };
  let at = parts.length - 1;
  for (let i = parts.length - 1; i >= 0; i--)
    if (parts[i]!.endsWith('?')) {
      at = i;
      break;
    }
  return { question: parts.slice(at).join(' '), context: parts.slice(0, at).join(' ') };
}

function typeOfHead(head: string): AnswerType | null {
  if (DATE_NOUNS.has(head)) return 'date';
  if (PERCENT_NOUNS.has(head)) return 'percent';
  if (MONEY_NOUNS.has(head)) return 'money';
  if (NUMBER_NOUNS.has(head)) return 'number';
  if (PERSON_NOUNS.has(head)) return 'person';
  if (PLACE_NOUNS.has(head)) return 'place';
  if (ORG_NOUNS.has(head)) return 'org';
  if (WORK_NOUNS.has(head)) return 'work';
  return null;
}

const isPossessive = (t: Token | undefined) => t?.pos === 'PART' && /^['’]s?$/.test(t.text);

/**
 * The first common noun within a few words after `from`, past determiners, adjectives and names
 * ("which Daily Harvest product"), and when `owned` past a possessive ("Mayor Ana Lopez's husband").
 */
function nounAfter(tokens: Token[], from: number, owned = false): number {
  for (let i = from; i < Math.min(tokens.length, from + 6); i++) {
    const t = tokens[i]!;
    if (t.pos === 'NOUN') return i;
    if (!['DET', 'ADJ', 'NUM', 'PROPN', 'ADV'].includes(t.pos) && !(owned && isPossessive(t))) return -1;
  }
  return -1;
}

/**
 * The noun a noun phrase is about: the last of a compound ("fast food chain", "intern trainees")
 * or, when `owned`, what a possessive owns ("the president's wife"). The question word's own noun
 * keeps its possessive: "which country's minister" asks for a country.
 */
function phraseHead(tokens: Token[], at: number, owned = false): number {
  let head = at;
  let i = at + 1;
  while (i < tokens.length && (tokens[i]!.pos === 'NOUN' || tokens[i]!.pos === 'PROPN')) {
    if (tokens[i]!.pos === 'NOUN') head = i;
    i++;
  }
  if (owned && isPossessive(tokens[i])) {
    const next = nounAfter(tokens, i + 1);
    if (next >= 0) return phraseHead(tokens, next, true);
  }
  return head;
}

/** Nouns that say what is asked about after "of": "the name of the ship" asks about the ship. */
const ASKS_OF = new Set(['name', 'kind', 'type', 'sort']);

/** "the name of the ship" asks about the ship, "the name of the president's wife" about the wife. */
function resolveHead(tokens: Token[], at: number, owned = false): number {
  const head = phraseHead(tokens, at, owned);
  if (ASKS_OF.has(tokens[head]!.lemma) && tokens[head + 1]?.lemma === 'of') {
    const next = nounAfter(tokens, head + 2, true);
    if (next >= 0) return resolveHead(tokens, next, true);
  }
  return head;
}

/** The type of a noun phrase's head, else of a noun before it in the compound ("which bank branch": a bank). */
function typeOfPhrase(tokens: Token[], head: number): AnswerType | null {
  for (let i = head; i >= 0 && (tokens[i]!.pos === 'NOUN' || tokens[i]!.pos === 'PROPN'); i--) {
    const type = tokens[i]!.pos === 'NOUN' ? typeOfHead(tokens[i]!.lemma) : null;
    if (type) return type;
  }
  return null;
}

export function analyzeQuestion(text: string): QuestionAnalysis {
  const { question, context } = splitContext(text);
  const tokens = analyze(question).tokens.filter((t) => t.pos !== 'PUNCT');
  const whAt = tokens
    .slice(0, 6)
    .findIndex((t) => WH_WORDS.has(t.lemma) || t.text.toLowerCase() === 'whom' || t.text.toLowerCase() === 'whose');
  const wh = whAt >= 0 ? tokens[whAt]!.text.toLowerCase() : null;
  let head: string | null = null;
  let measure: string | null = null;
  let type: AnswerType = 'open';
  const first = tokens[0]?.text.toLowerCase() ?? '';

  if (wh === 'who' || wh === 'whom' || wh === 'whose') type = 'person';
  else if (wh === 'where') type = 'place';
  else if (wh === 'when') type = 'date';
  else if (wh === 'why') type = 'reason';
  else if (wh === 'how') {
    const next = tokens[whAt + 1]?.lemma ?? '';
    const noun = nounAfter(tokens, whAt + 2);
    head = noun >= 0 ? tokens[phraseHead(tokens, noun)]!.lemma : null;
    if (next === 'many') type = 'number';
    // "How much is the deal worth" asks for money; "how much water", "by how much did prices rise" for an amount.
    // "By how much did prices rise" asks for a change (often a percentage), whatever changed.
    else if (next === 'much')
      type =
        tokens[whAt - 1]?.lemma !== 'by' && tokens.some((t) => MONEY_NOUNS.has(t.lemma) || MONEY_VERBS.has(t.lemma)) ? 'money' : 'amount';
    else if (MEASURE_UNITS[next]) {
      type = 'quantity';
      measure = next;
    } else type = 'open';
  } else if (wh === 'what' || wh === 'which') {
    let noun = nounAfter(tokens, whAt + 1);
    // "What is the capital of …": the noun after "be" is what is asked; after "did"/"has" it is the
    // subject ("What did the president say …"), and the question is open.
    if (noun < 0 && tokens[whAt + 1]?.pos === 'AUX' && tokens[whAt + 1]!.lemma === 'be') noun = nounAfter(tokens, whAt + 2);
    if (noun >= 0) {
      const at = resolveHead(tokens, noun);
      head = tokens[at]!.lemma;
      // A kind of thing we know types the answer; "which fields", "what role" ask about something
      // that is rarely a proper name, so they are answered like open questions.
      type = typeOfPhrase(tokens, at) ?? 'open';
    }
    if (['reason', 'cause', 'purpose', 'motive'].includes(head ?? '')) type = 'reason';
    // "What were the documents worth?", "What did the bridge cost?": the value asked for is money.
    else if (type === 'open' && MONEY_VERBS.has(tokens.at(-1)?.lemma ?? '')) type = 'money';
  } else if (YES_NO_OPENERS.has(first)) type = 'yesno';
  // "What is his name?", "What is it called?": a name, whatever the noun.
  if (type === 'open' && (wh === 'what' || wh === 'which') && tokens.some((t) => t.lemma === 'name' || t.lemma === 'call')) type = 'name';
  else if (first === 'name') {
    const noun = nounAfter(tokens, 1);
    const at = noun >= 0 ? resolveHead(tokens, noun) : -1;
    head = at >= 0 ? tokens[at]!.lemma : null;
    type = (at >= 0 ? typeOfPhrase(tokens, at) : null) ?? 'name';
  }

  const asked = new Set(
    tokens
      .filter((t) => WH_WORDS.has(t.lemma) || t.pos === 'AUX' || ['name', 'call', 'much', 'many'].includes(t.lemma))
      .map((t) => fold(t.text)),
  );
  const focus = terms(question).filter((t) => !asked.has(t));
  return {
    question,
    context,
    wh,
    head,
    untypedHead: head && !typeOfHead(head) && !ASKS_OF.has(head) ? head : null,
    type,
    measure,
    factual: !['yesno', 'reason', 'open'].includes(type),
    focus,
    contextTerms: terms(context),
  };
}

/** How well a span of a sentence fits the kind of answer asked for (0: not at all). */
export function spanFit(span: Span, type: AnswerType, head: string | null): number {
  switch (type) {
    case 'date':
      // "8:33 a.m." answers "at what time", not "on what date".
      if (span.kind === 'time') return head === 'time' ? 1 : 0.2;
      // "since November 2012" comes tagged as a duration; with a year or a (capitalised) month in it,
      // it dates something, where "69-minute" does not.
      if (span.kind === 'duration') return /\d/.test(span.text) && (/\d{4}/.test(span.text) || /\p{Lu}/u.test(span.text)) ? 0.8 : 0;
      if (span.kind !== 'date') return 0;
      // "In what year" wants a year, not "Monday".
      return head === 'year' && !/\d{4}/.test(span.text) ? 0 : /\d/.test(span.text) ? 1 : 0.7;
    case 'money':
      return span.kind === 'money' ? 1 : span.kind === 'number' ? 0.3 : 0;
    case 'percent':
      return span.kind === 'percent' ? 1 : 0;
    case 'number':
      // A year is not a count, and "one" is more often a pronoun ("one of the …") than a number.
      if (span.kind === 'number') return /^(1[89]|20)\d{2}$/.test(span.text) ? 0.1 : /^one$/i.test(span.text) ? 0.2 : 1;
      // "How many years in prison": "12 years" counts the head noun, though tagged as a duration.
      if (span.kind === 'duration' && head && terms(span.text).some((t) => terms(head).includes(t))) return 1;
      return span.kind === 'money' || span.kind === 'percent' ? 0.4 : 0;
    case 'quantity':
      return ['number', 'money', 'percent', 'duration'].includes(span.kind) ? 1 : 0;
    case 'amount':
      return span.kind === 'money' || span.kind === 'percent' ? 1 : span.kind === 'number' ? 0.8 : 0;
    case 'work':
      return span.kind === 'title' ? 1 : span.kind === 'name' ? 0.5 : 0;
    case 'person':
    case 'place':
    case 'org':
    case 'name': {
      if (span.kind !== 'name') return span.kind === 'title' && type === 'name' ? 0.6 : 0;
      const kind = typeOf(span);
      if (kind === 'descriptor') return 0;
      if (type === 'name') return 0.8;
      if (kind === 'place' && type === 'place' && head && LOCAL_PLACE_NOUNS.has(head) && isCountry(span.text)) return 0.15;
      if (kind === type) return 1;
      if (kind === 'unknown') return 0.6;
      // Organisations and places are easily confused ("Bank of England"); people and organisations less so.
      return (type === 'org' && kind === 'place') || (type === 'place' && kind === 'org')
        ? 0.4
        : type === 'person' && kind === 'org'
          ? 0.3
          : 0.15;
    }
    default:
      return 0;
  }
}

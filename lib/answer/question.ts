import { fold, trimEndOf } from '../text/normalize';

/** What kind of answer a question wants, and how to spot one in a sentence. */
export type QuestionType = 'when' | 'quantity' | 'who' | 'where' | 'why' | 'yesno' | 'other';

export function questionType(question: string): QuestionType {
  const q = fold(question);
  if (/\b(when|what (year|date|month|day)|which (year|date|month)|since when|how long ago)\b/.test(q)) return 'when';
  if (/\b(how (many|much|large|big|high|long)|what (is|was|were) (the )?(total|number|amount|value|share|size|cost|price|figure)|what percentage|what share)\b/.test(q)) return 'quantity';
  if (/\b(who|whom|whose|what (is|was) (the )?name|which (\w+ )?(official|minister|leader|president|ambassador|envoy|person|company|companies|firm|retailer|chain|group|organi[sz]ation|agency))\b/.test(q)) return 'who';
  if (/\b(where|which (\w+ )?(city|country|province|place|prefecture|port|region))\b/.test(q)) return 'where';
  if (/\b(why|for what (purpose|reason))\b/.test(q)) return 'why';
  if (/^(did|does|do|is|are|was|were|has|have|had|can|could|will|would|should)\b/.test(q)) return 'yesno';
  return 'other';
}

const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December';
const DATE = new RegExp(`\\b((?:${MONTHS})(?:\\s+\\d{1,2}(?:\\s*[-–]\\s*\\d{1,2})?,?)?\\s+\\d{4}|\\d{1,2}\\s+(?:${MONTHS})\\s+\\d{4}|(?:${MONTHS})(?:\\s+\\d{1,2})?|(?:19|20)\\d{2}|(?:this|last|next) (?:year|month|week)|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\\b`, 'g');
// Lower-case only: "Group of Seven" is a name, not a count.
const NUMBER_WORDS = /\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|dozens?|half|a third|a quarter|double|twice|triple)\b/g;
const isNumberWord = (v: string) => new RegExp(`^(?:${NUMBER_WORDS.source})$`, 'i').test(v);
const QUANTITY = /(?:US\$|\$|JPY|VND|¥|€)?\s?\d[\d,.]*\s?(?:%|percent|per cent|million|billion|trillion|thousand|yen|dollars?|USD|projects?|stores?|vessels?|people|workers|tourists|prefectures|fields)?/gi;
const PLACE = /(?<=\b(?:in|at|to|from|of|near)\s+)\p{Lu}[\p{L}\p{M}'-]+(?:\s+\p{Lu}[\p{L}\p{M}'-]+){0,3}/gu;
const NAME = /(?<![\p{L}\p{M}'-])\p{Lu}[\p{L}\p{M}'-]+(?: \p{Lu}[\p{L}\p{M}'-]+){1,5}(?![\p{L}\p{M}'-])/gu;

/**
 * Values in a sentence that could answer a question of this type ("September 1973", "100 billion
 * yen", "Ito Naoki"). `isCommonWord` tells names from capitalised ordinary words ("Strategic").
 */
export function answerValues(sentence: string, type: QuestionType, question: string, isCommonWord: (w: string) => boolean = () => false): string[] {
  const q = fold(question);
  const qWords = new Set(q.match(/[\p{L}\p{N}]+/gu) ?? []);
  const notInQuestion = (v: string) => !q.includes(fold(v));
  const clean = (v: string) => trimEndOf(v.trim(), ',.;:');
  switch (type) {
    case 'when':
      // "In what year" is not answered by "on Monday" or "in September".
      return [...sentence.matchAll(DATE)].map((m) => clean(m[0])).filter(notInQuestion).filter((v) => !/\b(what|which) year\b/.test(q) || /\b(19|20)\d{2}\b/.test(v));
    case 'quantity':
      // A bare year or a day of the month is a date, not an amount.
      return [...sentence.matchAll(QUANTITY)]
        .filter((m) => !new RegExp(`(${MONTHS})\\s*$`).test(sentence.slice(Math.max(0, m.index - 12), m.index)))
        .map((m) => clean(m[0]))
        .filter((v) => /\d/.test(v) && !/^(19|20)\d{2}$/.test(v) && !/^\d+(st|nd|rd|th)$/.test(v) && notInQuestion(v))
        .concat([...sentence.matchAll(NUMBER_WORDS)].map((m) => m[0]).filter(notInQuestion));
    case 'who':
    case 'where':
      return [...sentence.matchAll(type === 'who' ? NAME : PLACE)]
        // Keep only the name-like words the question does not already contain.
        .map((m) => m[0].split(/\s+/).filter((w) => !isCommonWord(w) && !qWords.has(fold(w))).join(' '))
        // A lone nationality word ("Japanese") describes someone; it does not name them.
        .filter((v) => v && !new RegExp(`^(${MONTHS})$`).test(v) && !isNumberWord(v) && !/^\p{Lu}\p{Ll}+(ese|ian|ean|ish)$/u.test(v));
    default:
      return [];
  }
}

/** Does the sentence contain the kind of thing the question asks for? */
export function hasAnswerShape(sentence: string, type: QuestionType, question: string, isCommonWord?: (w: string) => boolean): boolean {
  if (type === 'when' || type === 'quantity' || type === 'who' || type === 'where') return answerValues(sentence, type, question, isCommonWord).length > 0;
  if (type === 'why') return /\b(because|due to|in order to|to (help|ensure|support|boost|promote|strengthen)|aim(s|ed)? to|for the purpose|so that|as part of)\b/i.test(sentence);
  return true;
}

/** Comparable core of a value: the year of a date, the digits of an amount, the folded name. */
export function valueKey(value: string, type: QuestionType): string {
  const f = fold(value);
  if (type === 'when') return f.match(/\b(19|20)\d{2}\b/)?.[0] ?? f;
  if (type === 'quantity') return f.match(/\d[\d.,]*/)?.[0]?.replace(/,/g, '') ?? f;
  return f;
}

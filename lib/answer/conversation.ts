import { isStopword, words } from '@/lib/text/normalize';
import type { ChatMessage } from './types';

/**
 * Follow-up questions ("And what about defence?", "When was that signed?") only make sense
 * against earlier turns. The local engine rewrites them into a standalone query by carrying over
 * the earlier question's terms; an LLM engine does its own rewriting.
 */

const QUESTION_WORDS = new Set([
  'what',
  'when',
  'where',
  'who',
  'whom',
  'which',
  'why',
  'how',
  'many',
  'much',
  'did',
  'does',
  'do',
  'is',
  'are',
  'was',
  'were',
  'tell',
  'me',
  'about',
  'and',
  'also',
  'so',
  'then',
  'please',
  'more',
  'any',
  'else',
]);
const ANAPHORA = /\b(it|its|that|this|these|those|they|them|their|he|she|him|her|his|there|then|the same|such)\b/i;
const OPENER = /^\s*(and|but|also|so|then|what about|how about|and what about|and how about|what else|anything else)\b/i;
const SHIFT = /^\s*(and\s+)?(what|how)\s+about\s+/i;

const contentWords = (text: string) => words(text).filter((w) => !isStopword(w) && !QUESTION_WORDS.has(w) && w.length > 1);

export function isFollowUp(question: string): boolean {
  const content = contentWords(question);
  return OPENER.test(question) || (ANAPHORA.test(question) && content.length <= 4) || content.length <= 1;
}

/** Capitalised words of the original text: the entities a follow-up keeps talking about. */
function entities(text: string): string[] {
  return [...text.matchAll(/(?<![\p{L}\p{M}'-])\p{Lu}[\p{L}\p{M}'-]+/gu)]
    .map((m) => m[0])
    .filter((w, i) => i > 0 || !QUESTION_WORDS.has(w.toLowerCase()));
}

/**
 * The standalone form of the last user message. "What about X?" keeps the earlier question's
 * entities but swaps its topic for X; an anaphoric question keeps all of the earlier terms.
 */
export function standaloneQuestion(messages: ChatMessage[]): string {
  const users = messages.filter((m) => m.role === 'user');
  const last = users.at(-1)?.content.trim() ?? '';
  let context = '';
  for (const m of users.slice(0, -1)) {
    // Earlier follow-ups are themselves resolved against what came before them.
    context = isFollowUp(m.content) && context ? merge(m.content, context) : m.content;
  }
  return context && isFollowUp(last) ? merge(last, context) : last;
}

function merge(question: string, previous: string): string {
  const have = new Set(contentWords(question));
  const carried = SHIFT.test(question) ? entities(previous) : contentWords(previous).concat(entities(previous));
  const extra: string[] = [];
  for (const w of carried) {
    const key = words(w)[0];
    if (key && !have.has(key) && !isStopword(key) && !QUESTION_WORDS.has(key)) {
      have.add(key);
      extra.push(w);
    }
  }
  const core = question.replace(/^\s*(and|but|also|so|then)\s+/i, '').replace(/\?\s*$/, '');
  return extra.length ? `${core} (${extra.join(' ')})?` : `${core}?`;
}

import { sentenceSegments } from '@/lib/corpus/chunk';
import { fold } from '@/lib/text/normalize';
import { matchForm } from './metrics';

/**
 * Pure scoring of an answer's text against gold answers: SQuAD-style exact match and token F1
 * on the short answer, whether the gold answer stands in the first sentence, answer length.
 * Independent of the engine's own sentence machinery, so changing the engine cannot move the
 * yardstick.
 */

const MARKER = /(?<!\s)\s*\[\d+\]/g;
const BOLD = /\*\*/g;

/** Answer text without citation markers and bold markup, whitespace collapsed. */
export function plainAnswer(text: string): string {
  return text.replace(MARKER, '').replace(BOLD, '').replace(/\s+/g, ' ').trim();
}

/**
 * SQuAD normalisation (lower-case, no punctuation or symbols, no articles a/an/the, single
 * spaces), plus accent and quote folding so "Tomljanovic" matches "Tomljanović".
 */
export function normalizeAnswer(text: string): string {
  return fold(text)
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\b(?:a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const tokens = (text: string) => normalizeAnswer(text).split(' ').filter(Boolean);

/** 1 when the prediction equals some gold answer after normalisation, else 0. */
export function exactMatch(prediction: string, golds: string[]): number {
  const p = normalizeAnswer(prediction);
  return golds.some((g) => normalizeAnswer(g) === p) ? 1 : 0;
}

/** Best token-overlap F1 of the prediction against any gold answer (SQuAD's definition). */
export function tokenF1(prediction: string, golds: string[]): number {
  const pred = tokens(prediction);
  let best = 0;
  for (const gold of golds) {
    const g = tokens(gold);
    if (!pred.length || !g.length) {
      best = Math.max(best, pred.length === g.length ? 1 : 0);
      continue;
    }
    const counts = new Map<string, number>();
    for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
    let common = 0;
    for (const t of pred) {
      const c = counts.get(t) ?? 0;
      if (c > 0) {
        common++;
        counts.set(t, c - 1);
      }
    }
    if (!common) continue;
    const precision = common / pred.length;
    const recall = common / g.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/**
 * Sentences of a plain text (markers and bold already removed), split as the chunker splits
 * articles, so "Sally Q. Yates" or "Dr. Walensky" is not cut after its abbreviation.
 */
export function sentences(text: string): string[] {
  return [...sentenceSegments(text)].map((s) => s.segment.trim()).filter(Boolean);
}

/** First sentence of an answer, markers and bold removed. */
export const firstSentence = (text: string): string => sentences(plainAnswer(text))[0] ?? '';

const LEADING_BOLD = /^\s*\*\*([^*]{1,300})\*\*/;

/**
 * The answer's short answer: the bold span it opens with, if any, else its first sentence;
 * trailing punctuation dropped.
 */
export function shortAnswer(text: string): string {
  const bold = LEADING_BOLD.exec(text.replace(MARKER, ''));
  return (bold ? bold[1]!.trim() : firstSentence(text)).replace(/(?<![\s.,;:!?])[\s.,;:!?]+$/, '');
}

/** Words of an answer, markers and markup excluded. */
export const answerWords = (text: string): number =>
  plainAnswer(text)
    .split(' ')
    .filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
const DECIMAL_TAIL = /^[.,]\d/;

/**
 * Whether the text mentions any needle as a whole word or phrase (after folding): "no" is not
 * found in "not", and "$5" is not found in "$5.02"; "Kishida" is found in "Kishida's".
 */
export function mentions(text: string, needles: string[]): boolean {
  const hay = matchForm(text);
  return needles.some((needle) => {
    const n = matchForm(needle).trim();
    if (!n) return false;
    for (let i = hay.indexOf(n); i >= 0; i = hay.indexOf(n, i + 1)) {
      const before = hay[i - 1] ?? ' ';
      const after = hay.slice(i + n.length, i + n.length + 2);
      const startOk = !WORD_CHAR.test(n[0]!) || !WORD_CHAR.test(before);
      const endOk = !WORD_CHAR.test(n.at(-1)!) || (!WORD_CHAR.test(after[0] ?? ' ') && !DECIMAL_TAIL.test(after));
      if (startOk && endOk) return true;
    }
    return false;
  });
}

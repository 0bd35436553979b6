import type { Block } from './clean';
import { stripInlineMarkdown } from './clean';
import { normalizeDisplay } from '../text/normalize';

export type Sentence = { start: number; end: number; text: string };

/** A retrievable unit. `start`/`end` and every sentence's offsets index into the document body. */
export type Passage = {
  id: string; // `${docId}#${position}`: stable across re-indexing of an unchanged document
  docId: string;
  position: number;
  start: number;
  end: number;
  text: string;
  sentences: Sentence[];
};

export type ChunkOptions = { maxTokens: number; overlapSentences: number };

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * ICU's sentence rules (behind Intl.Segmenter) break after titles such as "Mr." and after
 * initials; V8 ships no suppression list, so segments ending in one are joined to the next.
 */
const NO_BREAK_AFTER = /(?:^|[\s(])(?:mr|mrs|ms|dr|prof|st|jr|sr|gen|lt|col|capt|sgt|sen|rep|gov|pres|hon|rev|fr|no|vol|fig|approx|est|dept|inc|corp|ltd|co|vs|etc|e\.g|i\.e|[a-z])\.\s*$/i;

function* segments(text: string): Generator<{ index: number; segment: string }> {
  let pending: { index: number; segment: string } | null = null;
  for (const { index, segment } of segmenter.segment(text)) {
    pending = pending ? { index: pending.index, segment: pending.segment + segment } : { index, segment };
    if (!NO_BREAK_AFTER.test(pending.segment)) {
      yield pending;
      pending = null;
    }
  }
  if (pending) yield pending;
}

/** Rough sub-word token count (word pieces run ~1.3 per English word), enough for sizing. */
export const estimateTokens = (text: string) => Math.ceil((text.match(/\S+/g) ?? []).length * 1.3);

export function splitSentences(block: Block): Sentence[] {
  const out: Sentence[] = [];
  for (const seg of segments(block.text)) {
    const raw = seg.segment;
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (!trimmed) continue;
    const start = block.start + seg.index + lead;
    const text = normalizeDisplay(stripInlineMarkdown(trimmed));
    if (!text) continue;
    // A "sentence" with no letters (a stray "." after an abbreviation split) joins its predecessor.
    const prev = out.at(-1);
    if (prev && !/\p{L}{2,}/u.test(text)) {
      prev.end = start + trimmed.length;
      prev.text = `${prev.text} ${text}`;
      continue;
    }
    out.push({ start, end: start + trimmed.length, text });
  }
  return out;
}

/**
 * Packs whole sentences into passages of at most `maxTokens` (a longer single sentence stands
 * alone), repeating the last `overlapSentences` of each passage at the start of the next.
 */
export function chunkDocument(docId: string, blocks: Block[], options: ChunkOptions): Passage[] {
  const sentences = blocks.flatMap(splitSentences);
  const passages: Passage[] = [];
  let i = 0;
  while (i < sentences.length) {
    const group: Sentence[] = [sentences[i]!];
    let tokens = estimateTokens(sentences[i]!.text);
    let j = i + 1;
    while (j < sentences.length && tokens + estimateTokens(sentences[j]!.text) <= options.maxTokens) {
      tokens += estimateTokens(sentences[j]!.text);
      group.push(sentences[j]!);
      j++;
    }
    passages.push({
      id: `${docId}#${passages.length}`,
      docId,
      position: passages.length,
      start: group[0]!.start,
      end: group.at(-1)!.end,
      text: group.map((s) => s.text).join(' '),
      sentences: group,
    });
    if (j >= sentences.length) break;
    // Overlap for context, but never so much that consecutive passages are mostly the same text.
    const overlap = Math.min(options.overlapSentences, Math.floor((group.length - 1) / 2));
    i = j - overlap;
  }
  return passages;
}

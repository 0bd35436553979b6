import type { Block } from './clean';
import { stripInlineMarkdown } from './clean';
import { neutraliseMarkers } from '@/lib/text/markers';
import type { Analysis } from '@/lib/text/analysis';
import { normalizeDisplay } from '@/lib/text/normalize';

/** `analysis`: its tokens and typed spans, where retrieval attached what ingest stored. */
export type Sentence = { start: number; end: number; text: string; analysis?: Analysis };

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
 * Hard bounds, whatever the text: embedding cost grows with the square of a text's length, so
 * one run-on "sentence" of 60 KB would stall every request that touches it. Real news sentences
 * are well under 1,000 characters; longer ones are split at a clause boundary, else between words,
 * else anywhere.
 */
export const MAX_SENTENCE_CHARS = 1000;
export const MAX_PASSAGE_CHARS = 3000;

/**
 * English abbreviations after which ICU's sentence rules (behind Intl.Segmenter) break although
 * the sentence goes on. V8 ships no suppression list (the "ss" locale key is ignored), so a
 * segment ending in one is joined to the next. General English, not any collection's words.
 */
const TITLES = /(?:^|[\s(])(?:mr|mrs|ms|dr|prof|st|jr|sr|gen|lt|col|capt|sgt|sen|rep|gov|pres|hon|rev|fr|approx|est|dept|inc|corp|ltd|co|vs|etc|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|mt|ft|[a-z])\.\s*$/i;
/** Dotted initialisms: "a.m.", "p.m.", "U.S.", "e.g.". */
const INITIALISM = /(?:^|[\s(])(?:\p{L}\.){2,4}\s*$/u;
/** "No. 5", "Vol. 2", "p. 12": abbreviations only when a number follows. */
const BEFORE_NUMBER = /(?:^|[\s(])(?:no|nos|vol|fig|art|ch|pp?)\.\s*$/i;
/** Only a segment's end decides, so a long chain of joined segments is never rescanned. */
const TAIL = 16;

function continues(segment: string, next: string | undefined): boolean {
  const tail = segment.slice(-TAIL);
  if (TITLES.test(tail) || INITIALISM.test(tail)) return true;
  return BEFORE_NUMBER.test(tail) && !!next && /^\d/.test(next);
}

/** Sentences of a text as ICU finds them, rejoined after abbreviations ("9 a.m. ET", "Dr. Rivera"). */
export function* sentenceSegments(text: string): Generator<{ index: number; segment: string }> {
  let pending: { index: number; segment: string } | null = null;
  const it = segmenter.segment(text)[Symbol.iterator]();
  let current = it.next();
  while (!current.done) {
    const { index, segment } = current.value;
    const next = it.next();
    pending = pending ? { index: pending.index, segment: pending.segment + segment } : { index, segment };
    if (next.done || !continues(pending.segment, next.value.segment)) {
      yield pending;
      pending = null;
    }
    current = next;
  }
}

/** Where to cut a run-on text of more than `max` characters: the last clause break, else the last space. */
function cutPoint(text: string, max: number): number {
  const window = text.slice(0, max);
  const floor = Math.floor(max / 3);
  for (const marks of [[';', ':', '—', '–'], [',', ')'], [' ']]) {
    let best = -1;
    for (const m of marks) best = Math.max(best, window.lastIndexOf(m));
    if (best >= floor) return best + 1;
  }
  return max;
}

/** Raw pieces of at most MAX_SENTENCE_CHARS, as [offset, text] within the segment. */
function bounded(raw: string): [number, string][] {
  const out: [number, string][] = [];
  let at = 0;
  while (raw.length - at > MAX_SENTENCE_CHARS) {
    const cut = cutPoint(raw.slice(at, at + MAX_SENTENCE_CHARS), MAX_SENTENCE_CHARS);
    out.push([at, raw.slice(at, at + cut)]);
    at += cut;
  }
  out.push([at, raw.slice(at)]);
  return out;
}

/** Rough sub-word token count (word pieces run ~1.3 per English word), enough for sizing. */
export const estimateTokens = (text: string) => Math.ceil((text.match(/\S+/g) ?? []).length * 1.3);

export function splitSentences(block: Block): Sentence[] {
  const out: Sentence[] = [];
  for (const seg of sentenceSegments(block.text)) {
    for (const [offset, piece] of bounded(seg.segment)) {
      const lead = piece.length - piece.trimStart().length;
      const trimmed = piece.trim();
      if (!trimmed) continue;
      const start = block.start + seg.index + offset + lead;
      const text = neutraliseMarkers(normalizeDisplay(stripInlineMarkdown(trimmed)));
      if (!text) continue;
      // A "sentence" with no letters (a stray "." after an abbreviation split) joins its predecessor.
      const prev = out.at(-1);
      if (prev && !/\p{L}\p{L}/u.test(text) && prev.text.length + text.length < MAX_SENTENCE_CHARS) {
        prev.end = start + trimmed.length;
        prev.text = `${prev.text} ${text}`;
        continue;
      }
      out.push({ start, end: start + trimmed.length, text });
    }
  }
  return out;
}

/**
 * Packs whole sentences into passages of at most `maxTokens` and MAX_PASSAGE_CHARS (a longer
 * single sentence stands alone), repeating the last `overlapSentences` of each passage at the start of the next.
 */
export function chunkDocument(docId: string, blocks: Block[], options: ChunkOptions): Passage[] {
  const sentences = blocks.flatMap(splitSentences);
  const passages: Passage[] = [];
  let i = 0;
  while (i < sentences.length) {
    const group: Sentence[] = [sentences[i]!];
    let tokens = estimateTokens(sentences[i]!.text);
    let j = i + 1;
    let chars = sentences[i]!.text.length;
    while (j < sentences.length && tokens + estimateTokens(sentences[j]!.text) <= options.maxTokens && chars + sentences[j]!.text.length < MAX_PASSAGE_CHARS) {
      tokens += estimateTokens(sentences[j]!.text);
      chars += sentences[j]!.text.length + 1;
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

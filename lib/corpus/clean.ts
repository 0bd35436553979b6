import { fold } from '../text/normalize';

/**
 * Cleaning never rewrites the original: it decides which spans of the body are article text.
 * Every kept block carries its offsets into the body, so a citation can point at the exact
 * characters of the file as received.
 */

export type Block = { start: number; end: number; text: string };
export type RemovedBlock = Block & { reason: string };
export type CleanResult = { blocks: Block[]; removed: RemovedBlock[] };

// Version of the cleaning and sentence rules: stored in the manifest, so changing them re-indexes everything.
export const CLEANER_VERSION = 4;

const wordCount = (s: string) => (s.match(/\p{L}[\p{L}\p{N}'’-]*|\p{N}+/gu) ?? []).length;

/** A line that opens the page furniture after an article: related lists, comments, follow-us prompts. */
const END_MARKER =
  /^(related|related (news|articles|stories|posts|content|coverage)|read more|read also|see also|more (news|stories|from .*)|you (may|might) also like|recommended( for you)?|most (read|popular|viewed)|latest( news)?|other news|trending|tags?|topics?|keywords?|share( this( article| story)?)?|comments?( ?\(\d+\))?|\d+ comments?|leave a (comment|reply)|advertisement|moi quy doc gia.*|tin lien quan|xem them|doc them|follow us( on .*)?)[\s:.!]*$/;

const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*';
const DATE_IN_TEXT = new RegExp(`(\\b${MONTH}\\.? \\d{1,2},? \\d{4}\\b|\\b\\d{1,2} ${MONTH},? \\d{4}\\b|\\b\\d{4}-\\d{2}-\\d{2}\\b|\\b\\d{1,2}/\\d{1,2}/\\d{4}\\b)`);
const TIME_IN_TEXT = /\b\d{1,2}:\d{2}\s*(am|pm)?\b|\bgmt|\butc|\bict\b/;

/** "Mon, November 27, 2023 | 11:39 pm GMT+7" or "Politics - Wed, May 8, 2024 | 8:11 pm": a dateline, not prose. */
function isStampLine(folded: string): boolean {
  return wordCount(folded) <= 14 && DATE_IN_TEXT.test(folded) && (TIME_IN_TEXT.test(folded) || /[|•·]/.test(folded) || wordCount(folded) <= 6);
}

const isByline = (folded: string) => /^(by|written by|reported by|posted by)\s+\p{L}/u.test(folded) && wordCount(folded) <= 8 && !/[.!?]$/.test(folded);

/** Headlines and labels: short, without sentence-final punctuation. */
const isHeadlineLike = (text: string) => wordCount(text) <= 18 && !/[.!?:"”’)]$/.test(text.trim());

/** Photo captions end with a credit; they repeat the body and are often duplicated by page templates. */
const isPhotoCaption = (folded: string) =>
  wordCount(folded) <= 70 && /(\(?(photo|photograph|image|picture|file photo|anh)( courtesy of| by|:)\s*[^.]{0,80}\.?\)?|\bphoto\s*:\s*[^.]{0,60})\s*$/.test(folded);

/** Site furniture lines that may appear anywhere: share buttons, print, skip links, subscribe prompts. */
const isFurniture = (folded: string) =>
  wordCount(folded) <= 6 && /^[•·*>\-\s]*(share( on)? \w+|print|email|tweet|facebook|twitter|zalo|subscribe( now)?|sign up|log ?in|back to top|skip to (main )?content|advertisement|ad|listen|font size|\d+ min(ute)?s? read)\s*$/.test(folded);

/** Machine metadata glued to the first line, e.g. "date 2023-11-27 ". */
export const LEADING_METADATA = /^\s*(date|published|updated|posted)\s*:?\s*\d{4}-\d{2}-\d{2}(t[\d:.+z-]*)?\s+/i;

function splitBlocks(body: string): Block[] {
  const blocks: Block[] = [];
  const re = /[^\r\n]+/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const raw = m[0];
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (!text) continue;
    blocks.push({ start: m.index + lead, end: m.index + lead + text.length, text });
  }
  return blocks;
}

/** Index of the first block of trailing page furniture, or blocks.length when there is none. */
function trailingBoilerplateStart(blocks: Block[], folded: string[]): number {
  const minIndex = Math.max(1, Math.floor(blocks.length * 0.3));
  for (let i = minIndex; i < blocks.length; i++) {
    const bare = folded[i]!.replace(/^[•·*>\-\s]+/, '');
    if (END_MARKER.test(bare)) return i;
  }
  // Teaser lists without a heading: several "Section - date | time" stamps late in the page.
  const stamps = [];
  for (let i = Math.floor(blocks.length / 2); i < blocks.length; i++) if (isStampLine(folded[i]!)) stamps.push(i);
  if (stamps.length >= 2) {
    let cut = stamps[0]!;
    for (let j = cut - 1; j >= Math.max(minIndex, stamps[0]! - 4); j--) if (isHeadlineLike(blocks[j]!.text)) cut = j;
    return cut;
  }
  return blocks.length;
}

export function cleanBody(body: string, title?: string): CleanResult {
  const all = splitBlocks(body);
  const folded = all.map((b) => fold(b.text));
  const removed: RemovedBlock[] = [];
  const kept: Block[] = [];
  const cut = trailingBoilerplateStart(all, folded);
  const seen = new Set<string>();
  const foldedTitle = title ? fold(title) : undefined;

  for (let i = 0; i < all.length; i++) {
    let block = all[i]!;
    const f = folded[i]!;
    const drop = (reason: string) => removed.push({ ...block, reason });
    if (i >= cut) { drop('trailing page furniture (related news, comments, read-more)'); continue; }
    if (kept.length === 0 && foldedTitle && f === foldedTitle) { drop('title line'); continue; }
    if (kept.length < 3 && (isByline(f) || isStampLine(f))) { drop('byline or dateline'); continue; }
    if (isFurniture(f)) { drop('site furniture'); continue; }
    if (seen.has(f)) { drop('repeated paragraph'); continue; }
    seen.add(f);
    if (isPhotoCaption(f)) { drop('photo caption'); continue; }
    const meta = LEADING_METADATA.exec(block.text);
    if (meta && kept.length === 0) {
      removed.push({ start: block.start, end: block.start + meta[0].length, text: meta[0], reason: 'metadata prefix' });
      block = { start: block.start + meta[0].length, end: block.end, text: block.text.slice(meta[0].length) };
    }
    kept.push(block);
  }
  return { blocks: kept, removed };
}

/** Inline Markdown (links, emphasis, images, heading marks) stripped for display and embedding. */
/** A dateline ("HÀ NỘI — ", "VOV.VN - ") opens many first sentences; it is not part of the claim. */
export function stripDateline(sentence: string): string {
  return sentence.replace(/^(?:[\p{Lu}\d .,'’-]{2,40}(?:,\s*\p{L}+\s+\d{1,2})?\s*[-–—]\s*)+(?=\p{Lu})/u, '').replace(/^VOV\.VN\s*-\s*/, '');
}

export function stripInlineMarkdown(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^#{1,6}\s+/, '')
    .replace(/^\s*[-*+]\s+/, '')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    // Underscores make bold only at word edges (CommonMark): "window.__pwned" is code, not markup.
    .replace(/(^|[^\p{L}\p{N}_])__(?=\S)(.+?)(?<=\S)__(?![\p{L}\p{N}_])/gu, '$1$2')
    .replace(/(^|\W)[*_](\S.*?\S|\S)[*_](?=\W|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1');
}

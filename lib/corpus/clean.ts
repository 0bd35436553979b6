import { fold } from '@/lib/text/normalize';

/**
 * Cleaning never rewrites the original: it decides which spans of the body are article text.
 * Every kept block carries its offsets into the body, so a citation can point at the exact
 * characters of the file as received.
 */

export type Block = { start: number; end: number; text: string };
export type RemovedBlock = Block & { reason: string };
export type CleanResult = { blocks: Block[]; removed: RemovedBlock[] };

// Version of the cleaning and sentence rules: stored in the manifest, so changing them re-indexes everything.
export const CLEANER_VERSION = 6;

const wordCount = (s: string) => (s.match(/\p{L}[\p{L}\p{N}'’-]*|\p{N}+/gu) ?? []).length;

/**
 * A line that opens the page furniture after an article: related lists, comments, follow-us
 * prompts. Every alternative is a fixed phrase (at most one bounded tail), so matching is linear.
 */
const END_MARKER =
  /^(?:related|related (?:news|articles|stories|posts|content|coverage)|read more|read also|see also|more (?:news|stories|from [^\n]{0,80})|you (?:may|might) also like|recommended(?: for you)?|most (?:read|popular|viewed)|latest(?: news)?|other news|trending|tags?|topics?|keywords?|share(?: this(?: article| story)?)?|comments?(?: ?\(\d{1,6}\))?|\d{1,6} comments?|leave a (?:comment|reply)|advertisement|follow us(?: on [^\n]{0,80})?)[\s:.!]{0,10}$/;

const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}';
const DATE_IN_TEXT = new RegExp(`(?:\\b${MONTH}\\.? \\d{1,2},? \\d{4}\\b|\\b\\d{1,2} ${MONTH},? \\d{4}\\b|\\b\\d{4}-\\d{2}-\\d{2}\\b|\\b\\d{1,2}/\\d{1,2}/\\d{4}\\b)`);
const TIME_IN_TEXT = /\b\d{1,2}:\d{2} ?(?:am|pm)?\b|\bgmt\b|\butc\b/;

/** "Mon, November 27, 2023 | 11:39 pm GMT+7" or "Politics - Wed, May 8, 2024 | 8:11 pm": a dateline, not prose. */
function isStampLine(folded: string): boolean {
  return wordCount(folded) <= 14 && DATE_IN_TEXT.test(folded) && (TIME_IN_TEXT.test(folded) || /[|•·]/.test(folded) || wordCount(folded) <= 6);
}

const isByline = (folded: string) => /^(?:by|written by|reported by|posted by) \p{L}/u.test(folded) && wordCount(folded) <= 8 && !/[.!?]$/.test(folded);

/** Headlines and labels: short, without sentence-final punctuation. */
const isHeadlineLike = (text: string) => wordCount(text) <= 18 && !/[.!?:"”’)]$/.test(text.trim());

/**
 * Photo captions end with a credit; they repeat the body and are often duplicated by page
 * templates. Only the last 120 characters are examined, so the test costs the same on any block.
 */
const isPhotoCaption = (folded: string) =>
  wordCount(folded) <= 70 && /(?:\(?(?:photo|photograph|image|picture|file photo)(?: courtesy of| by|:) ?[^.]{0,80}\.?\)?|\bphoto ?: ?[^.]{0,60}) ?$/.test(folded.slice(-120));

/**
 * A photo credit, "Omar Torres/AFP/Getty Images": a person's name (two words or more), a slash and
 * an agency, after a sentence end or at the start of the block, and closing it or followed by the
 * next caption. Captions describe pictures, not the story; galleries glue many of them together.
 */
const PHOTO_CREDIT =
  /(?:^|[.!?"”’)] )\p{Lu}[\p{L}'’.-]{0,30}(?: \p{Lu}[\p{L}'’.-]{0,30}){1,3}\/\p{Lu}[\p{L}&.-]{0,30}(?: \p{Lu}[\p{L}&.-]{0,30}){0,3}(?:\/\p{Lu}[\p{L}&.-]{0,30}(?: \p{Lu}[\p{L}&.-]{0,30}){0,3}){0,3}(?:$| \p{Lu})/u;

/** Site furniture lines that may appear anywhere: share buttons, print, skip links, subscribe prompts. */
const isFurniture = (folded: string) =>
  wordCount(folded) <= 6 && /^[•·*> -]{0,10}(?:share(?: on)? \w{1,30}|print|email|tweet|facebook|twitter|subscribe(?: now)?|sign up|log ?in|back to top|skip to (?:main )?content|advertisement|ad|listen|font size|\d{1,3} min(?:ute)?s? read) ?$/.test(folded);

/** Machine metadata glued to the first line, e.g. "date 2023-11-27 ". */
export const LEADING_METADATA = /^[ \t]{0,20}(?:date|published|updated|posted) ?:? ?\d{4}-\d{2}-\d{2}(?:t[\d:.+z-]{0,30})? +/i;

/** Up to this many characters of a block are searched for a dateline's dash. */
const DATELINE_WINDOW = 80;
const DASH = /(?<!\s)\s*[—–]\s*|(?<!\s)\s+-\s+/g;

/**
 * Length of the dateline opening a lead paragraph ("WASHINGTON (AP) — ", "Uzhhorod, Ukraine CNN —",
 * "VIETNAM, November 27 - HÀ NỘI — "), or 0. A dateline is a few capitalised words before a dash.
 * A spaced hyphen only counts after a "Place, date" or the article's own outlet name, so
 * "U.S. - China talks resumed" and "COVID-19 - A new wave" keep their first words.
 * No regex runs on more than a short window, so the cost does not depend on the text.
 */
export function datelineLength(text: string, outlet?: string): number {
  let at = 0;
  for (let round = 0; round < 3; round++) {
    const window = text.slice(at, at + DATELINE_WINDOW);
    DASH.lastIndex = 0;
    const dash = DASH.exec(window);
    if (!dash || dash.index === 0) break;
    const prefix = window.slice(0, dash.index);
    const words = prefix.split(/[\s,]+/).filter(Boolean);
    const capitalised = words.length <= 6 && words.every((w) => /^[\p{Lu}\d(]/u.test(w));
    if (!capitalised) break;
    const hyphen = !/[—–]/.test(dash[0]);
    const placeAndDate = /,/.test(prefix) && /\d/.test(prefix);
    const ownName = !!outlet && fold(prefix) === fold(outlet);
    if (hyphen && !placeAndDate && !ownName) break;
    const rest = text.slice(at + dash.index + dash[0].length, at + dash.index + dash[0].length + 2);
    // What follows must start a sentence (or the dateline stands on a line of its own).
    if (rest && !/^[\p{Lu}\d"'“‘]/u.test(rest)) break;
    at += dash.index + dash[0].length;
  }
  return at;
}

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
  // A follow-us or section label just above the marker ("Follow us on …", in any language) has
  // no sentence end; the article's last paragraph has one.
  const withLabels = (cut: number) => {
    for (let j = cut - 1; j >= Math.max(minIndex, cut - 2) && isHeadlineLike(blocks[j]!.text); j--) cut = j;
    return cut;
  };
  for (let i = minIndex; i < blocks.length; i++) {
    const bare = folded[i]!.replace(/^[•·*> -]{1,10}/, '');
    if (END_MARKER.test(bare)) return withLabels(i);
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

/** What the cleaner may know about the article besides its body. */
export type CleanContext = { title?: string; outlet?: string };

export function cleanBody(body: string, context: CleanContext = {}): CleanResult {
  const all = splitBlocks(body);
  const folded = all.map((b) => fold(b.text));
  const removed: RemovedBlock[] = [];
  const kept: Block[] = [];
  const cut = trailingBoilerplateStart(all, folded);
  const seen = new Set<string>();
  const foldedTitle = context.title ? fold(context.title) : undefined;

  for (let i = 0; i < all.length; i++) {
    let block = all[i]!;
    const f = folded[i]!;
    const drop = (reason: string) => removed.push({ ...block, reason });
    const trim = (length: number, reason: string) => {
      removed.push({ start: block.start, end: block.start + length, text: block.text.slice(0, length), reason });
      const text = block.text.slice(length).trimStart();
      block = { start: block.end - text.length, end: block.end, text };
    };
    if (i >= cut) { drop('trailing page furniture (related news, comments, read-more)'); continue; }
    if (kept.length === 0 && foldedTitle && f === foldedTitle) { drop('title line'); continue; }
    if (kept.length < 3 && (isByline(f) || isStampLine(f))) { drop('byline or dateline'); continue; }
    if (isFurniture(f)) { drop('site furniture'); continue; }
    if (seen.has(f)) { drop('repeated paragraph'); continue; }
    seen.add(f);
    if (isPhotoCaption(f) || PHOTO_CREDIT.test(block.text)) { drop('photo caption'); continue; }
    if (kept.length === 0) {
      const meta = LEADING_METADATA.exec(block.text);
      if (meta) trim(meta[0].length, 'metadata prefix');
      const dateline = datelineLength(block.text, context.outlet);
      if (dateline) trim(dateline, 'dateline');
      if (!block.text) continue;
    }
    kept.push(block);
  }
  return { blocks: kept, removed };
}

/**
 * Inline Markdown (links, emphasis, images, heading marks) stripped for display and embedding.
 * Every span is bounded, so text crafted with thousands of unclosed "[" or "**" costs linear time.
 */
export function stripInlineMarkdown(text: string): string {
  return text
    .replace(/!?\[([^\]\n]{0,300})\]\([^)\n]{0,1000}\)/g, '$1')
    .replace(/^#{1,6} +/, '')
    .replace(/^ {0,3}[-*+] +/, '')
    .replace(/\*\*([^*\n]{1,500})\*\*/g, '$1')
    // Underscores make bold only at word edges (CommonMark): "window.__pwned" is code, not markup.
    .replace(/(^|[^\p{L}\p{N}_])__(?=\S)([^_\n]{1,500})(?<=\S)__(?![\p{L}\p{N}_])/gu, '$1$2')
    .replace(/(^|\W)[*_](\S[^*_\n]{0,500}(?<=\S)|\S)[*_](?=\W|$)/g, '$1$2')
    .replace(/`([^`\n]{1,500})`/g, '$1');
}

/** A line without its opening dateline: "HÀ NỘI — Việt Nam and Japan …" → "Việt Nam and Japan …". */
export const stripDateline = (line: string, outlet?: string) => line.slice(datelineLength(line, outlet));

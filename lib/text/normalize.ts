/**
 * Text folding shared by lexical search, cleaning and evaluation, so that "Thuong" matches
 * "Thưởng", "Viet Nam" matches "Việt Nam" and typographic quotes match straight ones.
 */

const QUOTES: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
};
const DASHES = /[\u2010-\u2015\u2212]/g;

/** Straightens quotes and dashes and collapses whitespace; keeps case and accents (for display). */
export function normalizeDisplay(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, (c) => QUOTES[c] ?? c)
    .replace(DASHES, (d) => (d === '\u2010' || d === '\u2011' ? '-' : d))
    .replace(/[\s\u00A0\u200B]+/g, ' ')
    .trim();
}

/** Lower-case, accent-free, quote-straightened, whitespace-collapsed form used for matching. */
export function fold(text: string): string {
  return normalizeDisplay(text)
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .toLowerCase();
}

const STOPWORDS = new Set(
  (
    'a an and are as at be been being but by did do does for from had has have he her his how i if in into is it its ' +
    'of on or our she so than that the their them then there these they this those to was we were what when where ' +
    'which who whom whose why will with would you your about after also can could during over up out not no'
  ).split(' '),
);

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token);
}

/** Very light English stemming: enough to join plural and possessive forms without mangling names. */
function stem(token: string): string {
  if (token.length <= 4 || /\d/.test(token)) return token;
  if (token.endsWith('ies') && token.length > 5) return `${token.slice(0, -3)}y`;
  if (token.endsWith('sses')) return token.slice(0, -2);
  if (token.endsWith('s') && !token.endsWith('ss') && !token.endsWith('us') && !token.endsWith('is')) return token.slice(0, -1);
  return token;
}

/** Word tokens of folded text; numbers keep inner separators ("1,000" -> "1000", "3.5" stays). */
export function words(text: string): string[] {
  const folded = fold(text);
  const out: string[] = [];
  for (const m of folded.matchAll(/\p{L}[\p{L}\p{N}]*|\p{N}+(?:[.,]\p{N}+)*/gu)) {
    const w = m[0];
    out.push(/^\p{N}/u.test(w) ? w.replace(/,(?=\d{3}\b)/g, '') : w);
  }
  return out;
}

/**
 * Index terms: stemmed non-stopword tokens, plus the joined form of adjacent short syllables so
 * that Vietnamese names split into syllables ("Viet Nam", "Ha Noi") meet their joined spelling.
 */
export function terms(text: string): string[] {
  const ws = words(text);
  const out: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (!isStopword(w)) out.push(stem(w));
    const next = ws[i + 1];
    if (next && w.length <= 4 && next.length <= 4 && /^\p{L}+$/u.test(w) && /^\p{L}+$/u.test(next) && !isStopword(w) && !isStopword(next)) {
      out.push(w + next);
    }
  }
  return out;
}

/** `text` without any trailing run of `chars` (a loop, not a regex: `[.!?]+$` is quadratic on long runs). */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}

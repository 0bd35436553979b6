import { terms } from './normalize';

/**
 * Marks the words of `text` that match a query term (accent- and case-insensitively), as
 * [start, end) ranges, so any renderer (terminal, HTML) can emphasise them.
 */
export function matchRanges(text: string, query: string): [number, number][] {
  const wanted = new Set(terms(query));
  const ranges: [number, number][] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}\p{M}.,]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu)) {
    const t = terms(m[0]);
    if (t.some((x) => wanted.has(x))) ranges.push([m.index, m.index + m[0].length]);
  }
  return ranges;
}

/** A window of about `width` characters around the densest cluster of matches. */
export function snippet(text: string, query: string, width = 280): { text: string; ranges: [number, number][] } {
  const ranges = matchRanges(text, query);
  if (text.length <= width) return { text, ranges };
  let bestStart = 0;
  let bestCount = -1;
  for (const [s] of ranges) {
    const from = Math.max(0, s - 40);
    const count = ranges.filter(([a, b]) => a >= from && b <= from + width).length;
    if (count > bestCount) {
      bestCount = count;
      bestStart = from;
    }
  }
  // Start at a word boundary so the snippet does not open mid-word.
  if (bestStart > 0) bestStart = text.indexOf(' ', bestStart) + 1 || bestStart;
  const end = Math.min(text.length, bestStart + width);
  const cut = text.slice(bestStart, end);
  const prefix = bestStart > 0 ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  return {
    text: prefix + cut + suffix,
    ranges: ranges
      .filter(([a, b]) => a >= bestStart && b <= end)
      .map(([a, b]) => [a - bestStart + prefix.length, b - bestStart + prefix.length]),
  };
}

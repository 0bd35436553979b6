/**
 * The citation marker grammar, in one place. Engines cite passages as `[docId#position]`; the
 * answer shown to people carries display numbers `[n]`. Article text may contain either shape
 * (a footnote "[3]", or a forged "[other-doc#0]"), and must never become a citation: chunking
 * neutralises such groups in the indexed text, and the rewriter resolves only this grammar.
 */

/** A bracketed group on one line, at most 200 characters: the candidates for a marker. */
export const BRACKETED = /\[([^[\]\n]{1,200})\]/g;

/** The ids inside a marker: "[a#1, b#2]" and "[a#1; b#2]" cite two passages. */
export const markerIds = (inner: string) =>
  inner
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A passage id ("some-article#3"), a bare number, or something half-way: read as a citation. */
const CITATION_ID = /#\d{1,9}$|^\d{1,9}$|^[\w-]{1,200}#/;

/** Would the rewriter or the UI take this bracketed content for a citation? */
export const isCitationLike = (inner: string) => markerIds(inner).some((id) => CITATION_ID.test(id));

/**
 * Article text with every marker-shaped group turned into plain parentheses, so "[other-doc#0]"
 * stays readable as text and "[sic]" or "[the minister]" stay as written.
 */
export function neutraliseMarkers(text: string): string {
  if (!text.includes('[')) return text;
  return text.replace(BRACKETED, (whole, inner: string) => (isCitationLike(inner) ? `(${inner})` : whole));
}

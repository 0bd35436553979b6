/** What a format reader gets out of a file: article text plus whatever metadata the file states. */
export type Extracted = {
  /** Distinguishes several articles in one file (feed items); absent for single-article files. */
  key?: string;
  title?: string;
  outlet?: string;
  published?: string; // YYYY-MM-DD
  author?: string;
  url?: string;
  /** The extracted article text: what is cleaned, chunked, cited and shown in the source viewer. */
  body: string;
  /** Offsets in `body` where each page starts (PDFs), so a citation can name its page. */
  pages?: number[];
};

/** Metadata recorded next to a fetched file (`<name>.source.json`), filling in what the file lacks. */
export type Provenance = {
  url: string;
  fetchedAt: string;
  contentType?: string;
  title?: string;
  outlet?: string;
  published?: string;
  author?: string;
};

/** A file that cannot become an article; the message completes "Skipped <file>: …". */
export class UnusableFile extends Error {}

export type FormatReader = (bytes: Buffer, provenance?: Provenance) => Promise<Extracted[]>;

/** YYYY-MM-DD from any date string a page or feed may carry, or undefined. */
export function isoDay(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 100) return undefined;
  const direct = /^(\d{4}-\d{2}-\d{2})/.exec(value.trim());
  if (direct) return direct[1];
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString().slice(0, 10);
}

/** Collapses runs of whitespace inside a line of extracted text. */
export function tidy(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

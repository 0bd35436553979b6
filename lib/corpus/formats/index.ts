import path from 'node:path';
import { z } from 'zod';
import { readFeed } from './feed';
import { readHtml } from './html';
import { readPdf } from './pdf';
import { UnusableFile, type FormatReader, type Provenance } from './types';

export { UnusableFile, type Extracted, type Provenance } from './types';

export type Format = {
  name: 'html' | 'pdf' | 'feed';
  extensions: string[];
  contentTypes: string[];
  /** Recognises the format from the file's first bytes, whatever it is called. */
  sniff: (head: string) => boolean;
  read: FormatReader;
  /** Largest file accepted (bytes). */
  maxBytes: number;
};

const MB = 1024 * 1024;
// Markup at the start of a file, after an optional BOM, XML declaration, comments and whitespace.
const markupStart = (head: string) => head.replace(/^\uFEFF?\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--[^]{0,2000}?-->\s*)*/, '').slice(0, 600).toLowerCase();

/** Every format besides plain text and Markdown: adding one is one row. */
export const FORMATS: Format[] = [
  {
    name: 'pdf', extensions: ['.pdf'], contentTypes: ['application/pdf'], maxBytes: 20 * MB, read: readPdf,
    sniff: (head) => head.startsWith('%PDF-'),
  },
  {
    name: 'feed', extensions: ['.rss', '.atom', '.xml'], maxBytes: 5 * MB, read: readFeed,
    contentTypes: ['application/rss+xml', 'application/atom+xml', 'application/feed+xml', 'application/xml', 'text/xml'],
    sniff: (head) => /^<(?:rss|feed|rdf:rdf)[\s>]/.test(markupStart(head)),
  },
  {
    name: 'html', extensions: ['.html', '.htm', '.xhtml'], contentTypes: ['text/html', 'application/xhtml+xml'], maxBytes: 5 * MB, read: readHtml,
    sniff: (head) => /^<(?:!doctype html|html|head|body|meta|title)[\s>]/.test(markupStart(head)),
  },
];

export const FORMAT_EXTENSIONS = FORMATS.flatMap((f) => f.extensions);
export const ACCEPTED_CONTENT_TYPES = FORMATS.flatMap((f) => f.contentTypes);

/** The format the bytes are in, by their content; null for anything else (plain text, Markdown, unknown). */
export function sniffFormat(bytes: Buffer): Format | null {
  const head = bytes.subarray(0, 4096).toString('latin1');
  return FORMATS.find((f) => f.sniff(head)) ?? null;
}

/** The format a file claims by its extension, if it is one of these. */
export function formatForExtension(file: string): Format | null {
  const ext = path.extname(file).toLowerCase();
  return FORMATS.find((f) => f.extensions.includes(ext)) ?? null;
}

/** Where a fetched file's provenance is kept: next to it, never indexed itself. */
export const SIDECAR_SUFFIX = '.source.json';

export const provenanceSchema = z.object({
  url: z.url(),
  fetchedAt: z.string(),
  contentType: z.string().optional(),
  title: z.string().optional(),
  outlet: z.string().optional(),
  published: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  author: z.string().optional(),
});

export function parseProvenance(json: string | null): Provenance | undefined {
  if (json === null) return undefined;
  try {
    return provenanceSchema.parse(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/**
 * Reads a file of one of these formats (by sniffed content; a mismatched extension is refused).
 * Returns null for text and Markdown files, which the caller reads as text.
 */
export async function readFormatted(file: string, bytes: Buffer, provenance?: Provenance) {
  const format = sniffFormat(bytes);
  const claimed = formatForExtension(file);
  if (!format) {
    if (claimed) throw new UnusableFile(`it is named ${path.extname(file)} but its content is not ${claimed.name === 'feed' ? 'an RSS or Atom feed' : `${claimed.name.toUpperCase()}`}`);
    return null;
  }
  // Text and Markdown files stay text whatever they contain: shown as text, they are inert.
  if (!claimed) return null;
  if (bytes.length > format.maxBytes) throw new UnusableFile(`it is ${(bytes.length / MB).toFixed(1)} MB, over the ${format.maxBytes / MB} MB limit for a ${format.name.toUpperCase()} file`);
  return { format, documents: await format.read(bytes, provenance) };
}

/**
 * Drops feed items whose page is in the corpus too (fetched with `npm run add`): the page has the
 * whole article, the item only its summary.
 */
export function preferPages<T extends { format?: string; url?: string }>(documents: T[]): T[] {
  const pages = new Set(documents.filter((d) => d.format !== 'feed' && d.url).map((d) => d.url));
  return documents.filter((d) => d.format !== 'feed' || !d.url || !pages.has(d.url));
}

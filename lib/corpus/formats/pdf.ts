import { inflateSync } from 'node:zlib';
import { getDocumentProxy } from 'unpdf';
import { UnusableFile, isoDay, tidy, type Extracted, type FormatReader } from './types';

// A small PDF can inflate to gigabytes (compressed streams); these bound what one file may cost.
const MAX_PAGES = 500;
const MAX_TEXT_CHARS = 2_000_000;
const MAX_INFLATED_BYTES = 100 * 1024 * 1024;

/**
 * Refuses a PDF whose Flate streams together inflate past MAX_INFLATED_BYTES (a zip bomb), before
 * PDF.js decodes anything. Each stream is inflated with an output cap, so the check itself is
 * bounded. Streams that are not Flate (images, other filters) fail to inflate and are left to PDF.js.
 */
function checkInflatedSize(bytes: Buffer): void {
  let total = 0;
  for (let at = bytes.indexOf('stream'); at >= 0; at = bytes.indexOf('stream', at + 6)) {
    if (bytes.toString('latin1', Math.max(0, at - 3), at) === 'end') continue;
    let start = at + 6;
    if (bytes[start] === 13) start++;
    if (bytes[start] === 10) start++;
    const end = bytes.indexOf('endstream', start);
    if (end < 0) break;
    try {
      total += inflateSync(bytes.subarray(start, end), { maxOutputLength: MAX_INFLATED_BYTES - total + 1 }).length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') total = Infinity;
    }
    if (total > MAX_INFLATED_BYTES) throw new UnusableFile(`its compressed content expands past ${MAX_INFLATED_BYTES / 1048576} MB, more than any article needs`);
    at = end;
  }
}

type TextItem = { str?: string; hasEOL?: boolean; transform?: number[] };

/**
 * A page's lines joined into paragraphs. A line ends its paragraph when a wider gap than the
 * page's usual line spacing follows it, or when it stops well short of the usual line length (a
 * heading, or a paragraph's last line).
 */
function pageParagraphs(items: TextItem[]): string[] {
  const lines: { text: string; y: number }[] = [{ text: '', y: NaN }];
  for (const item of items) {
    const line = lines[lines.length - 1]!;
    if (Number.isNaN(line.y) && item.str) line.y = item.transform?.[5] ?? NaN;
    line.text += item.str ?? '';
    if (item.hasEOL) lines.push({ text: '', y: NaN });
  }
  const kept = lines.map((l) => ({ ...l, text: tidy(l.text) })).filter((l) => l.text);
  const gaps = kept.slice(1).map((l, i) => Math.abs(kept[i]!.y - l.y)).filter((g) => g > 0).sort((a, b) => a - b);
  const spacing = gaps[Math.floor(gaps.length / 4)] ?? 0; // lower quartile: paragraph gaps may be as common as line gaps
  const width = Math.max(0, ...kept.map((l) => l.text.length));
  const paragraphs: string[] = [];
  let current = '';
  kept.forEach((line, i) => {
    current = current ? `${current} ${line.text}` : line.text;
    const next = kept[i + 1];
    const gap = next ? Math.abs(line.y - next.y) : Infinity;
    const short = line.text.length < width * 0.6 || (/[.!?:"”’)]$/.test(line.text) && line.text.length < width * 0.8);
    if (!next || short || gap > spacing * 1.4) {
      paragraphs.push(current);
      current = '';
    }
  });
  return paragraphs;
}

/** A PDF's text page by page, with the offset where each page starts; no text layer → refused. */
export const readPdf: FormatReader = async (bytes, provenance) => {
  checkInflatedSize(bytes);
  let pdf;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes), { stopAtErrors: false });
  } catch (error) {
    throw new UnusableFile(`it is not a readable PDF (${tidy((error as Error).message).slice(0, 120)})`);
  }
  try {
    if (pdf.numPages > MAX_PAGES) throw new UnusableFile(`it has ${pdf.numPages} pages, over the ${MAX_PAGES}-page limit`);
    const pages: number[] = [];
    let body = '';
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      page.cleanup();
      const text = pageParagraphs(content.items as TextItem[]).join('\n\n');
      if (n > 1) body += '\n\n';
      pages.push(body.length);
      body += text;
      if (body.length > MAX_TEXT_CHARS) throw new UnusableFile(`its text runs past ${MAX_TEXT_CHARS.toLocaleString('en')} characters, over the limit for one article`);
    }
    if (!/\p{L}{2,}/u.test(body)) {
      throw new UnusableFile('it has no text layer (a scanned PDF; text recognition is not supported)');
    }
    const { info } = (await pdf.getMetadata().catch(() => ({ info: {} }))) as { info: Record<string, unknown> };
    const doc: Extracted = {
      title: tidy(String(info.Title ?? '')) || provenance?.title,
      author: tidy(String(info.Author ?? '')) || provenance?.author,
      published: pdfDate(info.CreationDate) ?? provenance?.published,
      outlet: provenance?.outlet,
      url: provenance?.url,
      body,
      pages,
    };
    return [doc];
  } finally {
    await pdf.loadingTask.destroy();
  }
};

/** PDF dates look like D:20240131120000Z. */
function pdfDate(value: unknown): string | undefined {
  const m = typeof value === 'string' ? /^D:(\d{4})(\d{2})(\d{2})/.exec(value) : null;
  return m ? isoDay(`${m[1]}-${m[2]}-${m[3]}`) : undefined;
}

/** The page (1-based) that holds offset `at` of a PDF's extracted text. */
export function pageAt(pages: readonly number[], at: number): number {
  let page = 1;
  for (let i = 0; i < pages.length && pages[i]! <= at; i++) page = i + 1;
  return page;
}

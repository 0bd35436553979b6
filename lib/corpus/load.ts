import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { normalizeDisplay } from '../text/normalize';
import { LEADING_METADATA, stripDateline } from './clean';
import { FORMAT_EXTENSIONS, SIDECAR_SUFFIX, UnusableFile, parseProvenance, preferPages, readFormatted } from './formats';

/** A corpus file as received: metadata plus the body text byte-for-byte (after any front matter). */
export type SourceDocument = {
  id: string;
  file: string; // path relative to the corpus folder
  title: string;
  outlet?: string;
  published?: string; // YYYY-MM-DD
  author?: string;
  url?: string;
  body: string;
  bodyOffset: number; // where `body` starts in the file, so body offsets map to file offsets
  hash: string;
  /** Set for HTML, PDF and feed files: `body` is the text extracted from the file, not the file. */
  format?: 'html' | 'pdf' | 'feed';
  /** PDFs: where each page starts in `body`. */
  pages?: number[];
};

export type SkippedFile = { file: string; reason: string };

export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.txt', ...FORMAT_EXTENSIONS];
export const MAX_FILE_BYTES = 20 * 1024 * 1024; // the largest any format allows; text is held to TEXT_MAX_BYTES
const TEXT_MAX_BYTES = 2 * 1024 * 1024;

const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v.trim()))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD'));

const frontMatterSchema = z.looseObject({
  title: z.string().trim().min(1, 'must not be empty').optional(),
  outlet: z.string().trim().min(1, 'must not be empty').optional(),
  published: isoDate.optional(),
  author: z.string().trim().min(1).optional(),
  url: z.url('must be a URL').optional(),
});

class BadFile extends Error {}

function docIdFor(file: string): string {
  const base = file.replace(/\.[^.]+$/, '');
  return base
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|(?<!-)-+$/g, '') || 'document';
}

function decodeText(bytes: Buffer): string {
  if (bytes.includes(0)) throw new BadFile('it looks like a binary file (contains NUL bytes)');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new BadFile('it is not valid UTF-8 text');
  }
}

function splitFrontMatter(text: string): { data: unknown; body: string; bodyOffset: number } {
  const open = /^---[ \t]*\r?\n/.exec(text);
  if (!open) return { data: {}, body: text, bodyOffset: 0 };
  const close = /^---[ \t]*(?:\r?\n|$)/m;
  const rest = text.slice(open[0].length);
  const end = close.exec(rest);
  if (!end) throw new BadFile('its front matter starts with --- but never closes');
  let data: unknown;
  try {
    data = parseYaml(rest.slice(0, end.index)) ?? {};
  } catch (error) {
    throw new BadFile(`its front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof data !== 'object' || Array.isArray(data)) throw new BadFile('its front matter is not a key: value map');
  const bodyOffset = open[0].length + end.index + end[0].length;
  return { data, body: text.slice(bodyOffset), bodyOffset };
}

function firstLine(body: string): string {
  const line = body.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return normalizeDisplay(line.replace(LEADING_METADATA, '').replace(/^#+\s*/, ''));
}

/** A readable title when the file states none: its first line without a dateline, cut at a word boundary. */
function titleFrom(body: string): string {
  const line = stripDateline(firstLine(body));
  if (line.length <= 100) return line;
  const cut = line.slice(0, 100);
  return cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 100) + '…';
}

export function parseDocument(file: string, bytes: Buffer): SourceDocument {
  if (bytes.length > TEXT_MAX_BYTES) throw new BadFile(`it is ${(bytes.length / 1048576).toFixed(1)} MB, over the ${TEXT_MAX_BYTES / 1048576} MB limit for a text article`);
  const text = decodeText(bytes);
  const ext = path.extname(file).toLowerCase();
  const { data, body, bodyOffset } = ext === '.txt' ? { data: {}, body: text, bodyOffset: 0 } : splitFrontMatter(text);
  const meta = frontMatterSchema.safeParse(data);
  if (!meta.success) {
    const issue = meta.error.issues[0]!;
    throw new BadFile(`its front matter field "${issue.path.join('.')}" ${issue.message}`);
  }
  if (body.trim() === '') throw new BadFile('it has no text');
  if (!/\p{L}{2,}/u.test(body)) throw new BadFile('it contains no words');
  return {
    id: docIdFor(file),
    file,
    title: meta.data.title ?? titleFrom(body),
    outlet: meta.data.outlet,
    published: meta.data.published,
    author: meta.data.author,
    url: meta.data.url,
    body,
    bodyOffset,
    hash: createHash('sha256').update(bytes).digest('hex'),
  };
}

/**
 * The one place a file's bytes become articles: HTML, PDF and feeds (recognised by content) through
 * their readers, with the provenance recorded when the file was fetched; anything else as text.
 */
export async function readDocuments(file: string, bytes: Buffer, sidecar: string | null = null): Promise<SourceDocument[]> {
  const provenance = parseProvenance(sidecar);
  let formatted;
  try {
    formatted = await readFormatted(file, bytes, provenance);
  } catch (error) {
    if (error instanceof UnusableFile) throw new BadFile(error.message);
    throw error;
  }
  if (!formatted) return [parseDocument(file, bytes)];
  // A re-fetch of an unchanged page changes only the fetch time: not a reason to re-index it.
  const { fetchedAt: _fetchedAt, ...stated } = provenance ?? {};
  const fileHash = createHash('sha256').update(bytes).update(JSON.stringify(stated)).digest('hex');
  return formatted.documents.map((d) => ({
    id: d.key ? `${docIdFor(file)}-${docIdFor(d.key)}` : docIdFor(file),
    file,
    title: d.title ?? titleFrom(d.body),
    outlet: d.outlet,
    published: d.published,
    author: d.author,
    url: d.url,
    body: d.body,
    bodyOffset: 0,
    hash: d.key ? createHash('sha256').update(fileHash).update(d.key).update(d.body).digest('hex') : fileHash,
    format: formatted.format.name,
    ...(d.pages && { pages: d.pages }),
  }));
}

/** Reads every supported file in the corpus folder; bad files are reported, never fatal. */
export async function loadCorpus(dir: string): Promise<{ documents: SourceDocument[]; skipped: SkippedFile[] }> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })).map(String).sort();
  } catch (error) {
    throw new Error(`Cannot read the corpus folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Create it and put articles (.md or .txt) in it.`);
  }
  const documents: SourceDocument[] = [];
  const skipped: SkippedFile[] = [];
  const byHash = new Map<string, string>();
  const byId = new Map<string, string>();
  for (const file of entries) {
    if (file.split(path.sep).some((part) => part.startsWith('.')) || file.endsWith(SIDECAR_SUFFIX)) continue;
    const full = path.join(dir, file);
    let info;
    try {
      info = await stat(full);
    } catch (error) {
      skipped.push({ file, reason: `it cannot be read (${(error as NodeJS.ErrnoException).code})` });
      continue;
    }
    if (!info.isFile()) continue;
    if (!SUPPORTED_EXTENSIONS.includes(path.extname(file).toLowerCase())) {
      skipped.push({ file, reason: `unsupported file type (use ${SUPPORTED_EXTENSIONS.join(', ')})` });
      continue;
    }
    if (info.size > MAX_FILE_BYTES) {
      skipped.push({ file, reason: `it is ${(info.size / 1048576).toFixed(1)} MB, over the ${MAX_FILE_BYTES / 1048576} MB limit for one article` });
      continue;
    }
    try {
      for (const doc of await readDocuments(file, await readFile(full), await readFile(full + SIDECAR_SUFFIX, 'utf8').catch(() => null))) {
        const sameContent = byHash.get(doc.hash);
        if (sameContent) {
          skipped.push({ file, reason: `it is identical to ${sameContent}, which is indexed` });
          continue;
        }
        const sameId = byId.get(doc.id);
        if (sameId) {
          skipped.push({ file, reason: `its id "${doc.id}" clashes with ${sameId}; rename one of them` });
          continue;
        }
        byHash.set(doc.hash, file);
        byId.set(doc.id, file);
        documents.push(doc);
      }
    } catch (error) {
      if (error instanceof BadFile) skipped.push({ file, reason: error.message });
      else skipped.push({ file, reason: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    }
  }
  return { documents: preferPages(documents), skipped };
}

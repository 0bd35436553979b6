import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { normalizeDisplay } from '@/lib/text/normalize';
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
  .pipe(z.iso.date('must be a date written YYYY-MM-DD, and a real one'));

const frontMatterSchema = z.looseObject({
  title: z.string().trim().min(1, 'must not be empty').optional(),
  outlet: z.string().trim().min(1, 'must not be empty').optional(),
  published: isoDate.optional(),
  author: z.string().trim().min(1).optional(),
  // Shown as a link in the app: any other scheme (javascript:, file:, data:) is refused.
  url: z.url({ protocol: /^https?$/, error: 'must be a web address starting with http:// or https://' }).optional(),
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

const SYMLINK = 'it is a symbolic link, and links are not followed (only files inside the corpus folder are indexed)';

function notRegularReason(entry: Dirent | Stats): string {
  if (entry.isSymbolicLink()) return SYMLINK;
  if (entry.isFIFO()) return 'it is a named pipe, not a regular file';
  if (entry.isSocket()) return 'it is a socket, not a regular file';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'it is a device, not a regular file';
  return 'it is not a regular file';
}

/**
 * Every file below the corpus folder, without following links: a linked folder is reported, never
 * walked. Hidden files and folders are left out silently.
 */
async function listCorpus(dir: string): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const pending = [''];
  while (pending.length) {
    const folder = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(dir, folder), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (folder === '') throw new Error(`Cannot read the corpus folder ${dir}: ${code}. Create it and put articles (.md or .txt) in it.`);
      skipped.push({ file: folder, reason: `this folder cannot be read (${code})` });
      continue;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) pending.push(file);
      else if (entry.isFile()) files.push(file);
      else skipped.push({ file, reason: notRegularReason(entry) });
    }
  }
  return { files: files.sort(), skipped };
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;
const inside = (root: string, file: string) => file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * Reads one listed file through a descriptor, so what is checked is what is read: the open refuses
 * a link put in its place since the listing (O_NOFOLLOW) and does not wait on a pipe (O_NONBLOCK),
 * and the file must still be reachable inside the corpus folder (a folder on its path may have
 * been swapped for a link). Synchronous calls: ingest is a batch job, and with the promise API
 * the six calls per file made loading 10,000 small articles take 1.1 s instead of 0.35 s.
 */
function readArticle(realRoot: string, full: string): Buffer {
  let fd: number;
  try {
    fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new BadFile(SYMLINK);
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new BadFile(notRegularReason(info));
    if (info.size > MAX_FILE_BYTES) {
      throw new BadFile(`it is ${(info.size / 1048576).toFixed(1)} MB, over the ${MAX_FILE_BYTES / 1048576} MB limit for one article`);
    }
    const real = realpathSync.native(full);
    if (!inside(realRoot, real) || !sameFile(statSync(real), info)) throw new BadFile('it lies outside the corpus folder (reached through a linked folder)');
    // Bounded by the size checked above, even if the file grows while it is read.
    const bytes = Buffer.alloc(info.size);
    let read = 0;
    while (read < bytes.length) {
      const bytesRead = readSync(fd, bytes, read, bytes.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return bytes.subarray(0, read);
  } finally {
    closeSync(fd);
  }
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
export async function loadCorpus(
  dir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ documents: SourceDocument[]; skipped: SkippedFile[] }> {
  const { files, skipped } = await listCorpus(dir);
  const realRoot = await realpath(dir);
  const listed = new Set(files);
  const supported = files.filter((file) => {
    // A fetched file's provenance sidecar is read with its file, not as an article.
    if (file.endsWith(SIDECAR_SUFFIX)) return false;
    if (SUPPORTED_EXTENSIONS.includes(path.extname(file).toLowerCase())) return true;
    skipped.push({ file, reason: `unsupported file type (use ${SUPPORTED_EXTENSIONS.join(', ')})` });
    return false;
  });
  const parsed: (SourceDocument | SkippedFile)[] = [];
  for (const [i, file] of supported.entries()) {
    onProgress?.(i, supported.length);
    try {
      const full = path.join(dir, file);
      const sidecar = listed.has(file + SIDECAR_SUFFIX) ? readArticle(realRoot, full + SIDECAR_SUFFIX).toString('utf8') : null;
      parsed.push(...(await readDocuments(file, readArticle(realRoot, full), sidecar)));
    } catch (error) {
      if (error instanceof BadFile) parsed.push({ file, reason: error.message });
      else parsed.push({ file, reason: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    }
  }
  onProgress?.(supported.length, supported.length);

  // The first in name order of two identical files is the one indexed.
  const documents: SourceDocument[] = [];
  const byHash = new Map<string, string>();
  const byId = new Map<string, string>();
  for (const doc of parsed) {
    if ('reason' in doc) {
      skipped.push(doc);
      continue;
    }
    const sameContent = byHash.get(doc.hash);
    if (sameContent) {
      skipped.push({ file: doc.file, reason: `it is identical to ${sameContent}, which is indexed` });
      continue;
    }
    const sameId = byId.get(doc.id);
    if (sameId) {
      skipped.push({ file: doc.file, reason: `its id "${doc.id}" clashes with ${sameId}; rename one of them` });
      continue;
    }
    byHash.set(doc.hash, doc.file);
    byId.set(doc.id, doc.file);
    documents.push(doc);
  }
  return { documents: preferPages(documents), skipped: skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) };
}

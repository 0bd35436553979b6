import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import { SIDECAR_SUFFIX, UnusableFile, parseProvenance, readFormatted, sniffFormat, type Provenance } from '../corpus/formats';
import { parseFeed } from '../corpus/formats/feed';
import { ingest, type IngestReport } from '../ingest';
import { loadSnapshot } from '../index/store';
import { fetchDocument, FetchError, type Fetched } from './fetch';

/** Putting articles into the corpus folder and taking them out: fetched links, uploads, removal. */

export type Saved = { source: string; file: string; updated: boolean };
export type Failed = { source: string; error: string };

const TEXT_EXTENSIONS = ['.md', '.markdown', '.txt'];

/** Lowercase ASCII words joined by hyphens, at most `max` characters: safe in any file system. */
export function slug(text: string, max = 80): string {
  const s = text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, max);
  return s.replace(/^-+|(?<!-)-+$/g, '');
}

function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => { const x = new URL(u); x.hash = ''; return x.href.replace(/\/$/, ''); };
  try { return norm(a) === norm(b); } catch { return false; }
}

/** The corpus file that was fetched from this URL before, if any (re-adding updates it). */
async function fileForUrl(corpusDir: string, url: string): Promise<string | null> {
  const entries = (await readdir(corpusDir, { recursive: true }).catch(() => [])).map(String);
  for (const entry of entries.filter((e) => e.endsWith(SIDECAR_SUFFIX))) {
    const provenance = parseProvenance(await readFile(path.join(corpusDir, entry), 'utf8').catch(() => null));
    if (provenance && sameUrl(provenance.url, url)) return entry.slice(0, -SIDECAR_SUFFIX.length);
  }
  return null;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/** `base.ext`, or `base-2.ext`, `base-3.ext`… : the first name not taken in the corpus. */
async function freeName(corpusDir: string, base: string, ext: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const name = `${base}${n > 1 ? `-${n}` : ''}${ext}`;
    if (!(await exists(path.join(corpusDir, name)))) return name;
  }
  throw new Error(`Too many files are named ${base}${ext}.`);
}

/**
 * Keeps a fetched page or PDF as received under outlet/date-slug, with a sidecar recording the URL
 * and fetch time. The file must yield an article before anything is written.
 */
async function savePage(cfg: Config, fetched: Fetched, from: Partial<Provenance> = {}): Promise<Saved> {
  const url = fetched.url;
  const provenance: Provenance = { ...from, url, fetchedAt: fetched.fetchedAt, contentType: fetched.contentType };
  const probe = `page${fetched.format.extensions[0]}`;
  const [article] = (await readFormatted(probe, fetched.bytes, provenance))!.documents;
  const previous = await fileForUrl(cfg.corpusDir, url);
  const host = slug(new URL(fetched.finalUrl).hostname.replace(/^www\./, ''), 60) || 'web';
  const leaf = slug(path.posix.basename(new URL(fetched.finalUrl).pathname).replace(/\.[a-z0-9]{1,5}$/i, '')) || slug(article?.title ?? '') || 'article';
  const date = article?.published ?? fetched.fetchedAt.slice(0, 10);
  const file = previous ?? path.join(host, await freeName(path.join(cfg.corpusDir, host), `${date}-${leaf}`, fetched.format.extensions[0]!));
  await mkdir(path.dirname(path.join(cfg.corpusDir, file)), { recursive: true });
  await writeFile(path.join(cfg.corpusDir, file), fetched.bytes);
  await writeFile(path.join(cfg.corpusDir, file + SIDECAR_SUFFIX), JSON.stringify(provenance, null, 2) + '\n');
  return { source: url, file, updated: previous !== null };
}

/** Each item's page of a fetched feed; the feed's title, date and author fill in what a page lacks. */
async function saveFeedItems(cfg: Config, fetched: Fetched): Promise<(Saved | Failed)[]> {
  const feed = await parseFeed(new TextDecoder('utf-8').decode(fetched.bytes));
  const out: (Saved | Failed)[] = [];
  for (const entry of feed.entries) {
    if (!entry.link) { out.push({ source: entry.title ?? fetched.url, error: 'the feed item has no link' }); continue; }
    try {
      const page = await fetchDocument(entry.link, cfg.library.fetch);
      if (page.format.name === 'feed') throw new FetchError('it is another feed');
      out.push(await savePage(cfg, page, { title: entry.title, published: entry.published, author: entry.author, outlet: feed.title }));
    } catch (error) {
      out.push({ source: entry.link, error: describe(error) });
    }
  }
  return out;
}

/** Fetches a link: a page or PDF is kept; a feed brings in the pages of its items. `expect` insists on one kind. */
export async function saveLink(cfg: Config, url: string, expect?: 'feed' | 'page'): Promise<(Saved | Failed)[]> {
  const fetched = await fetchDocument(url, cfg.library.fetch);
  const isFeed = fetched.format.name === 'feed';
  if (expect === 'feed' && !isFeed) throw new FetchError(`it is ${fetched.format.name === 'pdf' ? 'a PDF' : 'a web page'}, not a feed`);
  return isFeed ? saveFeedItems(cfg, fetched) : [await savePage(cfg, fetched)];
}

/** A sentence from an error met while adding: ours are already sentences, others get a prefix. */
export function describe(error: unknown): string {
  if (error instanceof FetchError || error instanceof UnusableFile) return error.message;
  return `it could not be read (${(error as Error).message})`;
}

/**
 * Keeps an uploaded file in the corpus under a safe name: no folders, no dot-files, an extension
 * that matches the sniffed content, and never over another file.
 */
export async function saveUpload(cfg: Config, name: string, bytes: Buffer): Promise<Saved> {
  const format = sniffFormat(bytes);
  const given = path.extname(name).toLowerCase();
  const ext = format ? (format.extensions.includes(given) ? given : format.extensions[0]!) : given;
  if (!format && !TEXT_EXTENSIONS.includes(ext)) {
    throw new UnusableFile('it is not a web page, PDF, feed, Markdown or text file');
  }
  const base = slug(path.basename(name.replace(/\\/g, '/'), path.extname(name))) || 'upload';
  await mkdir(cfg.corpusDir, { recursive: true });
  const file = await freeName(cfg.corpusDir, base, ext);
  // Write then rename, so a half-written upload is never indexed (dot-files are ignored).
  const temp = path.join(cfg.corpusDir, `.upload-${randomUUID()}`);
  await writeFile(temp, bytes, { flag: 'wx' });
  await rename(temp, path.join(cfg.corpusDir, file));
  return { source: name, file, updated: false };
}

/** Moves an article's file (and sidecar) out of the corpus into the trash folder; nothing is deleted. */
export async function trashFile(cfg: Config, file: string): Promise<string> {
  const from = path.resolve(cfg.corpusDir, file);
  if (!from.startsWith(cfg.corpusDir + path.sep)) throw new Error(`${file} is not inside the corpus folder.`);
  const trash = path.join(cfg.indexDir, 'trash', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(trash, { recursive: true });
  const to = path.join(trash, path.basename(file));
  await rename(from, to);
  await rename(from + SIDECAR_SUFFIX, to + SIDECAR_SUFFIX).catch(() => undefined);
  return to;
}

export type Outcome = {
  source: string;
  file?: string;
  status: 'added' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  reason?: string;
  documents: { id: string; title: string }[];
};

/** Runs the incremental ingest and says, per added file or link, what became of it. */
export async function indexAndDescribe(cfg: Config, results: (Saved | Failed)[]): Promise<{ outcomes: Outcome[]; report: IngestReport }> {
  const report = await ingest(cfg);
  const manifest = report.snapshot ? ((await loadSnapshot(cfg.indexDir))?.manifest ?? null) : null;
  const outcomes = results.map((r): Outcome => {
    if ('error' in r) return { source: r.source, status: 'failed', reason: r.error, documents: [] };
    const skipped = report.skipped.find((s) => s.file === r.file);
    const documents = (manifest?.documents ?? []).filter((d) => d.file === r.file).map((d) => ({ id: d.id, title: d.title }));
    if (skipped && documents.length === 0) return { source: r.source, file: r.file, status: 'skipped', reason: skipped.reason, documents };
    const ids = new Set(documents.map((d) => d.id));
    const status = report.added.some((id) => ids.has(id)) ? 'added' : report.changed.some((id) => ids.has(id)) ? 'updated' : 'unchanged';
    return { source: r.source, file: r.file, status: r.updated && status === 'added' ? 'updated' : status, documents };
  });
  return { outcomes, report };
}

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '@/lib/config';
import { SIDECAR_SUFFIX, parseProvenance, readFormatted, type Provenance } from '@/lib/corpus/formats';
import { parseFeed } from '@/lib/corpus/formats/feed';
import { ingest, type IngestReport } from '@/lib/ingest';
import { openStore } from '@/lib/store/open';
import { FetchError, fetchDocument, type Fetched } from './fetch';
import { describe, freeName, slug, type Failed, type Outcome, type Saved } from './library';

/** Links into the corpus (`npm run add`, and the app through it): fetch, keep as received, index. */

function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    const x = new URL(u);
    x.hash = '';
    return x.href.replace(/\/$/, '');
  };
  try {
    return norm(a) === norm(b);
  } catch {
    return false;
  }
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
  const leaf =
    slug(path.posix.basename(new URL(fetched.finalUrl).pathname).replace(/\.[a-z0-9]{1,5}$/i, '')) ||
    slug(article?.title ?? '') ||
    'article';
  const date = article?.published ?? fetched.fetchedAt.slice(0, 10);
  const file =
    previous ?? path.join(host, await freeName(path.join(cfg.corpusDir, host), `${date}-${leaf}`, fetched.format.extensions[0]!));
  await mkdir(path.dirname(path.join(cfg.corpusDir, file)), { recursive: true });
  await writeFile(path.join(cfg.corpusDir, file), fetched.bytes);
  await writeFile(path.join(cfg.corpusDir, file + SIDECAR_SUFFIX), `${JSON.stringify(provenance, null, 2)}\n`);
  return { source: url, file, updated: previous !== null };
}

/** Each item's page of a fetched feed; the feed's title, date and author fill in what a page lacks. */
async function saveFeedItems(cfg: Config, fetched: Fetched): Promise<(Saved | Failed)[]> {
  const feed = await parseFeed(new TextDecoder('utf-8').decode(fetched.bytes));
  const out: (Saved | Failed)[] = [];
  for (const entry of feed.entries) {
    if (!entry.link) {
      out.push({ source: entry.title ?? fetched.url, error: 'the feed item has no link' });
      continue;
    }
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

/** Runs the incremental ingest and says, per added file or link, what became of it. */
export async function indexAndDescribe(cfg: Config, results: (Saved | Failed)[]): Promise<{ outcomes: Outcome[]; report: IngestReport }> {
  const report = await ingest(cfg);
  const indexed = report.revision ? await (await openStore(cfg)).documents() : [];
  const outcomes = results.map((r): Outcome => {
    if ('error' in r) return { source: r.source, status: 'failed', reason: r.error, documents: [] };
    const skipped = report.skipped.find((s) => s.file === r.file);
    const documents = indexed.filter((d) => d.file === r.file).map((d) => ({ id: d.id, title: d.title }));
    if (skipped && documents.length === 0) return { source: r.source, file: r.file, status: 'skipped', reason: skipped.reason, documents };
    const ids = new Set(documents.map((d) => d.id));
    const status = report.added.some((id) => ids.has(id)) ? 'added' : report.changed.some((id) => ids.has(id)) ? 'updated' : 'unchanged';
    return { source: r.source, file: r.file, status: r.updated && status === 'added' ? 'updated' : status, documents };
  });
  return { outcomes, report };
}

import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { UnusableFile, isoDay, tidy, type Extracted, type FormatReader } from './types';

/** Elements whose text is one paragraph of the extracted article. */
const BLOCKS = 'p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, figcaption, td, th, dt, dd';
const MAX_JSON_LD_CHARS = 200_000;

type Doc = ReturnType<typeof parseHTML>['document'];
type Meta = Omit<Extracted, 'body' | 'key' | 'pages'>;

/** The charset a page declares in its first kilobyte, if the decoder knows it; UTF-8 otherwise. */
export function decodeHtml(bytes: Buffer): string {
  const head = bytes.subarray(0, 1024).toString('latin1');
  const label = /<meta[^>]{0,200}charset=["']?([\w-]{1,40})/i.exec(head)?.[1];
  try {
    return new TextDecoder(label ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function names(value: unknown): string | undefined {
  const list = (Array.isArray(value) ? value : [value])
    .map((v) => (typeof v === 'string' ? v : typeof v === 'object' && v && 'name' in v ? String((v as { name: unknown }).name) : ''))
    .map(tidy)
    .filter((v) => v && !/^https?:/.test(v));
  return list.length ? list.join(', ') : undefined;
}

/** The first schema.org Article (NewsArticle, ReportageNewsArticle, BlogPosting…) in the page's JSON-LD. */
function jsonLdArticle(document: Doc): Meta {
  for (const script of document.querySelectorAll('script[type="application/ld+json"]')) {
    const text = script.textContent ?? '';
    if (text.length > MAX_JSON_LD_CHARS) continue;
    let data: unknown;
    try { data = JSON.parse(text); } catch { continue; }
    const nodes: unknown[] = [];
    const visit = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') {
        nodes.push(v);
        if ('@graph' in v) visit((v as { '@graph': unknown })['@graph']);
      }
    };
    visit(data);
    for (const node of nodes as Record<string, unknown>[]) {
      const types = ([] as unknown[]).concat(node['@type']).map(String);
      if (!types.some((t) => /Article$|^BlogPosting$|^Report$/.test(t))) continue;
      return {
        title: tidy(String(node.headline ?? node.name ?? '')) || undefined,
        published: isoDay(node.datePublished ?? node.dateCreated),
        author: names(node.author),
        outlet: names(node.publisher),
        url: typeof node.url === 'string' ? node.url : undefined,
      };
    }
  }
  return {};
}

function meta(document: Doc, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const el = document.querySelector(`meta[property="${key}"], meta[name="${key}"]`);
    const value = tidy(el?.getAttribute('content'));
    if (value) return value;
  }
  return undefined;
}

/** Metadata in order of trust: JSON-LD, then Open Graph / article: tags, then <title> and the canonical link. */
function pageMeta(document: Doc): Meta {
  const ld = jsonLdArticle(document);
  const author = meta(document, 'author', 'article:author', 'byl', 'parsely-author');
  return {
    title: ld.title ?? meta(document, 'og:title', 'twitter:title') ?? (tidy(document.querySelector('title')?.textContent) || undefined),
    published: ld.published ?? isoDay(meta(document, 'article:published_time', 'og:published_time', 'date', 'pubdate', 'dc.date')),
    author: ld.author ?? (author && !/^https?:/.test(author) ? author : undefined),
    outlet: ld.outlet ?? meta(document, 'og:site_name', 'application-name'),
    url: document.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? meta(document, 'og:url') ?? ld.url,
  };
}

/** Plain paragraphs from Readability's cleaned article markup: one block per line pair, no markup. */
export function paragraphs(html: string): string {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const blocks = [...document.querySelectorAll(BLOCKS)]
    .filter((el) => !el.parentElement?.closest(BLOCKS))
    .map((el) => tidy(el.textContent))
    .filter(Boolean);
  return blocks.length ? blocks.join('\n\n') : tidy(document.body.textContent);
}

/** The article in an HTML page, as text, with the page's own metadata. Nothing in it is run. */
export function extractHtml(html: string): Extracted {
  const { document } = parseHTML(html);
  const info = pageMeta(document);
  const article = new Readability(document, { charThreshold: 200 }).parse();
  const body = article?.content ? paragraphs(article.content) : '';
  if (!/\p{L}{2,}/u.test(body)) throw new UnusableFile('no article text could be found in the page');
  return {
    ...info,
    title: info.title ?? (tidy(article?.title) || undefined),
    author: info.author ?? (tidy(article?.byline) || undefined),
    outlet: info.outlet ?? (tidy(article?.siteName) || undefined),
    published: info.published ?? isoDay(article?.publishedTime),
    url: info.url && /^https?:\/\//.test(info.url) ? info.url : undefined,
    body,
  };
}

export const readHtml: FormatReader = async (bytes, provenance) => {
  const page = extractHtml(decodeHtml(bytes));
  return [{
    ...page,
    title: page.title ?? provenance?.title,
    outlet: page.outlet ?? provenance?.outlet,
    published: page.published ?? provenance?.published,
    author: page.author ?? provenance?.author,
    url: page.url ?? provenance?.url,
  }];
};

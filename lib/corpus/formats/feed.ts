import Parser from 'rss-parser';
import { paragraphs } from './html';
import { UnusableFile, isoDay, tidy, type Extracted, type FormatReader } from './types';

const MAX_ITEMS = 200;

type Item = Parser.Item & { 'content:encoded'?: string; author?: string; id?: string };

export type FeedEntry = { link?: string; title?: string; published?: string; author?: string };
export type ParsedFeed = { title?: string; entries: (FeedEntry & { html: string })[] };

/** An RSS or Atom document's items (at most MAX_ITEMS), with their own title, date, author and content. */
export async function parseFeed(xml: string): Promise<ParsedFeed> {
  let feed;
  try {
    feed = await new Parser<object, Item>({ customFields: { item: ['author', 'id'] } }).parseString(xml);
  } catch (error) {
    throw new UnusableFile(`it is not a readable RSS or Atom feed (${tidy((error as Error).message).slice(0, 120)})`);
  }
  return {
    title: tidy(feed.title) || undefined,
    entries: feed.items.slice(0, MAX_ITEMS).map((item) => ({
      link: item.link && /^https?:\/\//.test(item.link) ? item.link : undefined,
      title: tidy(item.title) || undefined,
      published: isoDay(item.isoDate ?? item.pubDate),
      author: tidy(item.creator ?? (typeof item.author === 'string' ? item.author : '')) || undefined,
      html: item['content:encoded'] ?? item.content ?? item.summary ?? '',
    })),
  };
}

/** Stable per-item key: the link's last path segment, else the guid or title, as a short slug. */
function itemKey(entry: FeedEntry, index: number): string {
  const fromLink = entry.link ? new URL(entry.link).pathname.split('/').filter(Boolean).pop() : undefined;
  const raw = fromLink ?? entry.title ?? `item-${index + 1}`;
  return raw.slice(0, 80);
}

/**
 * A feed file read offline: each item becomes an article from the content or description the feed
 * carries (`npm run add -- --feed <url>` fetches the items' pages instead).
 */
export const readFeed: FormatReader = async (bytes) => {
  const feed = await parseFeed(new TextDecoder('utf-8').decode(bytes));
  const items: Extracted[] = [];
  const keys = new Set<string>();
  feed.entries.forEach((entry, i) => {
    const body = paragraphs(entry.html);
    if (!/\p{L}{2,}/u.test(body)) return;
    let key = itemKey(entry, i);
    if (keys.has(key)) key = `${key}-${i + 1}`;
    keys.add(key);
    items.push({ key, title: entry.title, published: entry.published, author: entry.author, outlet: feed.title, url: entry.link, body });
  });
  if (items.length === 0) throw new UnusableFile('none of its items has any text');
  return items;
};

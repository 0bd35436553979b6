import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { getConfig } from '@/lib/config';
import { publicError } from '@/lib/http/request';
import { getDocument } from '@/lib/library';
import { ScrollToCited } from './ScrollToCited';

export const dynamic = 'force-dynamic';

type Range = [number, number];

function parseRanges(value: string | string[] | undefined, max: number): Range[] {
  const raw = Array.isArray(value) ? value.join(',') : (value ?? '');
  return raw
    .split(',')
    .flatMap((part) => {
      const m = /^(\d+)-(\d+)$/.exec(part.trim());
      if (!m) return [];
      const a = Math.min(Number(m[1]), max);
      const b = Math.min(Number(m[2]), max);
      return a < b ? [[a, b] as Range] : [];
    })
    .slice(0, 50);
}

/** Splits the text at every range boundary, tagging each piece as cited, in the passage, indexed or not. */
function segments(text: string, indexed: Range[], passage: Range[], highlight: Range[], pageStarts: number[]) {
  const cuts = new Set([0, text.length, ...pageStarts.filter((s) => s < text.length)]);
  for (const [a, b] of [...indexed, ...passage, ...highlight]) {
    cuts.add(a);
    cuts.add(b);
  }
  const points = [...cuts].sort((x, y) => x - y);
  const inside = (rs: Range[], a: number, b: number) => rs.some(([s, e]) => a >= s && b <= e);
  return points.slice(0, -1).map((a, i) => {
    const b = points[i + 1]!;
    return {
      text: text.slice(a, b),
      start: a,
      cited: inside(highlight, a, b),
      inPassage: inside(passage, a, b),
      indexed: inside(indexed, a, b),
    };
  });
}

export default async function DocumentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const query = await searchParams;
  let doc: Awaited<ReturnType<typeof getDocument>>;
  try {
    doc = await getDocument(getConfig(), decodeURIComponent(id));
  } catch (error) {
    // A missing or damaged index gets its sentence (what /api answers with 503), not a crash page.
    const { status, message } = publicError(error);
    if (status !== 503) throw error;
    return (
      <div className="doc">
        <p>
          <Link href="/">← Back to the conversation</Link>
        </p>
        <div className="banner" role="alert">
          {message}
        </div>
      </div>
    );
  }
  if (!doc) notFound();
  const highlight = parseRanges(query.highlight, doc.text.length);
  const passage = parseRanges(query.passage, doc.text.length);
  // PDF page starts cut the text too, so each page's first piece can carry its number.
  const pageStarts = doc.pages ?? [];
  const pieces = segments(
    doc.text,
    doc.passages.map((p) => [p.start, p.end] as Range),
    passage,
    highlight,
    pageStarts,
  );
  let firstCited = true;
  return (
    <div className="doc">
      <p>
        <Link href="/">← Back to the conversation</Link>
      </p>
      <header>
        <h1>{doc.title}</h1>
        <div className="meta">
          {[doc.outlet ?? 'Unknown outlet', doc.published ?? 'undated', doc.author && `by ${doc.author}`, doc.file]
            .filter(Boolean)
            .join(' · ')}
        </div>
      </header>
      <p className="legend">
        Highlighted: the cited sentences. Greyed: page furniture that was not indexed (related links, repeated captions, bylines).
      </p>
      <div className="body" data-testid="document-text">
        {pieces.map((p) => {
          const page = pageStarts.length > 1 ? pageStarts.indexOf(p.start) : -1;
          const className = p.indexed ? undefined : 'unindexed';
          let piece: ReactNode;
          if (p.cited) {
            const anchor = firstCited ? 'cited' : undefined;
            firstCited = false;
            piece = (
              <mark key={p.start} id={anchor} data-testid="cited" className={className}>
                {p.text}
              </mark>
            );
          } else {
            piece = (
              <span key={p.start} className={className} style={p.inPassage ? { background: 'var(--accent-soft)' } : undefined}>
                {p.text}
              </span>
            );
          }
          return page < 0
            ? piece
            : [
                <span key={`page-${page}`} className="page-mark" aria-hidden="true" data-testid="page-mark">
                  p. {page + 1}
                </span>,
                piece,
              ];
        })}
      </div>
      <ScrollToCited />
    </div>
  );
}

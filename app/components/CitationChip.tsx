'use client';
import Link from 'next/link';
import { useId, useState } from 'react';
import type { Citation, SentenceCheck } from '../../lib/answer/types';

/** Link to the source viewer with the cited sentences highlighted and the passage marked. */
export function sourceHref(c: Pick<Citation, 'docId' | 'start' | 'end' | 'spans'>): string {
  const spans = c.spans.length ? c.spans : [[c.start, c.end] as [number, number]];
  const highlight = spans.map(([a, b]) => `${a}-${b}`).join(',');
  return `/documents/${encodeURIComponent(c.docId)}?highlight=${highlight}&passage=${c.start}-${c.end}#cited`;
}

export function describeSource(c: Pick<Citation, 'title' | 'outlet' | 'published'>): string {
  return [c.outlet, c.published].filter(Boolean).join(' · ') || 'Unknown outlet and date';
}

/** A clickable [n]: hover or focus shows the passage; click opens it in the source viewer. */
export function CitationChip({ n, citation, weak }: { n: number; citation?: Citation; weak?: boolean }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  if (!citation) {
    return <span className="chip invalid" title="This citation points at no source">{n}</span>;
  }
  return (
    <span className="chip-wrap" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <Link
        href={sourceHref(citation)}
        className={`chip${weak ? ' weak' : ''}`}
        aria-label={`Source ${n}: ${citation.title}${weak ? ' (weak support)' : ''}`}
        aria-describedby={open ? id : undefined}
        data-citation={n}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
      >
        {n}
      </Link>
      {open && (
        <span role="tooltip" id={id} className="popover" data-popover={n}>
          <span className="src"><strong>{citation.title}</strong><br />{describeSource(citation)}</span>
          <span>{citation.text}</span>
          {weak && <span className="weak-note">The checker found weak support for the sentence citing this source.</span>}
        </span>
      )}
    </span>
  );
}

/** Text with [n] markers rendered as chips. Everything is rendered as text; nothing as HTML. */
export function CitedText({ text, citations, weak }: { text: string; citations: Citation[]; weak: Set<number> }) {
  const byN = new Map(citations.map((c) => [c.n, c]));
  const parts = text.split(/(\[\d+\])/g);
  return (
    <>
      {parts.map((part, i) => {
        const m = /^\[(\d+)\]$/.exec(part);
        if (!m) return <span key={i}>{part}</span>;
        const n = Number(m[1]);
        return <CitationChip key={i} n={n} citation={byN.get(n)} weak={weak.has(n)} />;
      })}
    </>
  );
}

export function SourcesList({ citations, title = 'Sources' }: { citations: Citation[]; title?: string }) {
  if (!citations.length) return null;
  return (
    <div className="sources">
      <strong>{title}</strong>
      <ol>
        {citations.map((c) => (
          <li key={`${c.n}-${c.passageId}`} value={c.n}>
            <Link href={sourceHref(c)}>{c.title}</Link> <span className="sub">— {describeSource(c)}</span>
            <span className="quote">“{c.text}”</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Citations whose every citing sentence the checker scored as weak (or that no sentence supports). */
export function weakNumbers(checks: SentenceCheck[]): Set<number> {
  const supported = new Map<number, boolean>();
  for (const c of checks) for (const n of c.citations) supported.set(n, (supported.get(n) ?? false) || c.verdict === 'supported');
  return new Set([...supported].filter(([, ok]) => !ok).map(([n]) => n));
}

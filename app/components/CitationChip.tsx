'use client';
import Link from 'next/link';
import { useId, useLayoutEffect, useRef, useState } from 'react';
import type { CitationJson, SentenceCheck, ShortAnswer } from '@/lib/http/shapes';

/** Link to the source viewer with the cited sentences highlighted and the passage marked. */
export function sourceHref(c: Pick<CitationJson, 'docId' | 'start' | 'end' | 'spans'>): string {
  const spans = c.spans.length ? c.spans : [[c.start, c.end] as [number, number]];
  const highlight = spans.map(([a, b]) => `${a}-${b}`).join(',');
  return `/documents/${encodeURIComponent(c.docId)}?highlight=${highlight}&passage=${c.start}-${c.end}#cited`;
}

export function describeSource(c: Pick<CitationJson, 'title' | 'outlet' | 'published'>): string {
  return [c.outlet, c.published].filter(Boolean).join(' · ') || 'Unknown outlet and date';
}

/** A clickable [n]: hover or focus shows the passage; click opens it in the source viewer. */
export function CitationChip({ n, citation, weak }: { n: number; citation?: CitationJson; weak?: boolean }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const chipRef = useRef<HTMLAnchorElement>(null);
  const popRef = useRef<HTMLSpanElement>(null);
  // The popover is fixed to the window and placed above the chip (below when there is no room),
  // clamped inside the window: so it is never cut off by the side panel or a phone's screen edge.
  useLayoutEffect(() => {
    if (!open) return;
    const place = () => {
      const chip = chipRef.current?.getBoundingClientRect();
      const pop = popRef.current;
      if (!chip || !pop) return;
      const vw = document.documentElement.clientWidth;
      const vh = window.innerHeight;
      const width = Math.min(420, vw - 16);
      pop.style.width = `${width}px`;
      const height = pop.offsetHeight;
      const left = Math.max(8, Math.min(chip.left + chip.width / 2 - width / 2, vw - width - 8));
      const top = chip.top - height - 6 >= 8 ? chip.top - height - 6 : Math.min(chip.bottom + 6, Math.max(8, vh - height - 8));
      pop.style.left = `${left}px`;
      pop.style.top = `${top}px`;
      pop.style.visibility = 'visible';
    };
    place();
    window.addEventListener('resize', place);
    window.addEventListener('scroll', place, true);
    return () => {
      window.removeEventListener('resize', place);
      window.removeEventListener('scroll', place, true);
    };
  }, [open]);
  if (!citation) {
    return (
      <span className="chip invalid" title="This citation points at no source">
        {n}
      </span>
    );
  }
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: hovering only previews the source; the link inside is the control
    <span className="chip-wrap" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <Link
        ref={chipRef}
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
        <span ref={popRef} role="tooltip" id={id} className="popover" data-popover={n}>
          <span className="src">
            <strong>{citation.title}</strong>
            <br />
            {describeSource(citation)}
          </span>
          <span>{citation.text}</span>
          {weak && <span className="weak-note">The checker found weak support for the sentence citing this source.</span>}
        </span>
      )}
    </span>
  );
}

/**
 * Text with [n] markers rendered as chips. Everything is rendered as text; nothing as HTML. A
 * factual answer opens with its short answer in bold ("**Portugal.**"), which links to the exact
 * words in the article.
 */
export function CitedText({
  text,
  citations,
  weak,
  short,
}: {
  text: string;
  citations: CitationJson[];
  weak: Set<number>;
  short?: ShortAnswer | null;
}) {
  const byN = new Map(citations.map((c) => [c.n, c]));
  const close = text.startsWith('**') ? text.indexOf('**', 2) : -1;
  const lead = close > 2 && close < 300 ? text.slice(2, close) : null;
  const parts = (lead === null ? text : text.slice(close + 2)).split(/(\[\d+\])/g);
  const source = short && byN.get(short.n);
  return (
    <>
      {lead !== null && (
        <strong className="short-answer" data-testid="short-answer">
          {source ? <Link href={sourceHref({ ...source, spans: [[short.start, short.end]] })}>{lead}</Link> : lead}
        </strong>
      )}
      {parts.map((part, i) => {
        const m = /^\[(\d+)\]$/.exec(part);
        if (!m) return <span key={i}>{part}</span>;
        const n = Number(m[1]);
        return <CitationChip key={i} n={n} citation={byN.get(n)} weak={weak.has(n)} />;
      })}
    </>
  );
}

export function SourcesList({ citations, title = 'Sources' }: { citations: CitationJson[]; title?: string }) {
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

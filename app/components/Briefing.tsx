'use client';
import { useState } from 'react';
import type { BriefingJson } from '@/lib/http/shapes';
import { CitedText, SourcesList, weakNumbers } from './CitationChip';

/** "Brief me": an optional topic, then themed (or dated) bullets with the same citation chips. */
export function BriefPanel() {
  const [topic, setTopic] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<BriefingJson | null>(null);

  async function run(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/api/brief', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic }),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(json.error ?? `The server answered ${res.status}.`);
      setResult(json);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const weak = result ? weakNumbers(result.checks) : new Set<number>();
  let theme: string | null = null;
  return (
    <section className="brief" aria-label="Briefing">
      <form onSubmit={run}>
        <input
          value={topic}
          onChange={(e) => setTopic(e.target.value)}
          placeholder="Topic (optional), e.g. defence"
          aria-label="Briefing topic"
          maxLength={500}
        />
        <button className="btn secondary" type="submit" disabled={busy}>
          {busy ? 'Briefing…' : 'Brief me'}
        </button>
      </form>
      {error && (
        <div className="banner" role="alert">
          {error}
        </div>
      )}
      {result && (
        <div className="msg briefing" data-testid="briefing">
          <h3>{result.title}</h3>
          {result.warnings.map((w) => (
            <div key={w} className="banner">
              {w}
            </div>
          ))}
          {result.empty && <p className="refused">The articles don&apos;t cover this topic.</p>}
          <ul>
            {result.bullets.map((b, i) => {
              const heading = result.kind === 'summary' && b.theme !== theme ? (theme = b.theme) : null;
              return (
                <li key={i} style={{ listStyle: 'none', marginLeft: '-1.2em' }}>
                  {heading && <h4>{heading}</h4>}• <CitedText text={b.text} citations={result.citations} weak={weak} />
                </li>
              );
            })}
          </ul>
          <SourcesList citations={result.citations} />
          <div className="used">
            Articles used: {result.articlesUsed.map((a) => `${a.title}${a.outlet ? ` (${a.outlet})` : ''}`).join('; ')}
          </div>
        </div>
      )}
    </section>
  );
}

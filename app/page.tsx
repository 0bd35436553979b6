import { getConfig } from '@/lib/config';
import { publicError } from '@/lib/http/request';
import { libraryAccess } from '@/lib/fetch/access';
import { libraryStatus, type LibraryStatus } from '@/lib/library';
import { AddArticles, RemoveArticle } from './components/AddArticles';
import { BriefPanel } from './components/Briefing';
import { Chat } from './components/Chat';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const canRemove = libraryAccess(getConfig()) !== 'closed';
  let status: LibraryStatus | null = null;
  let problem: string | null = null;
  try {
    status = await libraryStatus(getConfig());
  } catch (error) {
    problem = publicError(error).message;
  }
  return (
    <div className="shell">
      <main className="main">
        <header className="header">
          <h1>Dossier</h1>
          {status && (
            <span className="meta">
              {status.documents.length} articles · {status.passageCount} passages ·{' '}
              {status.retrieval === 'hybrid' ? 'hybrid search' : 'keyword search'} · {status.llm ? `LLM: ${status.llm}` : 'local answers'}
            </span>
          )}
        </header>
        {problem && (
          <div className="banner" role="alert">
            {problem}
          </div>
        )}
        {status?.warnings.map((w) => (
          <div key={w} className="banner" role="status" data-testid="warning-banner">
            {w}
          </div>
        ))}
        {status && <Chat examples={status.examples} pageWarnings={status.warnings} />}
      </main>
      <aside className="side" aria-label="Library">
        <h2>Briefing</h2>
        <BriefPanel />
        <h2 style={{ marginTop: 24 }}>Add articles</h2>
        <AddArticles access={libraryAccess(getConfig())} />
        <h2 style={{ marginTop: 24 }}>Library</h2>
        {status && (
          <ul className="library" data-testid="library">
            {status.documents.map((d) => (
              <li key={d.id}>
                <a href={`/documents/${encodeURIComponent(d.id)}`}>{d.title}</a>
                <div className="sub">
                  {[d.outlet ?? 'Unknown outlet', d.published ?? 'undated', `${d.passageCount} passages`].join(' · ')}
                  {canRemove && <RemoveArticle id={d.id} title={d.title} />}
                </div>
              </li>
            ))}
          </ul>
        )}
        {status && <p className="hint">Embedder: {status.embedder?.label ?? 'none (keyword search only)'}</p>}
      </aside>
    </div>
  );
}

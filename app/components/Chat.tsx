'use client';
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport } from 'ai';
import { useEffect, useRef, useState } from 'react';
import type { DossierUIMessage } from '@/lib/http/chat';
import { CitedText, SourcesList, weakNumbers } from './CitationChip';

const STORAGE_KEY = 'dossier-conversation';

function AssistantMessage({ message, streaming, pageWarnings }: { message: DossierUIMessage; streaming: boolean; pageWarnings: string[] }) {
  const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  const data = <T extends DossierUIMessage['parts'][number]['type']>(type: T) =>
    message.parts.filter((p) => p.type === type) as Extract<DossierUIMessage['parts'][number], { type: T }>[];
  const citations = data('data-citations').at(-1)?.data ?? [];
  const status = data('data-status').at(-1)?.data;
  const meta = data('data-answer').at(-1)?.data;
  // The page banner already shows the index's standing warnings; repeat only what is new to this answer.
  const warnings = data('data-warning')
    .map((p) => p.data.message)
    .filter((w) => !pageWarnings.includes(w));
  const weak = meta ? weakNumbers(meta.checks) : new Set<number>();
  return (
    <article
      className="msg assistant"
      aria-live={streaming ? 'polite' : undefined}
      data-testid="answer"
      data-state={streaming ? 'streaming' : 'done'}
    >
      {status && (
        <div className="status">
          {status.engine === 'llm' ? 'LLM' : 'Local'} answer · {status.retrieval === 'lexical' ? 'keyword search only' : 'hybrid search'}
          {status.query && message.parts.length > 0 ? ` · searched for “${status.query}”` : ''}
        </div>
      )}
      {warnings.map((w) => (
        <div key={w} className="banner" role="status">
          {w}
        </div>
      ))}
      <div className={`answer${meta?.refused ? ' refused' : ''}`} data-testid="answer-text">
        <CitedText text={text} citations={citations} weak={weak} short={meta?.short} />
        {streaming && !text && <span className="hint">Searching the articles…</span>}
      </div>
      {meta && meta.removedMarkers > 0 && (
        <div className="hint">{meta.removedMarkers} citation(s) pointed at no source and were removed.</div>
      )}
      {meta?.checks.some((c) => c.verdict === 'uncited') && (
        <div className="hint">Some sentences carry no citation; treat them with care.</div>
      )}
      <SourcesList citations={citations} />
      {meta?.refused && <SourcesList citations={meta.related} title="Closest passages" />}
    </article>
  );
}

export function Chat({ examples, pageWarnings }: { examples: string[]; pageWarnings: string[] }) {
  const { messages, sendMessage, status, error, setMessages, stop } = useChat<DossierUIMessage>({
    transport: new DefaultChatTransport({ api: '/api/chat' }),
  });
  const [input, setInput] = useState('');
  const restored = useRef(false);
  const busy = status === 'submitted' || status === 'streaming';

  // The conversation survives a visit to the source viewer and back.
  useEffect(() => {
    if (restored.current) return;
    restored.current = true;
    try {
      const saved = sessionStorage.getItem(STORAGE_KEY);
      if (saved) setMessages(JSON.parse(saved));
    } catch {
      /* a corrupt saved conversation is simply dropped */
    }
  }, [setMessages]);
  useEffect(() => {
    if (restored.current && !busy) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(messages));
  }, [messages, busy]);

  function ask(question: string) {
    const q = question.trim();
    if (!q || busy) return;
    setInput('');
    void sendMessage({ text: q });
  }

  return (
    <>
      <div className="messages">
        {messages.length === 0 && (
          <div className="empty">
            <h2>Ask the articles</h2>
            <p className="hint">Every claim in an answer links to the passage it comes from.</p>
            <div className="examples">
              {examples.map((q) => (
                <button key={q} type="button" onClick={() => ask(q)}>
                  {q}
                </button>
              ))}
            </div>
          </div>
        )}
        {messages.map((m, i) =>
          m.role === 'user' ? (
            <div key={m.id} className="msg user">
              {m.parts.map((p) => (p.type === 'text' ? p.text : '')).join('')}
            </div>
          ) : (
            <AssistantMessage key={m.id} message={m} streaming={busy && i === messages.length - 1} pageWarnings={pageWarnings} />
          ),
        )}
        {error && (
          <div className="banner" role="alert">
            {error.message || 'The answer could not be completed.'}
          </div>
        )}
      </div>
      <div className="composer">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            ask(input);
          }}
        >
          <textarea
            value={input}
            onChange={(e) => setInput(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                ask(input);
              }
            }}
            placeholder="Ask a question about the articles…"
            aria-label="Your question"
            maxLength={2000}
            rows={2}
          />
          {busy ? (
            <button className="btn secondary" type="button" onClick={() => void stop()}>
              Stop
            </button>
          ) : (
            <button className="btn" type="submit" disabled={!input.trim()}>
              Ask
            </button>
          )}
        </form>
        <div className="hint">
          Enter to send · Shift+Enter for a new line
          {messages.length > 0 && (
            <>
              {' '}
              ·{' '}
              <button
                type="button"
                className="linklike"
                onClick={() => {
                  setMessages([]);
                  sessionStorage.removeItem(STORAGE_KEY);
                }}
              >
                New conversation
              </button>
            </>
          )}
        </div>
      </div>
    </>
  );
}

'use client';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import type { LibraryAccess } from '@/lib/fetch/access';

type Outcome = {
  source: string;
  status: 'added' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  reason?: string;
  documents: { id: string; title: string }[];
};
type Item = { key: number; name: string; phase: string; done?: boolean; ok?: boolean; message?: string; progress?: number };

const ACCEPT = '.html,.htm,.xhtml,.pdf,.xml,.rss,.atom,.md,.markdown,.txt';
const TOKEN_KEY = 'dossier-admin-token';

function headers(token: string): Record<string, string> {
  return { 'x-dossier-action': 'library', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

/** One outcome as a sentence: what went in, or why it could not. */
function summary(outcomes: Outcome[], fallback: string): { ok: boolean; message: string } {
  if (outcomes.length === 0) return { ok: false, message: fallback };
  const bad = outcomes.filter((o) => o.status === 'failed' || o.status === 'skipped');
  const good = outcomes.filter((o) => !bad.includes(o));
  const titles = good.flatMap((o) => o.documents.map((d) => d.title));
  const parts: string[] = [];
  if (good.length)
    parts.push(
      `${good.some((o) => o.status === 'added') ? 'Added' : good.some((o) => o.status === 'updated') ? 'Updated' : 'Already in the library'}: ${titles.slice(0, 3).join('; ')}${titles.length > 3 ? ` and ${titles.length - 3} more` : ''}.`,
    );
  for (const o of bad.slice(0, 3)) parts.push(`${outcomes.length > 1 ? `${o.source}: ` : 'Not added: '}${o.reason}.`);
  return { ok: good.length > 0, message: parts.join(' ') };
}

/** POSTs with upload progress (fetch cannot report it). */
function send(
  body: FormData | string,
  token: string,
  onUploaded: (fraction: number) => void,
): Promise<{ status: number; json: { outcomes?: Outcome[]; error?: string } }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/documents');
    for (const [k, v] of Object.entries(headers(token))) xhr.setRequestHeader(k, v);
    if (typeof body === 'string') xhr.setRequestHeader('content-type', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onUploaded(e.loaded / e.total);
    xhr.upload.onload = () => onUploaded(1);
    xhr.onload = () => {
      try {
        resolve({ status: xhr.status, json: JSON.parse(xhr.responseText) });
      } catch {
        resolve({ status: xhr.status, json: { error: `The server answered ${xhr.status}.` } });
      }
    };
    xhr.onerror = () => reject(new Error('The server could not be reached.'));
    xhr.send(body);
  });
}

/**
 * "Add articles": drop or choose files (several at once) or paste links; each shows its progress
 * and its outcome in a sentence, and the library refreshes when something went in.
 */
export function AddArticles({ access }: { access: LibraryAccess }) {
  const router = useRouter();
  const [items, setItems] = useState<Item[]>([]);
  const [links, setLinks] = useState('');
  const [dragging, setDragging] = useState(false);
  const [token, setToken] = useState('');
  useEffect(() => setToken(sessionStorage.getItem(TOKEN_KEY) ?? ''), []);
  const nextKey = useRef(0);
  const queue = useRef(Promise.resolve());

  const update = (key: number, patch: Partial<Item>) => setItems((all) => all.map((i) => (i.key === key ? { ...i, ...patch } : i)));

  /** Sends one request for a batch of items (a drop of files, or one link) and gives each its outcome. */
  function enqueue(names: string[], firstPhase: string, body: () => FormData | string) {
    const keys = names.map(() => nextKey.current++);
    setItems((all) => [...names.map((name, i) => ({ key: keys[i]!, name, phase: firstPhase })), ...all].slice(0, 30));
    const each = (patch: (i: number) => Partial<Item>) => keys.forEach((key, i) => update(key, patch(i)));
    // One batch at a time: the server indexes one after another anyway.
    queue.current = queue.current.then(async () => {
      try {
        const { status, json } = await send(body(), token, (f) =>
          each(() => (f < 1 ? { progress: f } : { progress: undefined, phase: 'reading and indexing…' })),
        );
        const outcomes = json.outcomes ?? [];
        let any = false;
        each((i) => {
          // A link that is a feed answers with its items' pages, not with itself.
          const mine = names.length === 1 ? outcomes : outcomes.filter((o) => o.source === names[i]);
          const { ok, message } =
            status === 200 ? summary(mine, 'Nothing was added.') : { ok: false, message: json.error ?? `The server answered ${status}.` };
          any ||= ok;
          return { done: true, ok, message, phase: ok ? 'done' : 'not added' };
        });
        if (any) router.refresh();
      } catch (error) {
        each(() => ({ done: true, ok: false, message: (error as Error).message, phase: 'not added' }));
      }
    });
  }

  function addFiles(list: FileList | null) {
    const files = Array.from(list ?? []);
    if (files.length === 0) return;
    enqueue(
      files.map((f) => f.name),
      'uploading…',
      () => {
        const form = new FormData();
        for (const file of files) form.append('files', file);
        return form;
      },
    );
  }

  function addLinks(e: React.FormEvent) {
    e.preventDefault();
    const urls = links.split(/\s+/).filter(Boolean);
    for (const url of urls) enqueue([url], 'fetching…', () => JSON.stringify({ urls: [url] }));
    setLinks('');
  }

  if (access === 'closed') {
    return (
      <p className="add-note" data-testid="add-closed">
        Adding articles from the app is turned off on this server. Set DOSSIER_ADMIN_TOKEN, or serve on 127.0.0.1 (DOSSIER_HOST=127.0.0.1);
        or put files in corpus/ and run npm run ingest.
      </p>
    );
  }
  return (
    <section className="add" data-testid="add-articles" aria-label="Add articles">
      <p className="add-note" data-testid="add-access">
        {access === 'open'
          ? 'Open: this server only listens on this computer, so no token is needed.'
          : 'Needs the access token (DOSSIER_ADMIN_TOKEN).'}
      </p>
      {access === 'token' && (
        <input
          type="password"
          placeholder="Access token"
          aria-label="Access token"
          value={token}
          autoComplete="off"
          onChange={(e) => {
            setToken(e.target.value);
            sessionStorage.setItem(TOKEN_KEY, e.target.value);
          }}
        />
      )}
      <label
        className={`drop${dragging ? ' over' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          addFiles(e.dataTransfer.files);
        }}
      >
        <input
          type="file"
          multiple
          accept={ACCEPT}
          data-testid="file-input"
          onChange={(e) => {
            addFiles(e.target.files);
            e.target.value = '';
          }}
        />
        <span>
          Drop web pages, PDFs, feeds, .md or .txt files here, or <u>choose files</u>
        </span>
      </label>
      <form onSubmit={addLinks}>
        <textarea
          rows={2}
          placeholder="Paste links (pages, PDFs or feeds), one per line"
          aria-label="Links to add"
          value={links}
          onChange={(e) => setLinks(e.target.value)}
          data-testid="links-input"
        />
        <button className="btn" type="submit" disabled={!links.trim()}>
          Add links
        </button>
      </form>
      {items.length > 0 && (
        <ul className="add-items" data-testid="add-items">
          {items.map((i) => (
            <li key={i.key} data-testid="add-item" data-state={i.done ? (i.ok ? 'ok' : 'failed') : 'busy'}>
              <div className="name">{i.name}</div>
              <div className={i.done ? (i.ok ? 'ok' : 'bad') : 'sub'}>
                {i.done ? i.message : `${i.phase}${i.progress !== undefined ? ` ${Math.round(i.progress * 100)}%` : ''}`}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Removes an article from the library: its file goes to the trash folder, not away. */
export function RemoveArticle({ id, title }: { id: string; title: string }) {
  const router = useRouter();
  const [state, setState] = useState<'idle' | 'busy' | string>('idle');
  async function remove() {
    if (!window.confirm(`Remove "${title}" from the library? Its file is moved to the trash folder.`)) return;
    setState('busy');
    const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
    const res = await fetch(`/api/documents/${encodeURIComponent(id)}`, { method: 'DELETE', headers: headers(token) }).catch(() => null);
    const json = await res?.json().catch(() => ({}));
    if (res?.ok) router.refresh();
    else setState(json?.error ?? 'The server could not be reached.');
  }
  return (
    <>
      <button
        type="button"
        className="remove"
        onClick={remove}
        disabled={state === 'busy'}
        aria-label={`Remove ${title}`}
        data-testid="remove-article"
      >
        {state === 'busy' ? 'removing…' : 'remove'}
      </button>
      {state !== 'idle' && state !== 'busy' && <div className="bad">{state}</div>}
    </>
  );
}

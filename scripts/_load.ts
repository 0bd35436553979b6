import { readFile } from 'node:fs/promises';
import { startServer } from './lib/server';
import { httpLoad } from './lib/bench/http-load';
const qs: string[] = (await readFile('eval/news-2022.jsonl', 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l).question);
const s = await startServer({
  DOSSIER_INDEX_DIR: '.dossier-eval/news-2022',
  DOSSIER_CORPUS_DIR: '../shared/corpora/news-2022',
  DOSSIER_ALLOW_REMOTE_MODELS: 'false',
  NODE_OPTIONS: process.env.PROF ? '--cpu-prof --cpu-prof-dir=/tmp/prof/server' : '',
});
await (
  await fetch(`${s.url}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'What did officials announce this week?' }),
  })
).text();
await fetch(`${s.url}/api/health`);
const res = await httpLoad({
  url: `${s.url}/api/ask`,
  method: 'POST',
  body: (i) => JSON.stringify({ question: qs[i % qs.length] }),
  connections: Number(process.env.CONN ?? 8),
  durationMs: 60000,
  maxRequests: qs.length,
});
const l = [...res.latencies].sort((a, b) => a - b);
console.log(
  'n',
  l.length,
  'p50',
  l[Math.floor(l.length / 2)]!.toFixed(0),
  'p95',
  l[Math.floor(l.length * 0.95)]!.toFixed(0),
  'rps',
  res.rps.toFixed(1),
  'errors',
  res.errors + res.non2xx,
);
const h = await (await fetch(`${s.url}/api/health`)).json();
console.log('eventloop p99', h.eventLoop.p99Ms);
await s.stop();

import { startServer } from './lib/server';
const t0 = performance.now();
const s = await startServer({
  DOSSIER_INDEX_DIR: '.dossier-eval/news-2022',
  DOSSIER_CORPUS_DIR: '../shared/corpora/news-2022',
  DOSSIER_ALLOW_REMOTE_MODELS: 'false',
});
console.log('started', (performance.now() - t0).toFixed(0));
const qs = [
  'Who won the election in Brazil?',
  'What did NASA launch?',
  'How much did gas cost?',
  'Which team won the World Series?',
  'Where did the hurricane hit?',
];
for (const q of qs) {
  const t = performance.now();
  const r = await fetch(`${s.url}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: q }),
  });
  await r.text();
  console.log(q, r.status, (performance.now() - t).toFixed(0), 'ms');
}
await s.stop();

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalIndex, ProtobufCodec } from 'vectra';
import { z } from 'zod';
import { answerOnce } from '../lib/answer/answer';
import { httpLoad, chatTimings } from '../lib/bench/http-load';
import { plainBm25Peer, vectraDocumentPeer, type Peer } from '../lib/bench/peers';
import { formatSpread, percentile, repeat, runConcurrently, spread, type Spread } from '../lib/bench/stats';
import { synthesize, writeVectraPeer } from '../lib/bench/synth';
import { cliArgs, runCli } from '../lib/cli/args';
import { table } from '../lib/cli/table';
import { getConfig } from '../lib/config';
import { chunkDocument } from '../lib/corpus/chunk';
import { cleanBody } from '../lib/corpus/clean';
import { loadCorpus } from '../lib/corpus/load';
import { clearEmbeddingCache } from '../lib/embed/cache';
import { loadInThreadEmbedder } from '../lib/embed/in-thread';
import { loadBundledEmbedder } from '../lib/embed/use';
import { loadTransformersEmbedder } from '../lib/embed/transformers';
import { normalizeVector, type Embedder } from '../lib/embed/types';
import { loadJsonl, questionSchema } from '../lib/eval/gold';
import { containsAny } from '../lib/eval/metrics';
import { readCollection, writeCollection } from '../lib/store/collection';
import { cosineScan } from '../lib/store/local/dense';
import { loadSnapshot } from '../lib/store/local/snapshot';
import { LocalSnapshotReader } from '../lib/store/local/store';
import { openStoreWriter } from '../lib/store/open';
import { topIndices } from '../lib/store/rank';
import { retrieve } from '../lib/retrieve/retrieve';
import { buildSearcher, getSearcher } from '../lib/retrieve/searcher';
import { ensureTinyModel } from '../test/support/tiny-model';

const usage = `Usage: npm run bench [-- --runs 5] [--scale 1000,10000,100000] [--no-http] [--json OUT.json]

Prints ingest, query, HTTP and scale figures (median [min–max] of repeated runs in one process),
with peers (vectra's LocalDocumentIndex, a plain BM25) measured side by side on the same data.`;

const args = cliArgs(usage, { runs: { type: 'string' }, scale: { type: 'string' }, 'no-http': { type: 'boolean' }, json: { type: 'string' } }, z.object({
  runs: z.coerce.number().int().min(1).max(50).default(5),
  scale: z.string().default('1000,10000,100000').transform((s) => s.split(',').map(Number)).pipe(z.array(z.number().int().min(10).max(1_000_000))),
  'no-http': z.boolean().default(false),
  json: z.string().optional(),
  positionals: z.array(z.string()).max(0, 'is not expected'),
}));

type Row = { section: string; metric: string; value: Spread | number | string; unit: string; note?: string };
const rows: Row[] = [];
const add = (section: string, metric: string, value: Row['value'], unit: string, note?: string) => {
  rows.push({ section, metric, value, unit, note });
  console.error(`  ${section} · ${metric}: ${typeof value === 'object' ? formatSpread(value) : value} ${unit}`);
};
const pct = (xs: number[]) => ({ p50: percentile(xs, 0.5), p95: percentile(xs, 0.95), p99: percentile(xs, 0.99) });

async function embedThroughput(e: Embedder, texts: string[], runs: number) {
  return repeat(runs, async () => { const t = performance.now(); await e.embedDocuments(texts); return texts.length / ((performance.now() - t) / 1000); });
}

runCli(async () => {
  const cfg = getConfig();
  const searcher = await getSearcher(cfg);
  const collection = await readCollection(searcher.store);
  const passages = collection.documents.flatMap((d) => d.passages);
  const questions = [...await loadJsonl('eval/gold.jsonl', questionSchema), ...await loadJsonl('eval/paraphrase.jsonl', questionSchema)];
  const answerable = questions.filter((q) => q.answerable);
  console.error(`Benchmarking on ${passages.length} passages, ${questions.length} questions, ${args.runs} runs per figure.\n`);

  // Ingest
  const { documents } = await loadCorpus(cfg.corpusDir);
  const reps = 20;
  add('ingest', 'clean + chunk', await repeat(args.runs, () => {
    const t = performance.now();
    let n = 0;
    for (let r = 0; r < reps; r++) for (const d of documents) n += chunkDocument(d.id, cleanBody(d.body, { title: d.title, outlet: d.outlet }).blocks, cfg.chunking).length;
    return n / ((performance.now() - t) / 1000);
  }), 'passages/s');
  const texts = passages.map((p) => p.text);
  const tiny = await loadTransformersEmbedder('dossier-tiny', { ...cfg.embedding, localModelPath: await ensureTinyModel(), allowRemoteModels: false, cacheDir: await mkdtemp(path.join(tmpdir(), 'bench-cache-')) });
  add('ingest', 'embed, tiny test model (Transformers.js)', await embedThroughput(tiny, texts, args.runs), 'passages/s', 'random weights, 32 dims: measures the pipeline, not a real model');
  // Fresh instances: the searcher's embedder caches vectors, which would measure the cache.
  const packagePath = await loadInThreadEmbedder({ kind: 'use' });
  const peer = await embedThroughput(packagePath, texts, Math.min(args.runs, 3));
  add('ingest', 'embed, bundled Universal Sentence Encoder, package path (calling thread)', peer, 'passages/s');
  const use = await loadBundledEmbedder(cfg.embedding);
  const pooled = await embedThroughput(use, texts, Math.min(args.runs, 3));
  add('ingest', `embed, bundled Universal Sentence Encoder, ${use.threads} worker threads`, pooled, 'passages/s', `${(pooled.median / peer.median).toFixed(2)}× the package path`);
  const writeDir = await mkdtemp(path.join(tmpdir(), 'bench-write-'));
  add('ingest', `index write (${passages.length} passages)`, await repeat(args.runs, async () => {
    const t = performance.now();
    await writeCollection(await openStoreWriter({ indexDir: writeDir }), collection);
    return performance.now() - t;
  }), 'ms');
  await rm(writeDir, { recursive: true, force: true });

  // Queries, in process
  const qs = questions.map((q) => q.question);
  for (const mode of ['lexical', 'hybrid'] as const) {
    for (const concurrency of [1, 8]) {
      const p50: number[] = [], p95: number[] = [], p99: number[] = [];
      for (let r = 0; r < args.runs; r++) {
        clearEmbeddingCache(searcher.embedder);
        const { latencies } = await runConcurrently(qs, concurrency, (q) => retrieve(searcher, q, { k: 5, mode }));
        const p = pct(latencies);
        p50.push(p.p50); p95.push(p.p95); p99.push(p.p99);
      }
      add('query', `retrieval ${mode}, concurrency ${concurrency}: p50`, spread(p50), 'ms', mode === 'hybrid' ? 'includes embedding the query' : undefined);
      add('query', `retrieval ${mode}, concurrency ${concurrency}: p95`, spread(p95), 'ms');
      add('query', `retrieval ${mode}, concurrency ${concurrency}: p99`, spread(p99), 'ms');
    }
  }
  for (const concurrency of [1, 8]) {
    const p50: number[] = [], p95: number[] = [], p99: number[] = [];
    for (let r = 0; r < args.runs; r++) {
      clearEmbeddingCache(searcher.embedder);
      const { latencies } = await runConcurrently(qs, concurrency, (q) => answerOnce(cfg, [{ role: 'user', content: q }], { engine: 'local' }));
      const p = pct(latencies);
      p50.push(p.p50); p95.push(p.p95); p99.push(p.p99);
    }
    add('query', `local answer, concurrency ${concurrency}: p50`, spread(p50), 'ms', 'each run starts with an empty embedding cache');
    add('query', `local answer, concurrency ${concurrency}: p95`, spread(p95), 'ms');
    add('query', `local answer, concurrency ${concurrency}: p99`, spread(p99), 'ms');
  }

  // Peers: same passages, same queries, same run
  const peers: Peer[] = [
    { name: 'Dossier hybrid', search: async (q, k) => (await retrieve(searcher, q, { k, mode: 'hybrid' })).passages.map((p) => p.id), close: async () => {} },
    { name: 'Dossier lexical', search: async (q, k) => (await retrieve(searcher, q, { k, mode: 'lexical', diversify: false })).passages.map((p) => p.id), close: async () => {} },
    await vectraDocumentPeer(passages, use),
    plainBm25Peer(passages),
  ];
  const textOf = new Map(passages.map((p) => [p.id, p.text]));
  const peerRows: (string | number)[][] = [];
  for (const peer of peers) {
    const lat: number[] = [];
    let hit1 = 0, hit5 = 0, rr = 0;
    for (let r = 0; r < args.runs; r++) {
      clearEmbeddingCache(searcher.embedder);
      for (const q of answerable) {
        const t = performance.now();
        const ids = await peer.search(q.question, 10);
        lat.push(performance.now() - t);
        if (r > 0) continue;
        const rank = ids.findIndex((id) => containsAny(textOf.get(id) ?? '', q.evidence)) + 1;
        if (rank === 1) hit1++;
        if (rank >= 1 && rank <= 5) hit5++;
        if (rank) rr += 1 / rank;
      }
    }
    const n = answerable.length;
    peerRows.push([peer.name, percentile(lat, 0.5), percentile(lat, 0.95), hit1 / n, hit5 / n, rr / n]);
    rows.push({ section: 'peers', metric: peer.name, value: `p50 ${percentile(lat, 0.5).toFixed(2)} ms, p95 ${percentile(lat, 0.95).toFixed(2)} ms, R@1 ${(hit1 / n).toFixed(3)}, R@5 ${(hit5 / n).toFixed(3)}, MRR ${(rr / n).toFixed(3)}`, unit: '' });
    await peer.close();
  }

  // HTTP against the production server
  let httpRows: (string | number)[][] = [];
  if (!args['no-http']) {
    const { startServer } = await import('../test/support/server');
    const server = await startServer({ DOSSIER_INDEX_DIR: cfg.indexDir, DOSSIER_CORPUS_DIR: cfg.corpusDir, DOSSIER_ALLOW_REMOTE_MODELS: 'false' });
    try {
      const body = (i: number) => JSON.stringify({ question: qs[i % qs.length] });
      await httpLoad({ url: `${server.url}/api/ask`, method: 'POST', body, connections: 4, durationMs: 2000 }); // warm-up
      for (const connections of [1, 8, 32]) {
        const rps: number[] = [], p50: number[] = [], p95: number[] = [], p99: number[] = [], loopP99: number[] = [];
        let errors = 0;
        // The server's own event-loop delay over each run: /api/health reports it since its last call.
        const loop = async () => ((await (await fetch(`${server.url}/api/health`)).json()) as { eventLoop: { p99Ms: number } }).eventLoop;
        for (let r = 0; r < Math.min(args.runs, 3); r++) {
          await loop();
          const res = await httpLoad({ url: `${server.url}/api/ask`, method: 'POST', body, connections, durationMs: 5000 });
          loopP99.push((await loop()).p99Ms);
          errors += res.errors + res.non2xx;
          const p = pct(res.latencies);
          rps.push(res.rps); p50.push(p.p50); p95.push(p.p95); p99.push(p.p99);
        }
        add('http', `POST /api/ask, ${connections} connections: server event-loop delay p99`, spread(loopP99), 'ms');
        add('http', `POST /api/ask, ${connections} connections: throughput`, spread(rps), 'req/s', `${errors} errors`);
        add('http', `POST /api/ask, ${connections} connections: p50`, spread(p50), 'ms');
        add('http', `POST /api/ask, ${connections} connections: p95`, spread(p95), 'ms');
        add('http', `POST /api/ask, ${connections} connections: p99`, spread(p99), 'ms');
        httpRows.push([connections, formatSpread(spread(rps)), formatSpread(spread(p50)), formatSpread(spread(p95)), formatSpread(spread(p99)), formatSpread(spread(loopP99)), errors]);
      }
      const first: number[] = [], total: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = await chatTimings(`${server.url}/api/chat`, qs[i]!);
        first.push(t.firstTokenMs); total.push(t.totalMs);
      }
      add('http', '/api/chat time to first streamed token', spread(first), 'ms', '10 questions');
      add('http', '/api/chat time to full answer', spread(total), 'ms');
    } finally {
      await server.stop();
    }
  }

  // Scale: synthetic passages with random unit vectors
  const sentences = passages.flatMap((p) => p.sentences.map((s) => s.text));
  const scaleRows: (string | number)[][] = [];
  for (const n of args.scale) {
    const dims = 384;
    const dir = await mkdtemp(path.join(tmpdir(), `bench-scale-${n}-`));
    const data = synthesize(sentences, n, dims);
    let t = performance.now();
    await writeCollection(await openStoreWriter({ indexDir: dir }), data);
    const writeMs = performance.now() - t;
    (globalThis as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    t = performance.now();
    const snap = (await loadSnapshot(dir))!;
    const randomQuery: Embedder = { id: 'synthetic', label: 'random', dims, embedDocuments: async () => [], embedQuery: async () => normalizeVector(Float32Array.from({ length: dims }, () => Math.random() - 0.5)) };
    const s = await buildSearcher(new LocalSnapshotReader(snap), cfg.embedding, randomQuery);
    const loadMs = performance.now() - t;
    const rssMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    const queries = Array.from({ length: 20 }, () => normalizeVector(Float32Array.from({ length: dims }, () => Math.random() - 0.5)));
    const scores = new Float64Array(n);
    const scan = await repeat(args.runs, () => {
      const lat = queries.map((q) => { const t0 = performance.now(); cosineScan(snap.vectors!, dims, q, scores); topIndices(scores, 10, null); return performance.now() - t0; });
      return percentile(lat, 0.5);
    });
    const gbps = (n * dims * 4) / (scan.median / 1000) / 1e9;
    const vectraIndex = new LocalIndex(await writeVectraPeer(dir, data), undefined, undefined, new ProtobufCodec());
    t = performance.now();
    await vectraIndex.listItems();
    const vectraLoadMs = performance.now() - t;
    const vectraScan = await repeat(Math.min(args.runs, 3), async () => {
      const lat: number[] = [];
      for (const q of queries.slice(0, 5)) { const t0 = performance.now(); await vectraIndex.queryItems(Array.from(q), '', 10); lat.push(performance.now() - t0); }
      return percentile(lat, 0.5);
    });
    const lexical = await repeat(args.runs, async () => {
      const lat: number[] = [];
      for (const q of qs.slice(0, 20)) { const t0 = performance.now(); await retrieve(s, q, { k: 10, mode: 'lexical' }); lat.push(performance.now() - t0); }
      return percentile(lat, 0.5);
    });
    add('scale', `${n} passages: write`, writeMs, 'ms');
    add('scale', `${n} passages: load (snapshot with postings)`, loadMs, 'ms');
    add('scale', `${n} passages: resident memory added by load`, rssMb, 'MB');
    add('scale', `${n} passages: dense top-10, contiguous scan`, scan, 'ms', `${gbps.toFixed(2)} GB/s`);
    add('scale', `${n} passages: dense top-10, vectra queryItems`, vectraScan, 'ms', `${(vectraScan.median / scan.median).toFixed(1)}× slower; vectra load ${vectraLoadMs.toFixed(0)} ms`);
    add('scale', `${n} passages: lexical top-10`, lexical, 'ms');
    scaleRows.push([n, writeMs, loadMs, rssMb, formatSpread(scan, 2), gbps, formatSpread(vectraScan, 1), vectraScan.median / scan.median, formatSpread(lexical, 2)]);
    await rm(dir, { recursive: true, force: true });
  }

  console.log(`\nDossier benchmark — ${new Date().toISOString()} — Node ${process.version}, ${passages.length} passages, ${questions.length} queries; median [min–max] of ${args.runs} runs\n`);
  console.log(table(['section', 'metric', 'value', 'unit', 'note'], rows.filter((r) => r.section !== 'peers' && r.section !== 'scale').map((r) => [r.section, r.metric, typeof r.value === 'object' ? formatSpread(r.value) : String(r.value), r.unit, r.note ?? ''])));
  console.log('\nPeers (same passages, same queries, same run; latency over all runs, quality on the first)');
  console.log(table(['system', 'p50 ms', 'p95 ms', 'R@1', 'R@5', 'MRR'], peerRows));
  if (httpRows.length) {
    console.log('\nHTTP POST /api/ask (production server on 127.0.0.1)');
    console.log(table(['connections', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'event-loop p99 ms', 'errors'], httpRows));
  }
  console.log('\nScale (synthetic passages, 384-dim random unit vectors)');
  console.log(table(['passages', 'write ms', 'load ms', 'RSS MB', 'dense scan ms', 'GB/s', 'vectra ms', 'vectra/scan', 'lexical ms'], scaleRows));
  if (args.json) await writeFile(args.json, JSON.stringify({ rows, peers: peerRows, http: httpRows, scale: scaleRows }, null, 2));
});

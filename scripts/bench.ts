import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalIndex, ProtobufCodec } from 'vectra';
import { z } from 'zod';
import { answerOnce } from '@/lib/answer/answer';
import { httpLoad, chatTimings } from './lib/bench/http-load';
import { plainBm25Peer, vectraDocumentPeer, type Peer } from './lib/bench/peers';
import { percentile, repeat, runConcurrently, spread, type Spread } from './lib/bench/stats';
import { synthesize } from './lib/bench/synth';
import { cliArgs, runCli } from './lib/cli/args';
import { table } from './lib/cli/table';
import { getConfig, type Config } from '@/lib/config';
import { chunkDocument, type Passage } from '@/lib/corpus/chunk';
import { cleanBody } from '@/lib/corpus/clean';
import { loadCorpus } from '@/lib/corpus/load';
import { clearEmbeddingCache } from '@/lib/embed/cache';
import { loadInThreadEmbedder } from '@/lib/embed/in-thread';
import { startEmbedderPool } from '@/lib/embed/pool';
import { normalizeVector, type Embedder } from '@/lib/embed/types';
import { loadBundledEmbedder } from '@/lib/embed/use';
import { loadCollections } from './lib/eval/collections';
import { loadJsonl, questionSchema } from './lib/eval/gold';
import { containsAny } from './lib/eval/metrics';
import { ingest } from '@/lib/ingest';
import { annotate } from '@/lib/nlp/annotate';
import { readCollection, writeCollection, type CollectionData } from '@/lib/store/collection';
import { cosineScan } from '@/lib/store/local/dense';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { LocalSnapshotReader } from '@/lib/store/local/store';
import { openStoreWriter } from '@/lib/store/open';
import { topIndices } from '@/lib/store/rank';
import { retrieve } from '@/lib/retrieve/retrieve';
import { buildSearcher, getSearcher, type Searcher } from '@/lib/retrieve/searcher';

const usage = `Usage: npm run bench [-- --collection news-2022] [--sections ingest,encoder,query,peers,http-new,http-repeat,scale] [--runs 5] [--scale 1000,10000,100000] [--no-http] [--json OUT.json]

Measures ingest, the encoder, queries, HTTP and scale on an eval collection (its index is brought
up to date first, as \`npm run eval\` does), each figure as the median [min–max] of repeated runs in
one process, with peers (the encoder's package path, vectra's LocalDocumentIndex, a plain BM25)
and limits (memory bandwidth, a raw read of the snapshot files) measured side by side in the same
run and their ratios printed. --json writes every figure as a row
{section, metric, unit, median, min, max, runs}.`;

const SECTIONS = ['ingest', 'encoder', 'query', 'peers', 'http-new', 'http-repeat', 'scale'] as const;
const args = cliArgs(
  usage,
  {
    collection: { type: 'string' },
    sections: { type: 'string' },
    runs: { type: 'string' },
    scale: { type: 'string' },
    'no-http': { type: 'boolean' },
    json: { type: 'string' },
  },
  z.object({
    collection: z.string().default('news-2022'),
    sections: z
      .string()
      .default(SECTIONS.join(','))
      .transform((s) => s.split(','))
      .pipe(z.array(z.enum(SECTIONS))),
    runs: z.coerce.number().int().min(1).max(50).default(5),
    scale: z
      .string()
      .default('1000,10000,100000')
      .transform((s) => s.split(',').map(Number))
      .pipe(z.array(z.number().int().min(10).max(1_000_000))),
    'no-http': z.boolean().default(false),
    json: z.string().optional(),
    positionals: z.array(z.string()).max(0, 'is not expected'),
  }),
);

/** One figure: its spread over runs (a single measurement has runs = 1). */
type Row = { section: string; metric: string; unit: string } & Spread;
const rows: Row[] = [];
const asSpread = (value: Spread | number): Spread =>
  typeof value === 'number' ? { median: value, min: value, max: value, runs: 1 } : value;
const fmt = (x: number, digits = 1) =>
  !Number.isFinite(x)
    ? String(x)
    : Math.abs(x) >= 1000
      ? x.toFixed(0)
      : Math.abs(x) >= 10 || digits === 0
        ? x.toFixed(digits)
        : x.toPrecision(3);
const add = (section: string, metric: string, value: Spread | number, unit: string) => {
  const row = { section, metric, unit, ...asSpread(value) };
  rows.push(row);
  console.error(`  ${section} · ${metric}: ${fmt(row.median)} [${fmt(row.min)}–${fmt(row.max)}] ${unit}`);
  return row;
};
/** A figure's ratio to its peer or limit, run by run where both were measured in each run. */
const addRatio = (section: string, metric: string, of: string, values: number[]) => add(section, `${metric} ÷ ${of}`, spread(values), '×');
const latencyRows = (section: string, metric: string, runs: { p50: number; p95: number; p99: number }[]) => {
  for (const p of ['p50', 'p95', 'p99'] as const) add(section, `${metric}: ${p}`, spread(runs.map((r) => r[p])), 'ms');
};
const pct = (xs: number[]) => ({ p50: percentile(xs, 0.5), p95: percentile(xs, 0.95), p99: percentile(xs, 0.99) });
const rate = async (n: number, work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return n / ((performance.now() - t) / 1000);
};

type Bench = {
  cfg: Config;
  searcher: Searcher;
  collection: CollectionData;
  passages: Passage[];
  questions: string[];
  answerable: { question: string; evidence: string[] }[];
  runs: number;
};

async function benchIngest({ cfg, collection, passages, runs }: Bench) {
  const { documents } = await loadCorpus(cfg.corpusDir);
  add(
    'ingest',
    'clean + chunk',
    await repeat(runs, () => {
      const t = performance.now();
      let n = 0;
      for (let r = 0; r < 3; r++)
        for (const d of documents)
          n += chunkDocument(d.id, cleanBody(d.body, { title: d.title, outlet: d.outlet }).blocks, cfg.chunking).length;
      return n / ((performance.now() - t) / 1000);
    }),
    'passages/s',
  );
  const writeDir = await mkdtemp(path.join(tmpdir(), 'bench-write-'));
  add(
    'ingest',
    `index write (${passages.length} passages)`,
    await repeat(runs, async () => {
      const t = performance.now();
      await writeCollection(await openStoreWriter({ indexDir: writeDir }), collection);
      return performance.now() - t;
    }),
    'ms',
  );
  await rm(writeDir, { recursive: true, force: true });
}

/**
 * The bundled encoder: its fast path (onnxruntime, one worker thread using the cores) against its
 * package's own path (TensorFlow.js on WebAssembly) in this thread and in a pool of threads, on the
 * same passages, run by run. The tiny Transformers.js model (pipeline cost, not a real model) runs
 * in a child process: onnxruntime-node is not loaded in two threads of one process.
 */
async function benchEncoder({ cfg, searcher, passages: all, runs }: Bench) {
  const count = Math.min(all.length, 160);
  const texts = Array.from({ length: count }, (_, i) => all[Math.floor((i * all.length) / count)]!.text);
  const chars = texts.reduce((s, t) => s + t.length, 0) / texts.length;
  const unit = 'passages/s';
  const fast = searcher.embedder?.id.startsWith('use:') ? searcher.embedder : await loadBundledEmbedder(cfg.embedding);
  const packagePath = await loadInThreadEmbedder({ kind: 'use-package' });
  const packagePool = await startEmbedderPool({ kind: 'use-package' }, cfg.embedding.threads ?? Math.min(2, availableParallelism()));
  const fastRates: number[] = [],
    packageRates: number[] = [],
    poolRates: number[] = [];
  for (let r = 0; r < runs; r++) {
    clearEmbeddingCache(fast);
    fastRates.push(await rate(count, () => fast.embedDocuments(texts)));
    packageRates.push(await rate(count, () => packagePath.embedDocuments(texts)));
    poolRates.push(await rate(count, () => packagePool.embedDocuments(texts)));
  }
  await packagePool.close();
  const what = `${count} passages of ${chars.toFixed(0)} characters`;
  add('encoder', `bundled encoder, fast path (onnxruntime, 1 worker thread), ${what}`, spread(fastRates), unit);
  add('encoder', 'bundled encoder, package path (calling thread)', spread(packageRates), unit);
  add('encoder', `bundled encoder, package path (${packagePool.threads} worker threads)`, spread(poolRates), unit);
  addRatio(
    'encoder',
    'fast path',
    'package path (calling thread)',
    fastRates.map((f, i) => f / packageRates[i]!),
  );
  addRatio(
    'encoder',
    'fast path',
    `package path (${packagePool.threads} worker threads)`,
    fastRates.map((f, i) => f / poolRates[i]!),
  );

  const script = `
    import { mkdtemp } from 'node:fs/promises';
    import { tmpdir } from 'node:os';
    import path from 'node:path';
    import { loadTransformersEmbedder } from './lib/embed/transformers.ts';
    import { ensureTinyModel } from './scripts/lib/tiny-model.ts';
    import { readFile } from 'node:fs/promises';
    const texts = JSON.parse(await readFile(process.env.BENCH_TEXTS, 'utf8'));
    const cfg = ${JSON.stringify(cfg.embedding)};
    const e = await loadTransformersEmbedder('dossier-tiny', { ...cfg, localModelPath: await ensureTinyModel(), allowRemoteModels: false, cacheDir: await mkdtemp(path.join(tmpdir(), 'bench-cache-')) });
    const rates = [];
    for (let r = 0; r < ${runs}; r++) { const t = performance.now(); await e.embedDocuments(texts); rates.push(texts.length / ((performance.now() - t) / 1000)); }
    console.log(JSON.stringify(rates));
    await e.close();`;
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-texts-'));
  const file = path.join(dir, 'texts.json');
  await writeFile(file, JSON.stringify(all.map((p) => p.text)));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, BENCH_TEXTS: file },
    maxBuffer: 1 << 26,
  }).finally(() => rm(dir, { recursive: true, force: true }));
  add(
    'encoder',
    'tiny test model, Transformers.js (random weights, 32 dims: the pipeline, not a model)',
    spread(JSON.parse(stdout.trim().split('\n').at(-1)!) as number[]),
    unit,
  );
}

async function benchQueries({ cfg, searcher, questions, runs }: Bench) {
  for (const mode of ['lexical', 'hybrid'] as const) {
    for (const concurrency of [1, 8]) {
      const perRun = [];
      for (let r = 0; r < runs; r++) {
        clearEmbeddingCache(searcher.embedder);
        perRun.push(pct((await runConcurrently(questions, concurrency, (q) => retrieve(searcher, q, { k: 5, mode }))).latencies));
      }
      latencyRows('query', `retrieval ${mode}${mode === 'hybrid' ? ' (embeds the question)' : ''}, concurrency ${concurrency}`, perRun);
    }
  }
  for (const concurrency of [1, 8]) {
    const perRun = [];
    for (let r = 0; r < runs; r++) {
      clearEmbeddingCache(searcher.embedder);
      perRun.push(
        pct(
          (await runConcurrently(questions, concurrency, (q) => answerOnce(cfg, [{ role: 'user', content: q }], { engine: 'local' })))
            .latencies,
        ),
      );
    }
    latencyRows('query', `local answer, empty embedding cache, concurrency ${concurrency}`, perRun);
  }
}

/** Same passages, same queries, same run; latency over all runs, quality on the first. */
async function benchPeers({ searcher, passages, answerable, runs }: Bench) {
  const peers: Peer[] = [
    {
      name: 'Dossier hybrid',
      search: async (q, k) => (await retrieve(searcher, q, { k, mode: 'hybrid' })).passages.map((p) => p.id),
      close: async () => {},
    },
    {
      name: 'Dossier lexical',
      search: async (q, k) => (await retrieve(searcher, q, { k, mode: 'lexical', diversify: false })).passages.map((p) => p.id),
      close: async () => {},
    },
    ...(searcher.embedder ? [await vectraDocumentPeer(passages, searcher.embedder)] : []),
    plainBm25Peer(passages),
  ];
  const textOf = new Map(passages.map((p) => [p.id, p.text]));
  for (const peer of peers) {
    const lat: number[] = [];
    let hit1 = 0,
      hit5 = 0,
      rr = 0;
    for (let r = 0; r < runs; r++) {
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
    add('peers', `${peer.name}: p50`, { ...asSpread(percentile(lat, 0.5)), runs }, 'ms');
    add('peers', `${peer.name}: p95`, { ...asSpread(percentile(lat, 0.95)), runs }, 'ms');
    add('peers', `${peer.name}: R@1`, hit1 / n, 'fraction');
    add('peers', `${peer.name}: R@5`, hit5 / n, 'fraction');
    add('peers', `${peer.name}: MRR`, rr / n, 'fraction');
    await peer.close();
  }
}

type Started = Awaited<ReturnType<typeof import('./lib/server').startServer>>;

/** `POST /api/ask` against the production server at 1, 8 and 32 connections, each run's latencies and the server's event-loop delay. */
async function askLoad(
  section: string,
  { questions, runs }: Bench,
  serverFor: (run: number) => Promise<{ server: Started; done(): Promise<void> }>,
  requests: (connections: number) => { durationMs: number; maxRequests?: number },
) {
  const body = (i: number) => JSON.stringify({ question: questions[i % questions.length] });
  // The server's own event-loop delay and busy time over a run: /api/health reports them since its last call.
  const loop = async (url: string) =>
    ((await (await fetch(`${url}/api/health`)).json()) as { eventLoop: { p99Ms: number; busyMs: number } }).eventLoop;
  for (const connections of [1, 8, 32]) {
    const perRun: { p50: number; p95: number; p99: number }[] = [],
      rps: number[] = [],
      loopP99: number[] = [],
      busyPerRequest: number[] = [];
    let errors = 0;
    for (let r = 0; r < Math.min(runs, 3); r++) {
      const { server, done } = await serverFor(r);
      try {
        await loop(server.url);
        const res = await httpLoad({ url: `${server.url}/api/ask`, method: 'POST', body, connections, ...requests(connections) });
        const window = await loop(server.url);
        loopP99.push(window.p99Ms);
        busyPerRequest.push(window.busyMs / res.latencies.length);
        errors += res.errors + res.non2xx;
        perRun.push(pct(res.latencies));
        rps.push(res.rps);
      } finally {
        await done();
      }
    }
    latencyRows(section, `POST /api/ask, ${connections} connections`, perRun);
    add(section, `POST /api/ask, ${connections} connections: throughput`, spread(rps), 'req/s');
    add(section, `POST /api/ask, ${connections} connections: server event-loop delay p99`, spread(loopP99), 'ms');
    // What a request costs the serving thread, which bounds throughput whatever the latency targets.
    add(section, `POST /api/ask, ${connections} connections: server thread busy per request`, spread(busyPerRequest), 'ms');
    add(section, `POST /api/ask, ${connections} connections: errors`, { ...asSpread(errors), runs: perRun.length }, 'requests');
  }
}

const serverEnv = ({ cfg }: Bench) => ({
  DOSSIER_INDEX_DIR: cfg.indexDir,
  DOSSIER_CORPUS_DIR: cfg.corpusDir,
  DOSSIER_ALLOW_REMOTE_MODELS: 'false',
  DOSSIER_EMBEDDING_MODEL: cfg.embedding.model,
});

/** Not a question of any eval set, so no measured question is ever a repeat. */
const WARM_UP_QUESTION = 'What did officials announce this week?';

/**
 * Questions the server has not seen: each run starts a server of its own and sends each question
 * at most once (its caches hold only what that run asked before); then /api/chat's timings.
 */
async function benchHttpNew(bench: Bench) {
  const { startServer } = await import('./lib/server');
  const fresh = async () => {
    const server = await startServer(serverEnv(bench));
    // One question outside the measured set first: the route's code is compiled on its first
    // request (the start-up warm-up loads the models, not the route), a cost of starting, not of a question.
    const warm = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: WARM_UP_QUESTION }),
    });
    await warm.body?.cancel();
    return { server, done: () => server.stop() };
  };
  // Enough new questions to keep every connection busy, never one asked twice.
  await askLoad('http, new questions', bench, fresh, (connections) => ({
    durationMs: 600_000,
    maxRequests: Math.min(bench.questions.length, Math.max(40, connections * 6)),
  }));
  const { server, done } = await fresh();
  try {
    const first: number[] = [],
      total: number[] = [];
    for (const q of bench.questions.slice(0, 10)) {
      const t = await chatTimings(`${server.url}/api/chat`, q);
      first.push(t.firstTokenMs);
      total.push(t.totalMs);
    }
    add('http, new questions', '/api/chat time to first streamed token (10 questions)', spread(first), 'ms');
    add('http, new questions', '/api/chat time to full answer (10 questions)', spread(total), 'ms');
  } finally {
    await done();
  }
}

/** Repeated questions: one server that has answered every question once, cycling through them again. */
async function benchHttpRepeat(bench: Bench) {
  const { startServer } = await import('./lib/server');
  const server = await startServer(serverEnv(bench));
  try {
    await httpLoad({
      url: `${server.url}/api/ask`,
      method: 'POST',
      body: (i) => JSON.stringify({ question: bench.questions[i] }),
      connections: 8,
      durationMs: 600_000,
      maxRequests: bench.questions.length,
    });
    await askLoad(
      'http, repeated questions',
      bench,
      async () => ({ server, done: async () => {} }),
      () => ({ durationMs: 5_000 }),
    );
  } finally {
    await server.stop();
  }
}

/** Memory bandwidth as this process sees it: bytes read and written per second by a 256 MB copy. */
function memoryBandwidth(): number {
  const src = Buffer.alloc(256 << 20, 1);
  const dst = Buffer.alloc(256 << 20);
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    src.copy(dst);
    best = Math.max(best, (2 * src.length) / ((performance.now() - t) / 1000) / 1e9);
  }
  return best;
}

/** Every file of a snapshot read as bytes: the floor under loading it. */
/** Loads the index in a new process (collected before and after) and reports the time and the resident memory it added. */
async function loadInChild(dir: string): Promise<{ ms: number; rssMb: number }> {
  const script = `
    import { loadSnapshot } from './lib/store/local/snapshot.ts';
    import { LocalSnapshotReader } from './lib/store/local/store.ts';
    globalThis.gc(); const before = process.memoryUsage().rss; const t = performance.now();
    const reader = new LocalSnapshotReader(await loadSnapshot(process.env.BENCH_INDEX));
    const ms = performance.now() - t; globalThis.gc();
    console.log(JSON.stringify({ ms, rssMb: (process.memoryUsage().rss - before) / 1e6, passages: (await reader.info()).passageCount }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, BENCH_INDEX: dir },
  });
  return z.object({ ms: z.number(), rssMb: z.number() }).parse(JSON.parse(stdout.trim().split('\n').at(-1)!));
}

async function rawRead(dir: string): Promise<number> {
  const t = performance.now();
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  await Promise.all(files.map((f) => readFile(path.join(f.parentPath, f.name))));
  return performance.now() - t;
}

/** Synthetic passages with random unit vectors, at each scale point. */
async function benchScale({ cfg, passages, questions, runs }: Bench, scale: number[]) {
  const sentences = passages.flatMap((p) => p.sentences.map((s) => s.text));
  const bandwidth = memoryBandwidth();
  add('scale', 'memory bandwidth (256 MB copy, read + write)', bandwidth, 'GB/s');
  for (const n of scale) {
    const dims = 384;
    const dir = await mkdtemp(path.join(tmpdir(), `bench-scale-${n}-`));
    // Analyses as ingest stores them, so the write and the load carry what a real collection's do.
    const data = synthesize(sentences, n, dims, { analyse: annotate });
    let t = performance.now();
    await writeCollection(await openStoreWriter({ indexDir: dir }), data);
    const writeMs = performance.now() - t;
    const snapshotDir = (await loadSnapshot(dir))!.dir;
    const raw = await repeat(Math.min(runs, 3), () => rawRead(snapshotDir));
    // Each load in a process of its own: a warm heap or a collector that has not run would
    // flatter (or, freeing the write's garbage, turn negative) the time and the memory it adds.
    const loads = [];
    for (let r = 0; r < runs; r++) loads.push(await loadInChild(dir));
    const snap = (await loadSnapshot(dir))!;
    const randomQuery: Embedder = {
      id: 'synthetic',
      label: 'random',
      dims,
      embedDocuments: async () => [],
      embedQuery: async () => normalizeVector(Float32Array.from({ length: dims }, () => Math.random() - 0.5)),
    };
    const s = await buildSearcher(new LocalSnapshotReader(snap), cfg.embedding, randomQuery);
    const queries = Array.from({ length: 20 }, () => normalizeVector(Float32Array.from({ length: dims }, () => Math.random() - 0.5)));
    const scores = new Float64Array(n);
    const scanMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      scanMs.push(
        percentile(
          queries.map((q) => {
            const t0 = performance.now();
            cosineScan(snap.vectors!, dims, q, scores);
            topIndices(scores, 10, null);
            return performance.now() - t0;
          }),
          0.5,
        ),
      );
    }
    const scanGbps = scanMs.map((ms) => (n * dims * 4) / (ms / 1000) / 1e9);
    const vectraIndex = new LocalIndex(path.join(snap.dir, 'vectra'), undefined, undefined, new ProtobufCodec());
    t = performance.now();
    await vectraIndex.listItems();
    const vectraLoadMs = performance.now() - t;
    const vectraMs: number[] = [];
    for (let r = 0; r < Math.min(runs, 3); r++) {
      const lat: number[] = [];
      for (const q of queries.slice(0, 5)) {
        const t0 = performance.now();
        await vectraIndex.queryItems(Array.from(q), '', 10);
        lat.push(performance.now() - t0);
      }
      vectraMs.push(percentile(lat, 0.5));
    }
    const lexical = await repeat(runs, async () => {
      const lat: number[] = [];
      for (const q of questions.slice(0, 20)) {
        const t0 = performance.now();
        await retrieve(s, q, { k: 10, mode: 'lexical' });
        lat.push(performance.now() - t0);
      }
      return percentile(lat, 0.5);
    });
    const at = `${n} passages`;
    add('scale', `${at}: write`, writeMs, 'ms');
    add('scale', `${at}: raw read of the snapshot files`, raw, 'ms');
    add('scale', `${at}: load (snapshot with postings, a fresh process each run)`, spread(loads.map((l) => l.ms)), 'ms');
    addRatio(
      'scale',
      `${at}: load`,
      'raw read of the snapshot files',
      loads.map((l) => l.ms / raw.median),
    );
    add('scale', `${at}: resident memory added by load`, spread(loads.map((l) => l.rssMb)), 'MB');
    add('scale', `${at}: dense top-10, contiguous scan`, spread(scanMs), 'ms');
    add('scale', `${at}: dense top-10 scan rate`, spread(scanGbps), 'GB/s');
    addRatio(
      'scale',
      `${at}: dense scan rate`,
      'memory bandwidth',
      scanGbps.map((g) => g / bandwidth),
    );
    add('scale', `${at}: dense top-10, vectra queryItems`, spread(vectraMs), 'ms');
    addRatio(
      'scale',
      `${at}: vectra queryItems`,
      'contiguous scan',
      vectraMs.map((v) => v / percentile(scanMs, 0.5)),
    );
    add('scale', `${at}: vectra load`, vectraLoadMs, 'ms');
    add('scale', `${at}: lexical top-10`, lexical, 'ms');
    await rm(dir, { recursive: true, force: true });
  }
}

runCli(async () => {
  const base = getConfig();
  const root = process.cwd();
  const [collection] = await loadCollections(path.join(root, 'eval/collections.json'), root, base.embedding.model, [args.collection]);
  if (!collection) throw new Error(`no collection named ${args.collection} in eval/collections.json`);
  const cfg: Config = { ...base, corpusDir: collection.corpusDir, indexDir: collection.indexDir };
  console.error(`Bringing the ${collection.name} index up to date (${path.relative(root, cfg.indexDir)})…`);
  const report = await ingest(cfg);
  for (const w of report.warnings) console.error(`  ${w}`);
  const searcher = await getSearcher(cfg);
  const gold = (await Promise.all(collection.questions.map((f) => loadJsonl(f, questionSchema)))).flat();
  const data = await readCollection(searcher.store);
  const passages = data.documents.flatMap((d) => d.passages);
  const bench: Bench = {
    cfg,
    searcher,
    collection: data,
    passages,
    questions: gold.map((q) => q.question),
    answerable: gold.filter((q) => q.answerable),
    runs: args.runs,
  };
  console.error(
    `Benchmarking ${collection.name}: ${passages.length} passages, ${gold.length} questions, embedder ${searcher.embedder?.id ?? 'none'}, ${args.runs} runs per figure.\n`,
  );

  const run = (section: (typeof SECTIONS)[number]) => args.sections.includes(section) && (!section.startsWith('http') || !args['no-http']);
  if (run('ingest')) await benchIngest(bench);
  if (run('encoder')) await benchEncoder(bench);
  if (run('query')) await benchQueries(bench);
  if (run('peers')) await benchPeers(bench);
  if (run('http-new')) await benchHttpNew(bench);
  if (run('http-repeat')) await benchHttpRepeat(bench);
  if (run('scale')) await benchScale(bench, args.scale);

  const machine = { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version };
  console.log(
    `\nDossier benchmark — ${new Date().toISOString()} — ${collection.name}, ${passages.length} passages, ${gold.length} questions — Node ${machine.node}, ${machine.cpus} cores; median [min–max] of the runs\n`,
  );
  console.log(
    table(
      ['section', 'metric', 'median', 'min', 'max', 'runs', 'unit'],
      rows.map((r) => [r.section, r.metric, fmt(r.median, 2), fmt(r.min, 2), fmt(r.max, 2), r.runs, r.unit]),
    ),
  );
  if (args.json)
    await writeFile(
      args.json,
      JSON.stringify({ generatedAt: new Date().toISOString(), collection: collection.name, machine, rows }, null, 2),
    );
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { synthesize } from './lib/bench/synth';
import { percentile } from './lib/bench/stats';
import { cliArgs, runCli } from './lib/cli/args';
import { table } from './lib/cli/table';
import { normalizeVector } from '@/lib/embed/types';
import { writeCollection } from '@/lib/store/collection';
import { openLocalStore } from '@/lib/store/local/store';
import { openStoreWriter } from '@/lib/store/open';
import { annotate } from '@/lib/nlp/annotate';
import { openPostgresStore, redactUrl } from '@/lib/store/postgres/store';
import type { SearchQuery, StoreReader } from '@/lib/store/types';
import { startPglite } from './lib/pglite';

const usage = `Usage: npm run bench:postgres [-- --scale 10000,100000] [--queries 50] [--candidates 100] [--url postgres://…]

The PostgreSQL store beside the local store on the same synthetic passages (random 384-dim unit
vectors, text recombined from the seed corpus's sentences) and queries: write rate, search latency
p50/p95 (hybrid, lexical), and recall@10 of the HNSW dense top-10 against exact search. Without
--url it starts PGlite (PostgreSQL in WebAssembly, one backend) on a loopback port; with --url the
database's collection is REPLACED.`;

const args = cliArgs(
  usage,
  { scale: { type: 'string' }, queries: { type: 'string' }, candidates: { type: 'string' }, url: { type: 'string' } },
  z.object({
    scale: z
      .string()
      .default('10000')
      .transform((s) => s.split(',').map(Number))
      .pipe(z.array(z.number().int().min(100).max(1_000_000))),
    queries: z.coerce.number().int().min(5).max(1000).default(50),
    candidates: z.coerce.number().int().min(10).max(1000).optional(),
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    positionals: z.array(z.string()).max(0, 'is not expected'),
  }),
);

const DIMS = 384;

async function timed(reader: StoreReader, queries: SearchQuery[]) {
  const ms: number[] = [];
  const results = [];
  for (const q of queries) {
    const t = performance.now();
    results.push(await reader.search(q));
    ms.push(performance.now() - t);
  }
  return { results, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
}

runCli(async () => {
  const seed = await openLocalStore(path.resolve(import.meta.dirname, '..', '.dossier'));
  const sentences: string[] = [];
  for await (const p of seed.scanPassages()) sentences.push(...p.sentences.map((s) => s.text));
  const rows: (string | number)[][] = [];
  for (const n of args.scale) {
    const data = synthesize(sentences, n, DIMS, { analyse: annotate });
    const dir = await mkdtemp(path.join(tmpdir(), `bench-postgres-${n}-`));
    const server = args.url ? null : await startPglite();
    const url = args.url ?? server!.url;
    const pg = await openPostgresStore(url, { sideCandidates: args.candidates });
    try {
      let t = performance.now();
      await writeCollection(await openStoreWriter({ indexDir: dir }), data);
      const localWrite = (performance.now() - t) / 1000;
      t = performance.now();
      await writeCollection(pg.writer, data);
      const pgWrite = (performance.now() - t) / 1000;
      const local = await openLocalStore(dir);

      let state = 7;
      const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      const texts = Array.from({ length: args.queries }, () =>
        sentences[Math.floor(rand() * sentences.length)]!.split(' ').slice(0, 6).join(' '),
      );
      const vectors = texts.map(() => normalizeVector(Float32Array.from({ length: DIMS }, () => rand() - 0.5)));
      const asked = (mode: SearchQuery['mode'], limit = 10) => texts.map((text, i) => ({ text, vector: vectors[i]!, mode, limit }));

      const [lh, ph] = [await timed(local, asked('hybrid')), await timed(pg.reader, asked('hybrid'))];
      const [ll, pl] = [await timed(local, asked('lexical')), await timed(pg.reader, asked('lexical'))];
      const [ld, pd] = [await timed(local, asked('dense')), await timed(pg.reader, asked('dense'))];
      const overlap = (a: { passageId: string }[][], b: { passageId: string }[][]) =>
        a.reduce(
          (sum, want, i) => sum + b[i]!.filter((c) => want.some((w) => w.passageId === c.passageId)).length / Math.max(1, want.length),
          0,
        ) / a.length;
      rows.push([
        n,
        `${(n / localWrite).toFixed(0)} / ${(n / pgWrite).toFixed(0)}`,
        `${lh.p50.toFixed(1)} / ${lh.p95.toFixed(1)}`,
        `${ph.p50.toFixed(1)} / ${ph.p95.toFixed(1)}`,
        `${ll.p50.toFixed(1)} / ${pl.p50.toFixed(1)}`,
        overlap(ld.results, pd.results).toFixed(3),
        overlap(ll.results, pl.results).toFixed(3),
        overlap(lh.results, ph.results).toFixed(3),
      ]);
      console.error(`${n} passages done (${args.url ? redactUrl(url) : 'PGlite'}).`);
    } finally {
      await pg.reader.close();
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(
    table(
      [
        'passages',
        'write passages/s local / pg',
        'hybrid p50 / p95 ms local',
        'hybrid p50 / p95 ms pg',
        'lexical p50 ms local / pg',
        'dense recall@10 pg vs exact',
        'lexical top-10 agreement',
        'hybrid top-10 agreement',
      ],
      rows,
    ),
  );
});

import { z } from 'zod';
import { cliArgs, runCli } from './lib/cli/args';
import { progressBar } from './lib/cli/progress';
import { getConfig } from '@/lib/config';
import { ingest, type IngestProgress } from '@/lib/ingest';
import { openStore } from '@/lib/store/open';
import { copyCollection } from '@/lib/store/postgres/copy';
import { openPostgresStore, redactUrl } from '@/lib/store/postgres/store';

const usage = `Usage: npm run ingest [-- --rebuild] [--quiet]
       npm run ingest -- --to postgres://user:password@host:5432/dossier

Indexes the articles in the corpus folder (DOSSIER_CORPUS_DIR, default ./corpus) into the local
index (DOSSIER_INDEX_DIR) or, when DOSSIER_DATABASE_URL is set, into that PostgreSQL database.
Unchanged articles are skipped; --rebuild re-indexes everything.
--to copies the local index, vectors included (nothing is re-embedded), into a PostgreSQL database
with pgvector; run again, it copies only what changed.`;

const args = cliArgs(
  usage,
  { rebuild: { type: 'boolean' }, quiet: { type: 'boolean' }, to: { type: 'string' } },
  z.object({
    rebuild: z.boolean().default(false),
    quiet: z.boolean().default(false),
    to: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL such as postgres://user:password@host:5432/dossier')
      .optional(),
    positionals: z.array(z.string()).max(0, 'is not expected: ingest takes only flags'),
  }),
);

runCli(async () => {
  const cfg = getConfig();
  const log = (line: string) => {
    if (!args.quiet) console.log(line);
  };
  const labels: Record<IngestProgress['phase'], string> = {
    read: 'Reading files',
    clean: 'Cleaning articles',
    analyse: 'Analysing sentences',
    embed: 'Embedding passages',
  };
  const bars = new Map<IngestProgress['phase'], ReturnType<typeof progressBar>>();
  const onProgress = (p: IngestProgress) => {
    // Reading and cleaning take seconds at most: worth watching in a terminal, noise in a log.
    if (args.quiet || p.total === 0 || (p.phase !== 'embed' && !process.stderr.isTTY)) return;
    if (!bars.has(p.phase)) bars.set(p.phase, progressBar(labels[p.phase].padEnd(18)));
    bars.get(p.phase)!.update(p.done, p.total);
  };
  if (args.to) {
    log(`Copying ${cfg.indexDir} into ${redactUrl(args.to)}`);
    const bar = args.quiet ? null : progressBar('Copying documents'.padEnd(18));
    const { writer } = await openPostgresStore(args.to);
    const copied = await copyCollection(await openStore({ indexDir: cfg.indexDir }), writer, (done, total) => bar?.update(done, total));
    await writer.close();
    log(`Documents: ${copied.documents} copied (${copied.passages} passages), ${copied.skipped} unchanged, ${copied.removed} removed.`);
    return;
  }
  log(`Indexing ${cfg.corpusDir} into ${cfg.databaseUrl ? redactUrl(cfg.databaseUrl) : cfg.indexDir}`);
  const started = performance.now();
  const report = await ingest(cfg, { rebuild: args.rebuild, onProgress });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  for (const w of report.warnings) console.warn(`\n⚠  ${w}`);
  log(
    `Embedder: ${report.embedder ? `${report.embedder.label} [${report.embedder.id}, ${report.embedder.dims} dims]` : 'none — lexical (BM25) retrieval only'}`,
  );
  if (report.rebuildReason) log(`Full rebuild: ${report.rebuildReason}.`);
  if (report.upToDate) log(`Index is up to date (${report.unchanged.length} documents, ${report.passageCount} passages).`);
  else {
    log(
      `Documents: ${report.added.length} added, ${report.changed.length} changed, ${report.unchanged.length} unchanged, ${report.removed.length} removed.`,
    );
    log(`Passages: ${report.passageCount} (${report.embeddedPassages} embedded now) in ${seconds} s. Revision ${report.revision}.`);
  }
  for (const s of report.skipped) console.error(`Skipped ${s.file}: ${s.reason}.`);
  if (report.skipped.length) {
    console.error(`${report.skipped.length} file(s) were skipped; the rest were indexed.`);
    return 3;
  }
});

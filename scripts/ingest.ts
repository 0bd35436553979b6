import { z } from 'zod';
import { cliArgs, runCli } from '../lib/cli/args';
import { progressBar } from '../lib/cli/progress';
import { getConfig } from '../lib/config';
import { ingest, type IngestProgress } from '../lib/ingest';

const usage = `Usage: npm run ingest [-- --rebuild] [--quiet]

Indexes the articles in the corpus folder (DOSSIER_CORPUS_DIR, default ./corpus).
Unchanged articles are skipped; --rebuild re-indexes everything.`;

const args = cliArgs(usage, { rebuild: { type: 'boolean' }, quiet: { type: 'boolean' } },
  z.object({ rebuild: z.boolean().default(false), quiet: z.boolean().default(false), positionals: z.array(z.string()).max(0, 'is not expected: ingest takes only flags') }));

runCli(async () => {
  const cfg = getConfig();
  const log = (line: string) => { if (!args.quiet) console.log(line); };
  const labels: Record<IngestProgress['phase'], string> = { read: 'Reading files', clean: 'Cleaning articles', embed: 'Embedding passages' };
  const bars = new Map<IngestProgress['phase'], ReturnType<typeof progressBar>>();
  const onProgress = (p: IngestProgress) => {
    // Reading and cleaning take seconds at most: worth watching in a terminal, noise in a log.
    if (args.quiet || p.total === 0 || (p.phase !== 'embed' && !process.stderr.isTTY)) return;
    if (!bars.has(p.phase)) bars.set(p.phase, progressBar(labels[p.phase].padEnd(18)));
    bars.get(p.phase)!.update(p.done, p.total);
  };
  log(`Indexing ${cfg.corpusDir} into ${cfg.indexDir}`);
  const started = performance.now();
  const report = await ingest(cfg, { rebuild: args.rebuild, onProgress });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  for (const w of report.warnings) console.warn(`\n⚠  ${w}`);
  log(`Embedder: ${report.embedder ? `${report.embedder.label} [${report.embedder.id}, ${report.embedder.dims} dims]` : 'none — lexical (BM25) retrieval only'}`);
  if (report.rebuildReason) log(`Full rebuild: ${report.rebuildReason}.`);
  if (report.upToDate) log(`Index is up to date (${report.unchanged.length} documents, ${report.passageCount} passages).`);
  else {
    log(`Documents: ${report.added.length} added, ${report.changed.length} changed, ${report.unchanged.length} unchanged, ${report.removed.length} removed.`);
    log(`Passages: ${report.passageCount} (${report.embeddedPassages} embedded now) in ${seconds} s. Revision ${report.revision}.`);
  }
  for (const s of report.skipped) console.error(`Skipped ${s.file}: ${s.reason}.`);
  if (report.skipped.length) {
    console.error(`${report.skipped.length} file(s) were skipped; the rest were indexed.`);
    return 3;
  }
});

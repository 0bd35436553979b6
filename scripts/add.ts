import { z } from 'zod';
import { cliArgs, runCli } from './lib/cli/args';
import { getConfig } from '@/lib/config';
import { describe, type Failed, type Saved } from '@/lib/fetch/library';
import { indexAndDescribe, saveLink } from '@/lib/fetch/links';

const usage = `Usage: npm run add -- <url>… [--feed <url>]… [--json]

Fetches each web page or PDF (and, for a feed, every article it links to), keeps it in the
corpus folder as received under outlet/date-slug with a .source.json note of where it came from,
then updates the index. Adding a link again updates its file.
--describe <file> (repeatable) reports on files already put in the corpus folder (the app's uploads).`;

const args = cliArgs(
  usage,
  { feed: { type: 'string', multiple: true }, describe: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  z.object({
    feed: z.array(z.string()).default([]),
    describe: z.array(z.string()).default([]),
    json: z.boolean().default(false),
    positionals: z.array(z.string()),
  }),
);

runCli(async () => {
  const cfg = getConfig();
  const results: (Saved | Failed)[] = args.describe.map((file) => ({ source: file, file, updated: false }));
  const attempt = async (source: string, work: () => Promise<(Saved | Failed)[]>) => {
    if (!args.json) console.log(`Fetching ${source}`);
    try {
      results.push(...(await work()));
    } catch (error) {
      results.push({ source, error: describe(error) });
    }
  };
  for (const url of args.positionals) await attempt(url, () => saveLink(cfg, url));
  for (const url of args.feed) await attempt(url, () => saveLink(cfg, url, 'feed'));
  if (!args.json) console.log('Indexing…');
  const { outcomes, report } = await indexAndDescribe(cfg, results);
  if (args.json) {
    console.log(JSON.stringify({ outcomes, documents: report.passageCount }));
    return;
  }
  for (const o of outcomes) {
    const what = o.documents.map((d) => `"${d.title}"`).join(', ');
    if (o.status === 'failed' || o.status === 'skipped') console.error(`Could not add ${o.source}: ${o.reason}.`);
    else console.log(`${o.status[0]!.toUpperCase()}${o.status.slice(1)} ${o.file}: ${what}`);
  }
  for (const w of report.warnings) console.warn(`⚠  ${w}`);
  return outcomes.some((o) => o.status === 'failed' || o.status === 'skipped') ? 3 : 0;
});

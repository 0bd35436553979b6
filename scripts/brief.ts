import { z } from 'zod';
import { brief } from '@/lib/brief/brief';
import { cliArgs, runCli } from './lib/cli/args';
import { getConfig } from '@/lib/config';
import { briefingJson } from '@/lib/http/shapes';

const usage = `Usage: npm run brief -- ["topic"] [--engine local|llm] [--json]

A briefing on a topic across all articles (no topic: the whole collection). "How did X change
over time" topics give a dated timeline.`;

const args = cliArgs(
  usage,
  { engine: { type: 'string' }, json: { type: 'boolean' } },
  z.object({
    positionals: z
      .array(z.string())
      .transform((p) => p.join(' ').trim())
      .pipe(z.string().max(500, 'is too long (500 characters at most)')),
    engine: z.enum(['local', 'llm'], { message: 'must be "local" or "llm"' }).optional(),
    json: z.boolean().default(false),
  }),
);

runCli(async () => {
  const b = await brief(getConfig(), args.positionals, { engine: args.engine });
  if (args.json) {
    console.log(JSON.stringify(briefingJson(b), null, 2));
    return;
  }
  for (const w of b.warnings) console.warn(`⚠  ${w}\n`);
  console.log(`${b.title}\n`);
  if (b.empty) console.log("The articles don't cover this topic.");
  let theme: string | undefined;
  for (const bullet of b.bullets) {
    if (b.kind === 'summary' && bullet.theme !== theme) {
      theme = bullet.theme;
      console.log(`\n${theme}`);
    }
    console.log(`  • ${bullet.text}`);
  }
  console.log(`\nSources`);
  for (const c of b.citations)
    console.log(`[${c.n}] ${c.title}${c.outlet ? ` — ${c.outlet}` : ''}${c.published ? `, ${c.published}` : ''} (${c.passageId})`);
  const used = b.articlesUsed.map(
    (d) => `${d.title}${d.outlet ? ` (${d.outlet}${d.published ? `, ${d.published}` : ''})` : d.published ? ` (${d.published})` : ''}`,
  );
  console.log(`\nArticles used (${used.length}): ${used.join('; ')}`);
});

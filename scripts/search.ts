import { z } from 'zod';
import { cliArgs, runCli } from './lib/cli/args';
import { questionText } from '@/lib/http/schemas';
import { getConfig } from '@/lib/config';
import { retrieve } from '@/lib/retrieve/retrieve';
import { searchJson } from '@/lib/http/shapes';
import { getSearcher } from '@/lib/retrieve/searcher';
import { snippet } from '@/lib/text/highlight';

const usage = `Usage: npm run search -- "question" [--k 5] [--mode hybrid|lexical|dense] [--outlet NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]`;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');
const args = cliArgs(
  usage,
  {
    k: { type: 'string' },
    mode: { type: 'string' },
    outlet: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
  },
  z.object({
    positionals: z
      .array(z.string())
      .min(1, 'missing: give a question in quotes')
      .transform((p) => p.join(' ').trim())
      .pipe(questionText()),
    k: z.coerce.number().int().min(1).max(100).optional(),
    mode: z.enum(['hybrid', 'lexical', 'dense']).default('hybrid'),
    outlet: z.array(z.string()).optional(),
    from: date.optional(),
    to: date.optional(),
    json: z.boolean().default(false),
  }),
);

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1;33m${s}\x1b[0m` : `**${s}**`);

runCli(async () => {
  const cfg = getConfig();
  const searcher = await getSearcher(cfg);
  const started = performance.now();
  const result = await retrieve(searcher, args.positionals, {
    k: args.k ?? cfg.topK,
    mode: args.mode,
    filter: { outlets: args.outlet, from: args.from, to: args.to },
  });
  const ms = performance.now() - started;
  if (args.json) {
    console.log(JSON.stringify({ ...searchJson(args.positionals, result), ms: Math.round(ms * 10) / 10 }, null, 2));
    return;
  }
  for (const w of result.warnings) console.warn(`⚠  ${w}\n`);
  console.log(`${result.passages.length} passages (${result.mode}, ${ms.toFixed(0)} ms)\n`);
  result.passages.forEach((p, i) => {
    const s = snippet(p.text, args.positionals);
    let out = '';
    let at = 0;
    for (const [a, b] of s.ranges) {
      out += s.text.slice(at, a) + bold(s.text.slice(a, b));
      at = b;
    }
    out += s.text.slice(at);
    const meta = [p.doc.outlet, p.doc.published].filter(Boolean).join(', ');
    console.log(`${i + 1}. [${p.score.toFixed(3)}] ${p.doc.title}${meta ? ` — ${meta}` : ''}  (${p.id}, chars ${p.start}-${p.end})`);
    console.log(`   ${out}`);
    if (p.corroborating.length)
      console.log(`   also reported by: ${p.corroborating.map((c) => `${c.doc.outlet ?? c.doc.title} (${c.id})`).join('; ')}`);
    console.log();
  });
});

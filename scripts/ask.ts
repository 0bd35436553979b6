import { z } from 'zod';
import { answer } from '@/lib/answer/answer';
import type { Answer, Citation } from '@/lib/answer/types';
import { cliArgs, runCli } from './lib/cli/args';
import { questionText } from '@/lib/http/schemas';
import { getConfig } from '@/lib/config';
import { answerJson } from '@/lib/http/shapes';
import { openStore } from '@/lib/store/open';
import { normalizeDisplay } from '@/lib/text/normalize';

const usage = `Usage: npm run ask -- "question" [--engine local|llm] [--k 6] [--json]

Answers from the indexed articles, with numbered citations. --json prints the structured result.`;

const args = cliArgs(
  usage,
  { engine: { type: 'string' }, k: { type: 'string' }, json: { type: 'boolean' } },
  z.object({
    positionals: z
      .array(z.string())
      .min(1, 'missing: give a question in quotes')
      .transform((p) => p.join(' ').trim())
      .pipe(questionText()),
    engine: z.enum(['local', 'llm'], { message: 'must be "local" or "llm"' }).optional(),
    k: z.coerce.number().int().min(1).max(50).optional(),
    json: z.boolean().default(false),
  }),
);

/** The cited sentences themselves when the answer marked them, else the start of the passage. */
function quote(c: Citation, original: string | undefined): string {
  if (c.spans.length && original) return c.spans.map(([a, b]) => normalizeDisplay(original.slice(a, b))).join(' … ');
  return c.text.length > 400 ? `${c.text.slice(0, 400)}…` : c.text;
}

function printSources(title: string, citations: Citation[], bodies: Record<string, string>) {
  if (!citations.length) return;
  console.log(`\n${title}`);
  for (const c of citations) {
    const meta = [c.outlet, c.published].filter(Boolean).join(', ');
    console.log(`[${c.n}] ${c.title}${meta ? ` — ${meta}` : ''} (${c.passageId}, chars ${c.start}-${c.end})`);
    console.log(`    "${quote(c, bodies[c.docId])}"`);
  }
}

runCli(async () => {
  const cfg = getConfig();
  let result: Answer | undefined;
  for await (const event of answer(cfg, [{ role: 'user', content: args.positionals }], { engine: args.engine, k: args.k })) {
    if (event.type === 'done') result = event.answer;
    if (args.json) continue;
    if (event.type === 'warning') console.warn(`⚠  ${event.message}\n`);
    if (event.type === 'text') process.stdout.write(event.delta);
  }
  if (!result) throw new Error('No answer was produced.');
  if (args.json) {
    console.log(JSON.stringify(answerJson(result), null, 2));
    return;
  }
  console.log();
  const weak = result.checks.filter((c) => c.verdict !== 'supported');
  for (const w of weak)
    console.log(`  (${w.verdict === 'uncited' ? 'no citation' : `weak support ${w.support}`}: "${w.sentence.slice(0, 80)}…")`);
  if (result.removedMarkers) console.log(`  (${result.removedMarkers} citation marker(s) pointed at no source and were removed)`);
  const store = await openStore(cfg);
  const cited = [...new Set([...result.citations, ...result.related].map((c) => c.docId))];
  const bodies = Object.fromEntries(await Promise.all(cited.map(async (id) => [id, (await store.documentText(id)) ?? ''] as const)));
  printSources('Sources', result.citations, bodies);
  printSources('Closest passages', result.related, bodies);
  console.log(`\n${result.engine} engine, ${result.timings.totalMs.toFixed(0)} ms`);
});

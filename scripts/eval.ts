import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { cliArgs, runCli } from '../lib/cli/args';
import { progressBar } from '../lib/cli/progress';
import { table } from '../lib/cli/table';
import { getConfig } from '../lib/config';
import { loadJsonl, questionSchema, type GoldQuestion } from '../lib/eval/gold';
import { containsAny, firstHit, summarize } from '../lib/eval/metrics';
import { retrieve, type RetrievalMode } from '../lib/retrieve/retrieve';
import { getSearcher } from '../lib/retrieve/searcher';

const usage = `Usage: npm run eval -- --questions FILE.jsonl [--questions MORE.jsonl] [--k 5] [--json OUT.json]

Scores retrieval (hybrid, and the lexical-only and dense-only baselines side by side) on gold questions.`;

const args = cliArgs(
  usage,
  { questions: { type: 'string', multiple: true }, k: { type: 'string' }, json: { type: 'string' } },
  z.object({
    questions: z.array(z.string()).min(1, 'is required: give a JSON-lines gold file'),
    k: z.coerce.number().int().min(1).max(50).default(5),
    json: z.string().optional(),
    positionals: z.array(z.string()).max(0, 'is not expected'),
  }),
);

const DEPTH = 10;

runCli(async () => {
  const cfg = getConfig();
  const searcher = await getSearcher(cfg);
  for (const w of searcher.warnings) console.warn(`⚠  ${w}\n`);
  const modes: RetrievalMode[] = searcher.embedder ? ['hybrid', 'lexical', 'dense'] : ['lexical'];
  console.log(`Index: ${searcher.snapshot.manifest.passageCount} passages, embedder ${searcher.snapshot.manifest.embedder?.id ?? 'none (lexical only)'}\n`);
  const output: { summary: Record<string, unknown>; questions: unknown[] } = { summary: {}, questions: [] };

  for (const file of args.questions) {
    const questions = await loadJsonl(file, questionSchema);
    const answerable = questions.filter((q) => q.answerable);
    const setName = path.basename(file, path.extname(file));
    const bar = progressBar(`Evaluating ${setName}`);
    const perMode = new Map<RetrievalMode, { q: GoldQuestion; relevant: boolean[]; totalRelevant: number; ms: number }[]>();
    let done = 0;
    for (const q of questions) {
      const totalRelevant = searcher.snapshot.passages.filter((p) => containsAny(p.text, q.evidence)).length;
      const record: Record<string, unknown> = { id: q.id, set: setName, question: q.question, answerable: q.answerable };
      for (const mode of modes) {
        const started = performance.now();
        // Baselines are plain rankings; hybrid is the product's ranking (fused, then diversified).
        const result = await retrieve(searcher, q.question, { k: Math.max(DEPTH, args.k), mode, diversify: mode === 'hybrid' });
        const ms = performance.now() - started;
        const relevant = result.passages.map((p) => q.answerable && containsAny(p.text, q.evidence));
        if (q.answerable) {
          if (!perMode.has(mode)) perMode.set(mode, []);
          perMode.get(mode)!.push({ q, relevant, totalRelevant, ms });
        }
        const passages = result.passages.slice(0, args.k).map((p, i) => ({ id: p.id, docId: p.docId, text: p.text, score: p.score, relevant: relevant[i] }));
        if (mode === modes[0]) Object.assign(record, { mode, passages, firstRelevantRank: firstHit(relevant) || null });
        else record[`${mode}Passages`] = passages.map(({ id, docId, score, relevant: r }) => ({ id, docId, score, relevant: r }));
      }
      output.questions.push(record);
      bar.update(++done, questions.length);
    }

    const rows = modes.map((mode) => {
      const r = perMode.get(mode) ?? [];
      const m = summarize(r);
      const ms = r.map((x) => x.ms).sort((a, b) => a - b);
      (output.summary[setName] ??= {} as Record<string, unknown>) as Record<string, unknown>;
      (output.summary[setName] as Record<string, unknown>)[mode] = { ...m, medianMs: ms[Math.floor(ms.length / 2)] ?? 0 };
      return [mode, m.n, m['recall@1'], m['recall@3'], m['recall@5'], m['recall@10'], m.mrr, m['ndcg@10'], ms[Math.floor(ms.length / 2)] ?? 0];
    });
    console.log(`\n${setName}: ${questions.length} questions (${answerable.length} answerable)`);
    console.log(table(['retrieval', 'n', 'R@1', 'R@3', 'R@5', 'R@10', 'MRR', 'nDCG@10', 'ms p50'], rows));

    const primary = perMode.get(modes[0]!) ?? [];
    const misses = primary.filter((r) => { const h = firstHit(r.relevant); return h === 0 || h > args.k; });
    if (misses.length) {
      console.log(`\nMisses (${modes[0]}, no relevant passage in top ${args.k}):`);
      console.log(table(['id', 'first hit', 'question'], misses.map((r) => [r.q.id, firstHit(r.relevant) || '-', r.q.question.slice(0, 90)])));
    }
    console.log();
  }

  if (args.json) {
    await writeFile(args.json, JSON.stringify(output, null, 2));
    console.log(`Wrote ${args.json}`);
  }
});

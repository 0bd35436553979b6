// `npm run calibrate`: the local engine's refusal, alignment and answer-length thresholds swept over the dev sets
// of every collection in eval/collections.json, as a whole. Prints, for each setting, answer
// accuracy, first-sentence accuracy, refusals of unanswerable questions and false refusals, so a
// threshold is chosen from the aggregate, never from single questions.
import path from 'node:path';
import { z } from 'zod';
import { composeLocalAnswer } from '@/lib/answer/local';
import { WEIGHTS } from '@/lib/answer/sentences';
import { cliArgs, runCli } from './lib/cli/args';
import { getConfig } from '@/lib/config';
import { median } from './lib/eval/answer-text';
import { scoreText } from './lib/eval/answers';
import { loadCollections } from './lib/eval/collections';
import { loadJsonl, questionSchema, type GoldQuestion } from './lib/eval/gold';
import { ingest } from '@/lib/ingest';
import { retrieve, type RetrievalResult } from '@/lib/retrieve/retrieve';
import { getSearcher, type Searcher } from '@/lib/retrieve/searcher';

const ROOT = path.resolve(import.meta.dirname, '..');
const list = (max: number) =>
  z
    .string()
    .transform((s) => s.split(',').map(Number))
    .pipe(z.array(z.number().min(0).max(max)).min(1));
const args = cliArgs(
  'Usage: npm run calibrate [-- --refusal 0.3,0.36,0.4] [--answer-alignment 0.5,0.6] [--answer-choice 0.3,1] [--key-name-missing 0.6,0.7] [--loose-lead 0.5,0.55] [--collection NAME ...]',
  {
    refusal: { type: 'string' },
    'answer-alignment': { type: 'string' },
    'answer-choice': { type: 'string' },
    'key-name-missing': { type: 'string' },
    'loose-lead': { type: 'string' },
    collection: { type: 'string', multiple: true },
  },
  z.object({
    refusal: list(2).default([0.28, 0.32, 0.36, 0.4, 0.44]),
    'answer-alignment': list(1).default([0.5, 0.6, 0.7]),
    'answer-choice': list(5).default([WEIGHTS.answerChoice]),
    'key-name-missing': list(1).default([WEIGHTS.keyNameMissing]),
    'loose-lead': list(1).default([WEIGHTS.looseLead]),
    collection: z.array(z.string()).default([]),
    positionals: z.array(z.string()).max(0, 'takes no arguments'),
  }),
);

runCli(async () => {
  const base = getConfig();
  const collections = await loadCollections(path.join(ROOT, 'eval', 'collections.json'), ROOT, base.embedding.model, args.collection);
  const runs: { name: string; cases: { q: GoldQuestion; retrieved: RetrievalResult }[]; searcher: Searcher }[] = [];
  for (const c of collections) {
    const cfg = { ...base, corpusDir: c.corpusDir, indexDir: c.indexDir };
    // Incremental: a no-op when the collection's index is current.
    await ingest(cfg);
    const searcher = await getSearcher(cfg);
    const questions = (await Promise.all(c.questions.map((f) => loadJsonl(f, questionSchema)))).flat();
    const cases = [];
    for (const q of questions) cases.push({ q, retrieved: await retrieve(searcher, q.question, { k: Math.max(base.topK, 6) }) });
    runs.push({ name: c.name, cases, searcher });
    console.log(
      `${c.name}: ${questions.length} questions, index ${path.relative(ROOT, c.indexDir)} (${searcher.embedder ? searcher.embedder.label : 'lexical only'})`,
    );
  }

  const pct = (x: number) => x.toFixed(3);
  console.log(
    `\n${['refusal', 'align', 'choice', 'key', 'loose', ...runs.flatMap((r) => [`${r.name} correct`, 'first', 'refuses', 'false ref.', 'words'])].join('\t')}`,
  );
  const grid = args.refusal.flatMap((refusal) =>
    args['answer-alignment'].flatMap((answerAlignment) =>
      args['answer-choice'].flatMap((answerChoice) =>
        args['key-name-missing'].flatMap((keyNameMissing) =>
          args['loose-lead'].map((looseLead) => ({ refusal, answerAlignment, answerChoice, keyNameMissing, looseLead })),
        ),
      ),
    ),
  );
  for (const setting of grid) {
    Object.assign(WEIGHTS, setting);
    const cells: string[] = [setting.refusal, setting.answerAlignment, setting.answerChoice, setting.keyNameMissing, setting.looseLead].map(
      String,
    );
    for (const r of runs) {
      let correct = 0,
        first = 0,
        answerable = 0,
        refusedUnanswerable = 0,
        unanswerable = 0,
        falseRefusals = 0;
      const lengths: number[] = [];
      for (const { q, retrieved } of r.cases) {
        const a = await composeLocalAnswer(r.searcher, q.question, retrieved.passages);
        const s = scoreText(q, a.text, a.refused);
        if (q.answerable) {
          answerable++;
          correct += Number(s.correct);
          first += Number(s.firstSentenceCorrect);
          falseRefusals += Number(a.refused);
          if (!a.refused) lengths.push(s.words);
        } else {
          unanswerable++;
          refusedUnanswerable += Number(a.refused);
        }
      }
      cells.push(
        pct(correct / answerable),
        pct(first / answerable),
        unanswerable ? pct(refusedUnanswerable / unanswerable) : '—',
        pct(falseRefusals / answerable),
        String(median(lengths)),
      );
    }
    console.log(cells.join('\t'));
  }
});

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { AnswerEngine } from '../lib/answer/types';
import { cliArgs, runCli } from '../lib/cli/args';
import { progressBar } from '../lib/cli/progress';
import { table } from '../lib/cli/table';
import { getConfig } from '../lib/config';
import { evaluateAnswer, summarizeAnswers, type AnswerRecord } from '../lib/eval/answers';
import { briefTopicSchema, evaluateBrief, summarizeBriefs, type BriefRecord } from '../lib/eval/briefs';
import { loadJsonl, questionSchema, type GoldQuestion } from '../lib/eval/gold';
import { containsAny, firstHit, summarize } from '../lib/eval/metrics';
import { retrieve, type RetrievalMode } from '../lib/retrieve/retrieve';
import { getSearcher } from '../lib/retrieve/searcher';

const usage = `Usage: npm run eval -- --questions FILE.jsonl [--questions MORE.jsonl] [--briefs TOPICS.jsonl] [--k 5] [--engine local|llm|all|none] [--json OUT.json]

Scores retrieval (hybrid, with lexical-only and dense-only baselines side by side) and answers
(accuracy, citation precision and coverage, refusals, latency) on gold questions; --briefs scores
briefings (fact coverage, cited-bullet share, duplicate bullets) on topics with required facts.`;

const args = cliArgs(
  usage,
  { questions: { type: 'string', multiple: true }, briefs: { type: 'string' }, k: { type: 'string' }, json: { type: 'string' }, engine: { type: 'string' } },
  z.object({
    questions: z.array(z.string()).default([]),
    briefs: z.string().optional(),
    k: z.coerce.number().int().min(1).max(50).default(5),
    json: z.string().optional(),
    engine: z.enum(['local', 'llm', 'all', 'none'], { message: 'must be local, llm, all or none' }).optional(),
    positionals: z.array(z.string()).max(0, 'is not expected'),
  }).refine((a) => a.questions.length > 0 || a.briefs, { message: 'is required: give --questions FILE.jsonl and/or --briefs FILE.jsonl', path: ['questions'] }),
);

const DEPTH = 10;
type RetrievalVariant = { name: string; mode: RetrievalMode; diversify: boolean };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

runCli(async () => {
  const cfg = getConfig();
  const searcher = await getSearcher(cfg);
  for (const w of searcher.warnings) console.warn(`⚠  ${w}\n`);
  // Baselines are plain rankings; hybrid is the product's ranking (fused, then diversified). The
  // fused-only row separates the fusion from MMR, which by design moves corroborating copies of a
  // passage out of the list (costing nDCG, which counts every relevant copy).
  const variants: RetrievalVariant[] = searcher.embedder
    ? [{ name: 'hybrid', mode: 'hybrid', diversify: true }, { name: 'hybrid-fused', mode: 'hybrid', diversify: false }, { name: 'lexical', mode: 'lexical', diversify: false }, { name: 'dense', mode: 'dense', diversify: false }]
    : [{ name: 'lexical', mode: 'lexical', diversify: false }];
  const modes = variants.map((v) => v.name);
  const engines: AnswerEngine[] =
    args.engine === 'none' ? [] : args.engine === 'all' ? ['local', 'llm'] : args.engine ? [args.engine] : cfg.llm ? ['local', 'llm'] : ['local'];
  if (engines.includes('llm') && !cfg.llm) throw new Error('--engine llm needs an LLM: set DOSSIER_LLM_PROVIDER (see README).');
  console.log(`Index: ${searcher.snapshot.manifest.passageCount} passages, embedder ${searcher.snapshot.manifest.embedder?.id ?? 'none (lexical only)'}; engines: ${engines.join(', ') || 'none'}\n`);
  const output: { summary: Record<string, Record<string, unknown>>; questions: Record<string, unknown>[] } = { summary: {}, questions: [] };

  for (const file of args.questions) {
    const questions = await loadJsonl(file, questionSchema);
    const setName = path.basename(file, path.extname(file));
    const summary: Record<string, unknown> = (output.summary[setName] = {});
    const bar = progressBar(`Retrieval ${setName}`);
    const perMode = new Map<string, { q: GoldQuestion; relevant: boolean[]; totalRelevant: number; ms: number }[]>(modes.map((m) => [m, []]));
    const records = new Map<string, Record<string, unknown>>();
    for (const [i, q] of questions.entries()) {
      const totalRelevant = searcher.snapshot.passages.filter((p) => containsAny(p.text, q.evidence)).length;
      const record: Record<string, unknown> = { id: q.id, set: setName, question: q.question, answerable: q.answerable };
      for (const { name: mode, mode: retrievalMode, diversify } of variants) {
        const started = performance.now();
        const result = await retrieve(searcher, q.question, { k: Math.max(DEPTH, args.k), mode: retrievalMode, diversify });
        const ms = performance.now() - started;
        const relevant = result.passages.map((p) => q.answerable && containsAny(p.text, q.evidence));
        if (q.answerable) perMode.get(mode)!.push({ q, relevant, totalRelevant, ms });
        const passages = result.passages.slice(0, args.k).map((p, r) => ({ id: p.id, docId: p.docId, text: p.text, score: p.score, relevant: relevant[r] }));
        if (mode === modes[0]) Object.assign(record, { retrieval: retrievalMode, passages, firstRelevantRank: firstHit(relevant) || null });
        else record[`${mode}Passages`] = passages.map(({ id, docId, score, relevant: r }) => ({ id, docId, score, relevant: r }));
      }
      records.set(q.id, record);
      output.questions.push(record);
      bar.update(i + 1, questions.length);
    }

    const answerable = questions.filter((q) => q.answerable).length;
    console.log(`\n${setName}: ${questions.length} questions (${answerable} answerable)`);
    console.log(table(['retrieval', 'n', 'R@1', 'R@3', 'R@5', 'R@10', 'MRR', 'nDCG@10', 'ms p50'], modes.map((mode) => {
      const rows = perMode.get(mode)!;
      const m = summarize(rows);
      summary[mode] = { ...m, medianMs: median(rows.map((r) => r.ms)) };
      return [mode, m.n, m['recall@1'], m['recall@3'], m['recall@5'], m['recall@10'], m.mrr, m['ndcg@10'], median(rows.map((r) => r.ms))];
    })));
    const misses = perMode.get(modes[0]!)!.filter((r) => { const h = firstHit(r.relevant); return h === 0 || h > args.k; });
    if (misses.length) {
      console.log(`\nRetrieval misses (${modes[0]}, no relevant passage in top ${args.k}):`);
      console.log(table(['id', 'first hit', 'question'], misses.map((r) => [r.q.id, firstHit(r.relevant) || '-', r.q.question.slice(0, 90)])));
    }

    const answerRows: (string | number)[][] = [];
    for (const engine of engines) {
      const abar = progressBar(`Answers ${setName} (${engine})`);
      const results: AnswerRecord[] = [];
      for (const [i, q] of questions.entries()) {
        const r = await evaluateAnswer(cfg, q, engine);
        results.push(r);
        const record = records.get(q.id)!;
        const fields = {
          answer: r.answer.text,
          citations: r.answer.citations.map((c) => ({ n: c.n, docId: c.docId, passageId: c.passageId, text: c.text })),
          refused: r.answer.refused,
          correct: r.correct,
          checks: r.answer.checks,
          ms: Math.round(r.ms),
        };
        // The first engine's answer keeps the documented field names; others are namespaced.
        if (engine === engines[0]) Object.assign(record, fields, { engine });
        else record[engine] = fields;
        abar.update(i + 1, questions.length);
      }
      const m = summarizeAnswers(results);
      summary[`answers:${engine}`] = m;
      answerRows.push([engine, m.accuracy, m.citationPrecision, m.citationCoverage, m.refusalAccuracy, m.falseRefusals, m.weakCitations, m.removedMarkers, m.p50Ms, m.p95Ms]);
      const wrong = results.filter((r) => (r.q.answerable && !r.correct) || (!r.q.answerable && !r.answer.refused));
      if (wrong.length) {
        console.log(`\nAnswer misses (${engine}):`);
        console.log(table(['id', 'kind', 'question'], wrong.map((r) => [r.q.id, !r.q.answerable ? 'answered unanswerable' : r.answer.refused ? 'false refusal' : 'gold answer missing', r.q.question.slice(0, 80)])));
      }
    }
    if (answerRows.length) {
      console.log(`\n${setName} answers (accuracy over ${answerable} answerable, refusal accuracy over ${questions.length - answerable} unanswerable)`);
      console.log(table(['engine', 'accuracy', 'cite prec', 'cite cover', 'refusal acc', 'false refusal', 'weak cites', 'bad markers', 'ms p50', 'ms p95'], answerRows));
    }
    console.log();
  }

  if (args.briefs) {
    const topics = await loadJsonl(args.briefs, briefTopicSchema);
    const rows: (string | number)[][] = [];
    const briefs: Record<string, unknown>[] = [];
    for (const engine of engines) {
      const bar = progressBar(`Briefings (${engine})`);
      const records: BriefRecord[] = [];
      for (const [i, t] of topics.entries()) {
        const r = await evaluateBrief(cfg, t, engine);
        records.push(r);
        briefs.push({ id: t.id, engine, topic: t.topic, title: r.briefing.title, bullets: r.briefing.bullets.map((b) => ({ text: b.text, citations: b.citations.map((c) => ({ n: c.n, docId: c.docId, text: c.text })) })), missingFacts: t.facts.filter((_, j) => !r.covered[j]) });
        bar.update(i + 1, topics.length);
      }
      const m = summarizeBriefs(records);
      output.summary[`briefs:${engine}`] = m;
      rows.push([engine, m.topics, m.factCoverage, m.citedBulletShare, m.duplicateBullets, m.bulletsPerBriefing, m.supportedShare]);
      console.log(`\nBriefing facts missed (${engine}):`);
      console.log(table(['id', 'topic', 'missing facts'], records.filter((r) => r.covered.includes(false)).map((r) => [r.t.id, (r.t.topic || '(whole collection)').slice(0, 40), r.t.facts.filter((_, j) => !r.covered[j]).map((f) => f[0]).join('; ').slice(0, 80)])));
    }
    console.log(`\nBriefings: ${topics.length} topics`);
    console.log(table(['engine', 'topics', 'fact cover', 'cited bullets', 'dup bullets', 'bullets/brief', 'supported'], rows));
    (output as Record<string, unknown>).briefs = briefs;
  }

  if (args.json) {
    await writeFile(args.json, JSON.stringify(output, null, 2));
    console.log(`Wrote ${args.json}`);
  }
});

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { AnswerEngine } from '@/lib/answer/types';
import { cliArgs, runCli } from './lib/cli/args';
import { progressBar } from './lib/cli/progress';
import { table } from './lib/cli/table';
import { getConfig, type Config } from '@/lib/config';
import { median } from './lib/eval/answer-text';
import { breakdown, evaluateAnswer, summarizeAnswers, type AnswerMetrics, type AnswerRecord } from './lib/eval/answers';
import { briefTopicSchema, evaluateBrief, summarizeBriefs, type BriefRecord } from './lib/eval/briefs';
import { evalIndexDir, loadCollections, type EvalCollection } from './lib/eval/collections';
import { loadJsonl, questionSchema, type GoldQuestion } from './lib/eval/gold';
import { containsAny, firstHit, summarize, type RetrievalMetrics } from './lib/eval/metrics';
import { ingest } from '@/lib/ingest';
import { retrieve, type RetrievalMode } from '@/lib/retrieve/retrieve';
import { briefingJson, citationJson } from '@/lib/http/shapes';
import { getSearcher } from '@/lib/retrieve/searcher';
import { openStore } from '@/lib/store/open';
import { copyCollection } from '@/lib/store/postgres/copy';
import { openPostgresStore, redactUrl } from '@/lib/store/postgres/store';
import type { Passage } from '@/lib/store/types';

const ROOT = path.resolve(import.meta.dirname, '..');
const COLLECTIONS_FILE = path.join(ROOT, 'eval', 'collections.json');

const usage = `Usage: npm run eval [-- --collection NAME ...] [--k 5] [--engine local|llm|all|none] [--store postgres://…] [--json OUT.json]
       npm run eval -- --questions FILE.jsonl [--questions MORE.jsonl] [--briefs TOPICS.jsonl] [--corpus DIR] [--index DIR] [...]

Without --questions/--briefs, evaluates every collection in eval/collections.json (or those named
with --collection) and prints them side by side; each collection's index is kept up to date in
.dossier-eval/<name> by an incremental ingest. With --questions/--briefs, evaluates one collection:
--corpus DIR (default DOSSIER_CORPUS_DIR) indexed into --index DIR (default .dossier-eval/<folder
name> with --corpus, else DOSSIER_INDEX_DIR).

Scores retrieval (hybrid, with lexical-only and dense-only baselines), answers (accuracy, answer in
the first sentence, short-answer exact match and F1, length, refusals, citations, latency) and
briefings (fact coverage, cited bullets, duplicates).

--store URL evaluates from a PostgreSQL database instead: each collection's local index is copied
into it (vectors included, only what changed) and everything is then read from the database. The
database's collection is REPLACED by each evaluated collection in turn.`;

const args = cliArgs(
  usage,
  {
    questions: { type: 'string', multiple: true },
    briefs: { type: 'string', multiple: true },
    collection: { type: 'string', multiple: true },
    corpus: { type: 'string' },
    index: { type: 'string' },
    k: { type: 'string' },
    json: { type: 'string' },
    engine: { type: 'string' },
    store: { type: 'string' },
  },
  z
    .object({
      questions: z.array(z.string()).default([]),
      briefs: z.array(z.string()).default([]),
      collection: z.array(z.string()).default([]),
      corpus: z.string().min(1).optional(),
      index: z.string().min(1).optional(),
      k: z.coerce.number().int().min(1).max(50).default(5),
      json: z.string().optional(),
      engine: z.enum(['local', 'llm', 'all', 'none'], { message: 'must be local, llm, all or none' }).optional(),
      store: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL such as postgres://user:password@host:5432/dossier')
        .optional(),
      positionals: z.array(z.string()).max(0, 'is not expected'),
    })
    .refine((a) => a.questions.length + a.briefs.length > 0 || (!a.corpus && !a.index), {
      message: 'needs --questions FILE.jsonl and/or --briefs FILE.jsonl to evaluate',
      path: ['corpus'],
    })
    .refine((a) => !a.collection.length || a.questions.length + a.briefs.length === 0, {
      message: 'picks collections from eval/collections.json; give either --collection or --questions/--briefs',
      path: ['collection'],
    }),
);

const DEPTH = 10;
type RetrievalVariant = { name: string; mode: RetrievalMode; diversify: boolean };
type SetResult = {
  label: string;
  retrieval: Map<string, RetrievalMetrics & { medianMs: number }>;
  answers: Map<AnswerEngine, AnswerMetrics>;
};
type CollectionResult = { name: string; sets: SetResult[]; briefs: Map<AnswerEngine, ReturnType<typeof summarizeBriefs>> };
type Output = {
  collections: Record<string, { corpus: string; index: string; summary: Record<string, unknown> }>;
  questions: Record<string, unknown>[];
  briefs: Record<string, unknown>[];
};

function collectionFromFlags(cfg: Config): EvalCollection {
  const corpusDir = args.corpus ? path.resolve(args.corpus) : cfg.corpusDir;
  const name = path.basename(corpusDir);
  return {
    name,
    corpusDir,
    indexDir: args.index ? path.resolve(args.index) : args.corpus ? evalIndexDir(ROOT, name, cfg.embedding.model) : cfg.indexDir,
    questions: args.questions.map((f) => path.resolve(f)),
    briefs: args.briefs.map((f) => path.resolve(f)),
  };
}

/** Brings the collection's index up to date (a no-op when nothing changed), showing progress. */
async function ensureIndex(cfg: Config, name: string) {
  const bar = progressBar(`Indexing ${name}`);
  const report = await ingest(cfg, { onProgress: (p) => bar.update(p.done, p.total) });
  for (const w of report.warnings) console.warn(`⚠  ${w}`);
  for (const s of report.skipped) console.warn(`⚠  Skipped ${s.file}: ${s.reason}.`);
  if (!report.upToDate) {
    console.log(
      `${name}: indexed ${cfg.corpusDir} into ${cfg.indexDir}${report.rebuildReason ? ` (full rebuild: ${report.rebuildReason})` : ''}: ${report.added.length} added, ${report.changed.length} changed, ${report.removed.length} removed.`,
    );
  }
}

async function runCollection(base: Config, c: EvalCollection, engines: AnswerEngine[], output: Output): Promise<CollectionResult> {
  const cfg: Config = { ...base, corpusDir: c.corpusDir, indexDir: c.indexDir };
  console.log(`\n=== ${c.name} (${path.relative(ROOT, c.corpusDir) || '.'})`);
  await ensureIndex(cfg, c.name);
  if (args.store) {
    const { writer } = await openPostgresStore(args.store);
    const copied = await copyCollection(await openStore({ indexDir: cfg.indexDir }), writer);
    await writer.close();
    console.log(
      `Store ${redactUrl(args.store)}: ${copied.documents} documents copied, ${copied.skipped} unchanged, ${copied.removed} removed.`,
    );
  }
  const searcher = await getSearcher(args.store ? { ...cfg, databaseUrl: args.store } : cfg);
  for (const w of searcher.warnings) console.warn(`⚠  ${w}`);
  const { info } = searcher;
  console.log(
    `Index ${path.relative(ROOT, c.indexDir)}: ${info.documentCount} articles, ${info.passageCount} passages, embedder ${info.embedder?.id ?? 'none (lexical only)'}; engines: ${engines.join(', ') || 'none'}`,
  );
  const allPassages: Passage[] = [];
  for await (const p of searcher.store.scanPassages()) allPassages.push(p);
  // Baselines are plain rankings; hybrid is the product's ranking (fused, then diversified). The
  // fused-only row separates the fusion from MMR, which by design moves corroborating copies of a
  // passage out of the list (costing nDCG, which counts every relevant copy).
  const variants: RetrievalVariant[] = searcher.embedder
    ? [
        { name: 'hybrid', mode: 'hybrid', diversify: true },
        { name: 'hybrid-fused', mode: 'hybrid', diversify: false },
        { name: 'lexical', mode: 'lexical', diversify: false },
        { name: 'dense', mode: 'dense', diversify: false },
      ]
    : [{ name: 'lexical', mode: 'lexical', diversify: false }];
  const summary: Record<string, unknown> = {};
  output.collections[c.name] = { corpus: c.corpusDir, index: c.indexDir, summary };
  const sets: SetResult[] = [];

  for (const file of c.questions) {
    const questions = await loadJsonl(file, questionSchema);
    const setName = path.basename(file, path.extname(file));
    const setSummary: Record<string, unknown> = (summary[setName] = {});
    const result: SetResult = { label: setName === c.name ? c.name : `${c.name}: ${setName}`, retrieval: new Map(), answers: new Map() };
    sets.push(result);
    const bar = progressBar(`Retrieval ${setName}`);
    type Row = { q: GoldQuestion; relevant: boolean[]; articleRelevant: boolean[]; totalRelevant: number; ms: number };
    const perMode = new Map<string, Row[]>(variants.map((v) => [v.name, []]));
    const records = new Map<string, Record<string, unknown>>();
    // Evidence the index lost (cleaning, chunk boundaries) makes a question unscorable for retrieval.
    const lost: GoldQuestion[] = [];
    for (const [i, q] of questions.entries()) {
      const holding = allPassages.filter((p) => containsAny(p.text, q.evidence));
      if (q.answerable && !holding.length) lost.push(q);
      const goldArticles = new Set(holding.map((p) => p.docId));
      const record: Record<string, unknown> = {
        collection: c.name,
        id: q.id,
        set: setName,
        question: q.question,
        kind: q.kind,
        style: q.style,
        answerable: q.answerable,
      };
      for (const { name: mode, mode: retrievalMode, diversify } of variants) {
        const started = performance.now();
        const ranked = await retrieve(searcher, q.question, { k: Math.max(DEPTH, args.k), mode: retrievalMode, diversify });
        const ms = performance.now() - started;
        const relevant = ranked.passages.map((p) => q.answerable && containsAny(p.text, q.evidence));
        const articleRelevant = ranked.passages.map((p) => goldArticles.has(p.docId));
        if (q.answerable) perMode.get(mode)!.push({ q, relevant, articleRelevant, totalRelevant: holding.length, ms });
        const passages = ranked.passages
          .slice(0, args.k)
          .map((p, r) => ({ id: p.id, docId: p.docId, text: p.text, score: p.score, relevant: relevant[r] }));
        if (mode === variants[0]!.name)
          Object.assign(record, {
            retrieval: retrievalMode,
            passages,
            firstRelevantRank: firstHit(relevant) || null,
            firstArticleRank: firstHit(articleRelevant) || null,
          });
        else record[`${mode}Passages`] = passages.map(({ id, docId, score, relevant: r }) => ({ id, docId, score, relevant: r }));
      }
      records.set(q.id, record);
      output.questions.push(record);
      bar.update(i + 1, questions.length);
    }

    const answerable = questions.filter((q) => q.answerable).length;
    console.log(`\n${result.label}: ${questions.length} questions (${answerable} answerable)`);
    if (lost.length)
      console.warn(`⚠  No passage holds the evidence of ${lost.map((q) => q.id).join(', ')}: the index lost it (cleaning or chunking).`);
    for (const v of variants) {
      const rows = perMode.get(v.name)!;
      const m = { ...summarize(rows), medianMs: median(rows.map((r) => r.ms)) };
      setSummary[v.name] = m;
      result.retrieval.set(v.name, m);
    }
    const misses = perMode.get(variants[0]!.name)!.filter((r) => {
      const h = firstHit(r.relevant);
      return h === 0 || h > args.k;
    });
    if (misses.length) {
      console.log(`\nRetrieval misses (${variants[0]!.name}, no passage holding the evidence in the top ${args.k}):`);
      console.log(
        table(
          ['id', 'first hit', 'article rank', 'question'],
          misses.map((r) => [r.q.id, firstHit(r.relevant) || '-', firstHit(r.articleRelevant) || '-', r.q.question.slice(0, 90)]),
        ),
      );
    }

    for (const engine of engines) {
      const abar = progressBar(`Answers ${setName} (${engine})`);
      const results: AnswerRecord[] = [];
      for (const [i, q] of questions.entries()) {
        const r = await evaluateAnswer(cfg, q, engine);
        results.push(r);
        const fields = {
          answer: r.answer.text,
          shortAnswer: r.short,
          citations: r.answer.citations.map(citationJson),
          refused: r.answer.refused,
          correct: r.correct,
          firstSentenceCorrect: r.firstSentenceCorrect,
          em: r.em,
          f1: r.f1,
          words: r.words,
          checks: r.answer.checks,
          ms: Math.round(r.ms),
        };
        // The first engine's answer keeps the documented field names; others are namespaced.
        const record = records.get(q.id)!;
        if (engine === engines[0]) Object.assign(record, fields, { engine });
        else record[engine] = fields;
        abar.update(i + 1, questions.length);
      }
      const m = summarizeAnswers(results);
      setSummary[`answers:${engine}`] = m;
      result.answers.set(engine, m);
      const wrong = results.filter((r) => (r.q.answerable && !r.correct) || (!r.q.answerable && !r.answer.refused));
      if (wrong.length) {
        console.log(`\nAnswer misses (${engine}):`);
        console.log(
          table(
            ['id', 'kind', 'miss', 'question'],
            wrong.map((r) => [
              r.q.id,
              r.q.kind ?? '',
              !r.q.answerable ? 'answered unanswerable' : r.answer.refused ? 'false refusal' : 'gold answer missing',
              r.q.question.slice(0, 80),
            ]),
          ),
        );
      }
      for (const field of ['kind', 'style'] as const) {
        const groups = breakdown(results, field);
        if (!groups.length) continue;
        setSummary[`answers:${engine}:by-${field}`] = Object.fromEntries(groups);
        console.log(`\n${result.label} answers by ${field} (${engine})`);
        console.log(
          table(
            [field, 'answerable', 'accuracy', '1st sent', 'EM', 'F1', 'false ref', 'unanswerable', 'refused'],
            groups.map(([k, g]) => [
              k,
              g.answerable,
              g.answerable ? g.accuracy : '-',
              g.answerable ? g.firstSentenceAccuracy : '-',
              g.shortScored ? g.shortEm : '-',
              g.shortScored ? g.shortF1 : '-',
              g.answerable ? g.falseRefusals : '-',
              g.unanswerable,
              g.unanswerable ? g.refusalAccuracy : '-',
            ]),
          ),
        );
      }
    }
  }

  const briefs = new Map<AnswerEngine, ReturnType<typeof summarizeBriefs>>();
  const topics = (await Promise.all(c.briefs.map((f) => loadJsonl(f, briefTopicSchema)))).flat();
  for (const engine of topics.length ? engines : []) {
    const bar = progressBar(`Briefings ${c.name} (${engine})`);
    const records: BriefRecord[] = [];
    for (const [i, t] of topics.entries()) {
      const r = await evaluateBrief(cfg, t, engine);
      records.push(r);
      output.briefs.push({
        collection: c.name,
        id: t.id,
        engine,
        topic: t.topic,
        title: r.briefing.title,
        bullets: briefingJson(r.briefing).bullets,
        citations: r.briefing.citations.map(citationJson),
        missingFacts: t.facts.filter((_, j) => !r.covered[j]),
      });
      bar.update(i + 1, topics.length);
    }
    const m = summarizeBriefs(records);
    summary[`briefs:${engine}`] = m;
    briefs.set(engine, m);
    const missed = records.filter((r) => r.covered.includes(false));
    if (missed.length) {
      console.log(`\nBriefing facts missed (${c.name}, ${engine}):`);
      console.log(
        table(
          ['id', 'topic', 'missing facts'],
          missed.map((r) => [
            r.t.id,
            (r.t.topic || '(whole collection)').slice(0, 40),
            r.t.facts
              .filter((_, j) => !r.covered[j])
              .map((f) => f[0])
              .join('; ')
              .slice(0, 80),
          ]),
        ),
      );
    }
  }
  return { name: c.name, sets, briefs };
}

/** Metric rows, one column per question set, grouped by collection. */
function sideBySide(title: string, columns: string[], rows: (string | number)[][]) {
  console.log(`\n${title}`);
  console.log(table(['', ...columns], rows));
}

function printSummary(results: CollectionResult[], engines: AnswerEngine[]) {
  const sets = results.flatMap((r) => r.sets);
  if (sets.length) {
    const variantNames = [...new Set(sets.flatMap((s) => [...s.retrieval.keys()]))];
    const main = variantNames[0]!;
    const cell = (s: SetResult, v: string, f: (m: RetrievalMetrics & { medianMs: number }) => number) => {
      const m = s.retrieval.get(v);
      return m ? f(m) : '-';
    };
    sideBySide(
      `Retrieval (${main}; answerable questions)`,
      sets.map((s) => s.label),
      [
        ['questions', ...sets.map((s) => cell(s, main, (m) => m.n))],
        ['passage with the answer @1', ...sets.map((s) => cell(s, main, (m) => m['recall@1']))],
        ['passage with the answer @3', ...sets.map((s) => cell(s, main, (m) => m['recall@3']))],
        ['passage with the answer @5', ...sets.map((s) => cell(s, main, (m) => m['recall@5']))],
        ['passage with the answer @10', ...sets.map((s) => cell(s, main, (m) => m['recall@10']))],
        ['MRR', ...sets.map((s) => cell(s, main, (m) => m.mrr))],
        ['nDCG@10', ...sets.map((s) => cell(s, main, (m) => m['ndcg@10']))],
        ['right article @5', ...sets.map((s) => cell(s, main, (m) => m['article@5']))],
        ['ms p50', ...sets.map((s) => cell(s, main, (m) => m.medianMs))],
        ...variantNames.slice(1).flatMap((v) => [
          [`${v}: answer @5`, ...sets.map((s) => cell(s, v, (m) => m['recall@5']))],
          [`${v}: MRR`, ...sets.map((s) => cell(s, v, (m) => m.mrr))],
        ]),
      ],
    );
    for (const engine of engines) {
      const cellA = (s: SetResult, f: (m: AnswerMetrics) => string | number, when: (m: AnswerMetrics) => boolean = () => true) => {
        const m = s.answers.get(engine);
        return m && when(m) ? f(m) : '-';
      };
      const hasAnswerable = (m: AnswerMetrics) => m.answerable > 0;
      const hasUnanswerable = (m: AnswerMetrics) => m.unanswerable > 0;
      sideBySide(
        `Answers (${engine})`,
        sets.map((s) => s.label),
        [
          ['answerable / unanswerable', ...sets.map((s) => cellA(s, (m) => `${m.answerable} / ${m.unanswerable}`))],
          ['answer contains the gold answer', ...sets.map((s) => cellA(s, (m) => m.accuracy, hasAnswerable))],
          ['… in its first sentence', ...sets.map((s) => cellA(s, (m) => m.firstSentenceAccuracy, hasAnswerable))],
          [
            'short answer exact match',
            ...sets.map((s) =>
              cellA(
                s,
                (m) => m.shortEm,
                (m) => m.shortScored > 0,
              ),
            ),
          ],
          [
            'short answer token F1',
            ...sets.map((s) =>
              cellA(
                s,
                (m) => m.shortF1,
                (m) => m.shortScored > 0,
              ),
            ),
          ],
          ['(questions with a short gold answer)', ...sets.map((s) => cellA(s, (m) => m.shortScored))],
          ['median answer words', ...sets.map((s) => cellA(s, (m) => m.medianWords))],
          ['refuses when there is no answer', ...sets.map((s) => cellA(s, (m) => m.refusalAccuracy, hasUnanswerable))],
          ['refuses although the answer is there', ...sets.map((s) => cellA(s, (m) => m.falseRefusals, hasAnswerable))],
          ['citation precision', ...sets.map((s) => cellA(s, (m) => m.citationPrecision))],
          ['citation coverage', ...sets.map((s) => cellA(s, (m) => m.citationCoverage))],
          ['weak citations', ...sets.map((s) => cellA(s, (m) => m.weakCitations))],
          ['bad markers', ...sets.map((s) => cellA(s, (m) => m.removedMarkers))],
          ['ms p50', ...sets.map((s) => cellA(s, (m) => Math.round(m.p50Ms)))],
          ['ms p95', ...sets.map((s) => cellA(s, (m) => Math.round(m.p95Ms)))],
        ],
      );
    }
  }
  const withBriefs = results.filter((r) => r.briefs.size);
  for (const engine of withBriefs.length ? engines : []) {
    const cellB = (r: CollectionResult, f: (m: ReturnType<typeof summarizeBriefs>) => number) => {
      const m = r.briefs.get(engine);
      return m ? f(m) : '-';
    };
    sideBySide(
      `Briefings (${engine})`,
      withBriefs.map((r) => r.name),
      [
        ['topics', ...withBriefs.map((r) => cellB(r, (m) => m.topics))],
        ['fact coverage', ...withBriefs.map((r) => cellB(r, (m) => m.factCoverage))],
        ['cited bullets', ...withBriefs.map((r) => cellB(r, (m) => m.citedBulletShare))],
        ['duplicate bullet pairs', ...withBriefs.map((r) => cellB(r, (m) => m.duplicateBullets))],
        ['bullets per briefing', ...withBriefs.map((r) => cellB(r, (m) => m.bulletsPerBriefing))],
        ['supported sentences', ...withBriefs.map((r) => cellB(r, (m) => m.supportedShare))],
      ],
    );
  }
}

runCli(async () => {
  const cfg = getConfig();
  const engines: AnswerEngine[] =
    args.engine === 'none'
      ? []
      : args.engine === 'all'
        ? ['local', 'llm']
        : args.engine
          ? [args.engine]
          : cfg.llm
            ? ['local', 'llm']
            : ['local'];
  if (engines.includes('llm') && !cfg.llm) throw new Error('--engine llm needs an LLM: set DOSSIER_LLM_PROVIDER (see README).');
  const adHoc = args.questions.length + args.briefs.length > 0;
  const collections = adHoc
    ? [collectionFromFlags(cfg)]
    : await loadCollections(COLLECTIONS_FILE, ROOT, cfg.embedding.model, args.collection);

  const output: Output = { collections: {}, questions: [], briefs: [] };
  const results: CollectionResult[] = [];
  for (const c of collections) results.push(await runCollection(cfg, c, engines, output));
  printSummary(results, engines);

  if (args.json) {
    await writeFile(args.json, JSON.stringify(output, null, 2));
    console.log(`\nWrote ${args.json}`);
  }
});

import type { Config } from '../config';
import { retrieve, type DocumentFilter, type RetrievedPassage } from '../retrieve/retrieve';
import { getSearcher, type Searcher } from '../retrieve/searcher';
import { CitationRegistry, MarkerRewriter, checkCitations, type CitablePassage } from './citations';
import { standaloneQuestion } from './conversation';
import { llmOutput, rewriteWithLlm } from './llm';
import { composeLocalAnswer } from './local';
import type { Answer, AnswerEngine, AnswerEvent, ChatMessage, Citation, ShortAnswer } from './types';

export type AnswerOptions = { engine?: AnswerEngine; k?: number; filter?: DocumentFilter; signal?: AbortSignal };

export const NOT_COVERED = "The articles don't cover this.";

/** Everything an engine needs for one turn. */
export type Turn = {
  cfg: Config;
  searcher: Searcher;
  messages: ChatMessage[];
  query: string;
  passages: RetrievedPassage[];
  registry: CitationRegistry;
  signal?: AbortSignal;
};

/** Text produced by an engine, as chunks that may split markers anywhere. */
export type EngineOutput = {
  chunks: AsyncIterable<string>;
  refused: () => boolean;
  spans?: (passageId: string) => [number, number][] | undefined;
  /** The short answer the text opens with, where the engine knows it. */
  short?: () => Omit<ShortAnswer, 'n'> | null;
};

const byIdCache = new WeakMap<Searcher, Map<string, number>>();

/** Row of each passage id in the snapshot, built once per loaded index (not per request). */
function rowsById(searcher: Searcher): Map<string, number> {
  let rows = byIdCache.get(searcher);
  if (!rows) {
    rows = new Map(searcher.snapshot.passages.map((p, i) => [p.id, i]));
    byIdCache.set(searcher, rows);
  }
  return rows;
}

/**
 * What an engine may cite in one turn: the passages it was given, and those that earlier turns of
 * the conversation cited. Any other id, even a real passage's, names no source of this answer.
 */
export function citableLookup(searcher: Searcher, given: RetrievedPassage[], history: ChatMessage[] = []): (id: string) => CitablePassage | undefined {
  const allowed = new Map<string, CitablePassage>();
  for (const p of given) for (const member of [p, ...p.corroborating]) allowed.set(member.id, member);
  const rows = rowsById(searcher);
  for (const m of history) for (const c of m.citations ?? []) {
    const row = rows.get(c.passageId);
    const p = row === undefined ? undefined : searcher.snapshot.passages[row]!;
    if (p && !allowed.has(p.id)) allowed.set(p.id, { ...p, doc: searcher.docIndex.get(p.docId)! });
  }
  return (id) => allowed.get(id);
}

export function passageVectorLookup(searcher: Searcher) {
  const rows = rowsById(searcher);
  const dims = searcher.snapshot.manifest.embedder?.dims ?? 0;
  return (id: string) => {
    const row = rows.get(id);
    return row === undefined || !searcher.snapshot.vectors ? undefined : searcher.snapshot.vectors.subarray(row * dims, (row + 1) * dims);
  };
}

export function relatedCitations(passages: RetrievedPassage[], count = 3): Citation[] {
  return passages.slice(0, count).map((p, i) => ({
    n: i + 1, passageId: p.id, docId: p.docId, title: p.doc.title, outlet: p.doc.outlet, published: p.doc.published,
    text: p.text, start: p.start, end: p.end, spans: [],
  }));
}

/** Emits text the way a model would: a few words at a time, so every consumer handles a real stream. */
async function* inPieces(text: string): AsyncGenerator<string> {
  for (const piece of text.match(/\S+\s*/g) ?? []) yield piece;
}

async function localOutput(turn: Turn): Promise<EngineOutput> {
  const local = await composeLocalAnswer(turn.searcher, turn.query, turn.passages, turn.signal);
  const text = local.refused ? `${NOT_COVERED} The closest passages I found are listed below.` : local.text;
  return { chunks: inPieces(text), refused: () => local.refused, spans: (id) => local.spans.get(id), short: () => local.short };
}

/**
 * The one answering entry point: conversation in, a stream of events out (status, text deltas,
 * citations as they are first used, and the final checked answer).
 */
export async function* answer(cfg: Config, messages: ChatMessage[], options: AnswerOptions = {}): AsyncGenerator<AnswerEvent> {
  const started = performance.now();
  const searcher = await getSearcher(cfg);
  options.signal?.throwIfAborted();
  let engine: AnswerEngine = options.engine ?? cfg.engine;
  const warnings: string[] = [...searcher.warnings];
  for (const w of searcher.warnings) yield { type: 'warning', message: w };
  if (engine === 'llm' && !cfg.llm) {
    engine = 'local';
    const w = 'No LLM is configured (set DOSSIER_LLM_PROVIDER); answering with the local engine.';
    warnings.push(w);
    yield { type: 'warning', message: w };
  }

  const history = messages.slice(0, -1);
  const turn: Omit<Turn, 'registry'> = { cfg, searcher, messages, query: standaloneQuestion(messages), passages: [], signal: options.signal };
  let llmError: unknown;
  if (engine === 'llm') {
    const rewritten = await rewriteWithLlm(cfg.llm!, messages, options.signal).catch((error) => {
      if (options.signal?.aborted) throw error;
      llmError = error; // the server is down or refusing: don't wait for it a second time
      return null;
    });
    if (rewritten) turn.query = rewritten;
  }

  const retrievalStarted = performance.now();
  const retrieval = await retrieve(searcher, turn.query, { k: options.k ?? Math.max(cfg.topK, 6), filter: options.filter, signal: options.signal });
  const registry = new CitationRegistry(citableLookup(searcher, retrieval.passages, history), history);
  const ready: Turn = { ...turn, passages: retrieval.passages, registry };
  const retrieveMs = performance.now() - retrievalStarted;
  yield { type: 'status', query: turn.query, engine, retrieval: retrieval.mode };

  let output: EngineOutput;
  if (engine === 'llm') {
    try {
      if (llmError) throw llmError;
      output = await llmOutput(cfg.llm!, ready);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      engine = 'local';
      const w = `The LLM could not be reached (${(error as Error).message}); here is the local answer instead.`;
      warnings.push(w);
      yield { type: 'warning', message: w };
      output = await localOutput(ready);
    }
  } else output = await localOutput(ready);

  const rewriter = new MarkerRewriter(registry, output.spans);
  let text = '';
  let firstTokenMs: number | undefined;
  const announced = new Set<number>();
  const emit = function* (piece: string): Generator<AnswerEvent> {
    if (!piece) return;
    firstTokenMs ??= performance.now() - started;
    text += piece;
    for (const m of piece.matchAll(/\[(\d+)\]/g)) {
      const n = Number(m[1]);
      const c = registry.get(n);
      if (c && !announced.has(n)) { announced.add(n); yield { type: 'citation', citation: c }; }
    }
    yield { type: 'text', delta: piece };
  };
  try {
    for await (const chunk of output.chunks) yield* emit(rewriter.push(chunk));
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const w = `The answer stream broke off (${(error as Error).message}).`;
    warnings.push(w);
    yield { type: 'warning', message: w };
  }
  yield* emit(rewriter.flush());

  const refused = output.refused() || (text.trim().startsWith(NOT_COVERED) && registry.list().length === 0);
  const vectors = passageVectorLookup(searcher);
  const checks = refused ? [] : await checkCitations(text, registry, searcher.embedder ? { embedder: searcher.embedder, passageVector: vectors } : null, options.signal);
  const total = performance.now() - started;
  const shortAnswer = refused ? null : output.short?.() ?? null;
  const shortN = shortAnswer ? registry.resolve(shortAnswer.passageId) : null;
  const result: Answer = {
    text: text.trim(),
    short: shortAnswer && shortN !== null ? { ...shortAnswer, n: shortN } : null,
    citations: registry.list(),
    refused,
    engine,
    query: turn.query,
    checks,
    removedMarkers: rewriter.removed,
    related: refused ? relatedCitations(ready.passages) : [],
    warnings,
    timings: { retrieveMs, answerMs: total - retrieveMs, totalMs: total, firstTokenMs },
  };
  yield { type: 'done', answer: result };
}

/** Runs `answer` to completion: for callers that want the result, not the stream. */
export async function answerOnce(cfg: Config, messages: ChatMessage[], options: AnswerOptions = {}): Promise<Answer> {
  for await (const event of answer(cfg, messages, options)) if (event.type === 'done') return event.answer;
  throw new Error('The answer stream ended without a result.');
}

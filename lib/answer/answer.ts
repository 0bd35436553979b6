import type { Config } from '@/lib/config';
import { retrieve, type DocumentFilter, type RetrievedPassage } from '@/lib/retrieve/retrieve';
import { getSearcher } from '@/lib/retrieve/searcher';
import type { Turn } from '@/lib/engines/engine';
import { pacedFor } from '@/lib/engines/gate';
import { pickEngine, withFallback } from '@/lib/engines/select';
import { CitationRegistry, citableLookup, citationOf, checkCitations, MarkerRewriter, semanticSupport } from './citations';
import { standaloneQuestion } from './conversation';
import { NOT_COVERED, type Answer, type AnswerEngine, type AnswerEvent, type ChatMessage, type Citation } from './types';

export type AnswerOptions = { engine?: AnswerEngine; k?: number; filter?: DocumentFilter; signal?: AbortSignal };

export { NOT_COVERED };

export function relatedCitations(passages: RetrievedPassage[], count = 3): Citation[] {
  return passages.slice(0, count).map((p, i) => citationOf(p, i + 1));
}

/**
 * The one answering entry point: conversation in, a stream of events out (status, text deltas,
 * citations as they are first used, and the final checked answer).
 */
export async function* answer(cfg: Config, messages: ChatMessage[], options: AnswerOptions = {}): AsyncGenerator<AnswerEvent> {
  const started = performance.now();
  const searcher = await getSearcher(cfg);
  options.signal?.throwIfAborted();
  const picked = pickEngine(cfg, options.engine ?? cfg.engine, 'answer');
  const warnings: string[] = [...searcher.warnings];
  for (const w of searcher.warnings) yield { type: 'warning', message: w };
  if (picked.warning) {
    warnings.push(picked.warning);
    yield { type: 'warning', message: picked.warning };
  }

  const history = messages.slice(0, -1);
  const turn: Omit<Turn, 'registry'> = {
    cfg,
    searcher,
    messages,
    query: standaloneQuestion(messages),
    passages: [],
    since: started,
    signal: options.signal,
  };
  let failed: unknown;
  if (picked.engine.rewrite) {
    const rewritten = await picked.engine.rewrite(messages, options.signal).catch((error) => {
      if (options.signal?.aborted) throw error;
      failed = error; // the server is down or refusing: don't wait for it a second time
      return null;
    });
    if (rewritten) turn.query = rewritten;
  }

  const retrievalStarted = performance.now();
  const retrieval = await pacedFor(searcher.store)(
    () =>
      retrieve(searcher, turn.query, {
        k: options.k ?? Math.max(cfg.topK, 6),
        filter: options.filter,
        analyses: true,
        signal: options.signal,
      }),
    { since: started, signal: options.signal },
  );
  const registry = new CitationRegistry(await citableLookup(searcher, retrieval.passages, history), history);
  const ready: Turn = { ...turn, passages: retrieval.passages, registry };
  const retrieveMs = performance.now() - retrievalStarted;
  yield { type: 'status', query: turn.query, engine: picked.engine.name, retrieval: retrieval.mode };

  const {
    engine,
    value: output,
    warning,
  } = await withFallback(picked.engine, (e) => e.answer(ready), { task: 'answer', signal: options.signal, failed });
  if (warning) {
    warnings.push(warning);
    yield { type: 'warning', message: warning };
  }

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
      if (c && !announced.has(n)) {
        announced.add(n);
        yield { type: 'citation', citation: c };
      }
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
  const checks = refused ? [] : await checkCitations(text, registry, await semanticSupport(searcher, registry), options.signal);
  const total = performance.now() - started;
  const shortAnswer = refused ? null : (output.short?.() ?? null);
  const shortN = shortAnswer ? registry.resolve(shortAnswer.passageId) : null;
  const result: Answer = {
    text: text.trim(),
    short: shortAnswer && shortN !== null ? { ...shortAnswer, n: shortN } : null,
    citations: registry.list(),
    refused,
    engine: engine.name,
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

import { generateText, streamText, type ModelMessage } from 'ai';
import { callFailed, callSignal } from '@/lib/ai/call';
import { answerInstructions, rewriteInstructions, sourcesBlock, withPassageIds } from '@/lib/ai/prompts';
import { languageModel } from '@/lib/ai/provider';
import type { CitablePassage } from '@/lib/answer/citations';
import { isFollowUp } from '@/lib/answer/conversation';
import { NOT_COVERED, REFUSAL, type ChatMessage, type ShortAnswer } from '@/lib/answer/types';
import { GENERAL_THEME } from '@/lib/brief/group';
import { llmBriefText } from '@/lib/brief/llm';
import type { LlmConfig } from '@/lib/config';
import { fold, normalizeDisplay, trimEndOf } from '@/lib/text/normalize';
import type { BriefDraft, BriefJob, Engine, EngineOutput, Turn } from './engine';

/** For follow-ups, the model turns the conversation into a standalone query; first questions pass through. */
export async function rewriteWithLlm(llm: LlmConfig, messages: ChatMessage[], signal?: AbortSignal): Promise<string | null> {
  const last = messages.at(-1);
  if (!last || messages.filter((m) => m.role === 'user').length < 2 || !isFollowUp(last.content)) return null;
  const transcript = messages.map((m) => `${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content.replace(/\[\d+\]/g, '')}`).join('\n');
  const { text } = await generateText({
    model: languageModel(llm),
    instructions: rewriteInstructions,
    prompt: transcript,
    maxRetries: 0,
    abortSignal: callSignal(llm, signal),
  }).catch((error: unknown) => {
    throw callFailed(error);
  });
  const query = text.trim().replace(/^["']|["']$/g, '');
  return query && query.length < 500 ? query : null;
}

/**
 * Refusals recognised at the start of a reply (folded, without the final stop): the sentence the
 * prompt asks for, and the one earlier versions of the prompt asked for, which models keep using.
 */
const REFUSALS = [NOT_COVERED, 'Not in the articles.'].map((r) => trimEndOf(fold(r), '.'));
/** A bold opening longer than this is not a short answer (the same bound the citation checks use). */
const MAX_OPENING = 300;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Where `needle` occurs in `haystack` as whole words ("1973" is not in "19734"), or -1. */
export function spanAt(haystack: string, needle: string): number {
  if (!needle) return -1;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    if (
      (!before || !WORD_CHAR.test(before) || !WORD_CHAR.test(needle[0]!)) &&
      (!after || !WORD_CHAR.test(after) || !WORD_CHAR.test(needle.at(-1)!))
    )
      return at;
  }
  return -1;
}

export type Opening =
  | { kind: 'wait' }
  | { kind: 'refusal' }
  /** The text to show for the opening; `short` when it opens with a bold span found verbatim in `sources`. */
  | { kind: 'text'; text: string; short?: { text: string; sources: CitablePassage[] } };

/**
 * Reads the start of a reply as it streams in: a refusal, a bold short answer ("**1973.** …"),
 * or plain text. Returns `wait` while the start could still become either of the first two (`final`
 * once the reply has ended). A bold opening that is not a verbatim span of any source is dropped,
 * so bold text is always a quotation; a bold word inside the first sentence loses its asterisks.
 */
export function readOpening(head: string, sources: CitablePassage[], final: boolean): Opening {
  const lead = head.trimStart();
  const folded = fold(lead);
  // The refusal is a sentence of its own: "The articles don't cover this topic in depth, but …" is an answer.
  if (
    REFUSALS.some(
      (r) => folded.startsWith(r) && (/^[.!?]/.test(folded.slice(r.length, r.length + 1)) || (final && folded.length === r.length)),
    )
  )
    return { kind: 'refusal' };
  if (!final && (REFUSALS.some((r) => r.startsWith(folded)) || lead === '*')) return { kind: 'wait' };
  if (!lead.startsWith('**')) return { kind: 'text', text: head };
  const close = lead.indexOf('**', 2);
  if (close < 0) return !final && lead.length <= MAX_OPENING && !lead.includes('\n') ? { kind: 'wait' } : { kind: 'text', text: head };
  if (close > MAX_OPENING) return { kind: 'text', text: head };
  const inner = lead.slice(2, close).trim();
  const after = lead.slice(close + 2);
  if (!after && !final) return { kind: 'wait' };
  // "**Tokyo.** They met …" or "**Tokyo**. They met …" is a short answer; "**Tokyo** hosted …" is
  // emphasis inside the first sentence, shown without asterisks so it is not taken for one.
  const next = after.trimStart();
  if (!/[.!?]$/.test(inner) && !next.startsWith('.') && next && !after.slice(0, after.length - next.length).includes('\n'))
    return { kind: 'text', text: inner + after };
  const short = normalizeDisplay(trimEndOf(inner, '.!?,;:'));
  const rest = next.startsWith('.') ? next.slice(1).trimStart() : next;
  const quoting = WORD_CHAR.test(short) ? sources.filter((p) => spanAt(normalizeDisplay(p.text), short) >= 0) : [];
  if (quoting.length === 0) return { kind: 'text', text: rest };
  return { kind: 'text', text: `**${short}.** ${rest}`, short: { text: short, sources: quoting } };
}

/** The short answer's place in its article: its exact characters if the body has them, else its sentence. */
export function placeShort(body: string, p: CitablePassage, text: string): Omit<ShortAnswer, 'n'> {
  const where = (start: number, end: number) => ({ text, passageId: p.id, docId: p.docId, start, end });
  for (const s of p.sentences) {
    if (spanAt(s.text, text) < 0) continue;
    const at = spanAt(body.slice(s.start, s.end), text);
    return at >= 0 ? where(s.start + at, s.start + at + text.length) : where(s.start, s.end);
  }
  return where(p.start, p.end);
}

/**
 * Streams the model's answer. The first chunk is awaited before returning, so an unreachable
 * server, a bad key or a timeout surfaces here and the caller can fall back to the local engine.
 */
export async function llmOutput(llm: LlmConfig, turn: Turn): Promise<EngineOutput> {
  const sources = turn.passages.flatMap((p) => [p, ...p.corroborating]);
  // Fetched before the call: the short answer is placed synchronously once the stream has ended.
  const bodies = new Map(
    await Promise.all(
      [...new Set(sources.map((p) => p.docId))].map(async (id) => [id, (await turn.searcher.store.documentText(id)) ?? ''] as const),
    ),
  );
  const history: ModelMessage[] = turn.messages
    .slice(0, -1)
    .map((m) =>
      m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: withPassageIds(m.content, m.citations) },
    );
  const question = turn.messages.at(-1)!.content;
  const abortSignal = callSignal(llm, turn.signal);
  const result = streamText({
    model: languageModel(llm),
    instructions: answerInstructions,
    messages: [
      ...history,
      {
        role: 'user',
        content: `${sourcesBlock(sources)}\n\nQuestion: ${question}${turn.query !== question ? `\n(Standalone form: ${turn.query})` : ''}`,
      },
    ],
    maxRetries: 0,
    abortSignal,
    // Errors reach the caller through the stream below; the SDK's default logs them with a stack trace.
    onError: () => {},
  });

  const iterator = (async function* () {
    for await (const part of result.stream) {
      if (part.type === 'text-delta') yield part.text;
      else if (part.type === 'error') throw part.error;
      // On timeout or cancellation the SDK ends the stream with an 'abort' part instead of an error.
      else if (part.type === 'abort') throw abortSignal.reason ?? new DOMException('The model call was aborted.', 'AbortError');
    }
  })();
  let first: IteratorResult<string>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw callFailed(error);
  }
  const raw = (async function* () {
    if (!first.done) yield first.value;
    try {
      for await (const piece of { [Symbol.asyncIterator]: () => iterator }) yield piece;
    } catch (error) {
      throw callFailed(error);
    }
  })();

  let refused = false;
  let short: { text: string; sources: CitablePassage[] } | undefined;
  const chunks = (async function* () {
    let head = '';
    let deciding = true;
    const settle = (final: boolean) => {
      const opening = readOpening(head, sources, final);
      if (opening.kind === 'wait') return null;
      deciding = false;
      if (opening.kind === 'refusal') {
        refused = true;
        return REFUSAL;
      }
      short = opening.short;
      return opening.text;
    };
    try {
      for await (const piece of raw) {
        if (!deciding) {
          yield piece;
          continue;
        }
        head += piece;
        const text = settle(false);
        if (refused) {
          yield text!;
          return;
        } // whatever the model adds after refusing is not shown
        if (text !== null) yield text;
      }
    } finally {
      // The reply ended (or broke off) while its opening was still undecided: show what there is.
      if (deciding && head) {
        const text = settle(true);
        if (text) yield text;
      }
    }
  })();

  return {
    chunks,
    refused: () => refused,
    // Accepted only from a passage the finished answer cites, so the highlight is in one of its sources.
    short: () => {
      if (!short) return null;
      const cited = new Set(turn.registry.list().map((c) => c.passageId));
      const p = short.sources.find((s) => cited.has(s.id));
      return p ? placeShort(bodies.get(p.docId) ?? '', p, short.text) : null;
    },
  };
}

/** The model's briefing; its own headings keep their bullets together, in order of first appearance. */
async function llmBrief(llm: LlmConfig, job: BriefJob): Promise<BriefDraft> {
  const lines = await llmBriefText(llm, job.topic, job.passages, job.timeline, job.signal).catch((error: unknown) => {
    throw callFailed(error);
  });
  if (job.timeline) return { lines, timeline: true };
  const order = [...new Set(lines.map((l) => l.theme))].sort((a, b) => Number(a === GENERAL_THEME) - Number(b === GENERAL_THEME));
  return { lines: order.flatMap((t) => lines.filter((l) => l.theme === t)), timeline: false };
}

export const llmEngine = (llm: LlmConfig): Engine => ({
  name: 'llm',
  rewrite: (messages, signal) => rewriteWithLlm(llm, messages, signal),
  answer: (turn) => llmOutput(llm, turn),
  brief: (job) => llmBrief(llm, job),
});

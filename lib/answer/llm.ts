import { generateText, streamText, type ModelMessage } from 'ai';
import { languageModel } from '../ai/provider';
import { redactUrl } from '../http/redact';
import { answerInstructions, rewriteInstructions, sourcesBlock, withPassageIds } from '../ai/prompts';
import type { LlmConfig } from '../config';
import type { EngineOutput, Turn } from './answer';
import { isFollowUp } from './conversation';
import type { ChatMessage } from './types';

const timeoutSignal = (llm: LlmConfig, signal?: AbortSignal) =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(llm.timeoutMs)]) : AbortSignal.timeout(llm.timeoutMs);

/** For follow-ups, the model turns the conversation into a standalone query; first questions pass through. */
export async function rewriteWithLlm(llm: LlmConfig, messages: ChatMessage[], signal?: AbortSignal): Promise<string | null> {
  const last = messages.at(-1);
  if (!last || messages.filter((m) => m.role === 'user').length < 2 || !isFollowUp(last.content)) return null;
  const transcript = messages.map((m) => `${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content.replace(/\[\d+\]/g, '')}`).join('\n');
  const { text } = await generateText({ model: languageModel(llm), instructions: rewriteInstructions, prompt: transcript, maxRetries: 0, abortSignal: timeoutSignal(llm, signal) })
    .catch((error: unknown) => { throw new Error(describeError(error)); });
  const query = text.trim().replace(/^["']|["']$/g, '');
  return query && query.length < 500 ? query : null;
}

type CallError = { statusCode?: number; message?: string; name?: string; url?: string; cause?: { code?: string; message?: string; cause?: { code?: string } } };

/**
 * A short reason for a failed model call, built only from its status, error code and kind: never
 * the provider's message or body, which may echo the request and its API key, and never a URL with
 * its credentials.
 */
export function describeError(error: unknown): string {
  const e = error as CallError;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'it did not answer in time';
  if (e?.statusCode === 401 || e?.statusCode === 403) return `it refused the API key (HTTP ${e.statusCode})`;
  // A stream cut off after a 200 response also carries statusCode 200: that is not an HTTP error.
  if (e?.statusCode && e.statusCode >= 400) return `it answered HTTP ${e.statusCode}`;
  const code = e?.cause?.code ?? e?.cause?.cause?.code;
  if (code === 'UND_ERR_SOCKET' || e?.cause?.message === 'terminated') return 'the connection closed before the answer was complete';
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return e.url ? `${code} at ${redactUrl(e.url)}` : code;
  if (e?.name === 'AI_JSONParseError' || e?.name === 'AI_TypeValidationError' || e?.name === 'AI_InvalidResponseDataError') return 'its reply was not in the expected format';
  return `the call failed${typeof e?.name === 'string' && /^\w{1,60}$/.test(e.name) && e.name !== 'Error' ? ` (${e.name})` : ''}`;
}

/**
 * Streams the model's answer. The first chunk is awaited before returning, so an unreachable
 * server, a bad key or a timeout surfaces here and the caller can fall back to the local engine.
 */
export async function llmOutput(llm: LlmConfig, turn: Turn): Promise<EngineOutput> {
  const sources = turn.passages.flatMap((p) => [p, ...p.corroborating]);
  const history: ModelMessage[] = turn.messages.slice(0, -1).map((m) =>
    m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: withPassageIds(m.content, m.citations) },
  );
  const question = turn.messages.at(-1)!.content;
  const abortSignal = timeoutSignal(llm, turn.signal);
  const result = streamText({
    model: languageModel(llm),
    instructions: answerInstructions,
    messages: [...history, { role: 'user', content: `${sourcesBlock(sources)}\n\nQuestion: ${question}${turn.query !== question ? `\n(Standalone form: ${turn.query})` : ''}` }],
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
    throw new Error(describeError(error));
  }
  let text = first.done ? '' : first.value;
  const chunks = (async function* () {
    if (!first.done) yield first.value;
    try {
      for await (const piece of { [Symbol.asyncIterator]: () => iterator }) {
        text += piece;
        yield piece;
      }
    } catch (error) {
      throw new Error(describeError(error));
    }
  })();
  return { chunks, refused: () => /^\s*not in the articles/i.test(text) };
}

import { createUIMessageStream, createUIMessageStreamResponse, type UIMessage } from 'ai';
import { answer } from '@/lib/answer/answer';
import type { AnswerEngine, ChatMessage } from '@/lib/answer/types';
import type { Config } from '@/lib/config';
import { HttpError, parseWith, publicError } from './request';
import { answerMetaJson, citationJson, type AnswerMetaJson, type CitationJson } from './shapes';
import { citationsDataSchema, questionText, withoutControlCharacters, type ChatRequest } from './schemas';

/** The typed parts a Dossier chat message carries besides its text. */
export type DossierDataParts = {
  status: { query: string; engine: AnswerEngine; retrieval: 'hybrid' | 'lexical' | 'dense' };
  warning: { message: string };
  citations: CitationJson[];
  answer: AnswerMetaJson;
};
export type DossierUIMessage = UIMessage<never, DossierDataParts>;

/** The conversation as the answerer reads it: text turns, plus the citation numbers earlier answers used. */
export function toConversation(messages: ChatRequest['messages']): ChatMessage[] {
  const turns: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const content = withoutControlCharacters(
      m.parts
        .filter((p) => p.type === 'text' && typeof p.text === 'string')
        .map((p) => p.text)
        .join(''),
    ).trim();
    const data = m.parts.find((p) => p.type === 'data-citations')?.data;
    const parsed = citationsDataSchema.safeParse(Array.isArray(data) ? data.map((c) => ({ n: c?.n, passageId: c?.passageId })) : undefined);
    turns.push({ role: m.role, content, citations: m.role === 'assistant' && parsed.success ? parsed.data : undefined });
  }
  const last = turns.at(-1);
  if (last?.role !== 'user') throw new HttpError(400, 'The last message must be a question from the user.');
  last.content = parseWith(questionText('question'), last.content);
  return turns;
}

/** Streams an answer in the AI SDK UI message protocol, so useChat (or any AI SDK client) reads it as is. */
export function chatResponse(cfg: Config, conversation: ChatMessage[], options: { engine?: AnswerEngine; signal?: AbortSignal }): Response {
  const stream = createUIMessageStream<DossierUIMessage>({
    onError: (error) => publicError(error).message,
    execute: async ({ writer }) => {
      writer.write({ type: 'start' });
      const citations: CitationJson[] = [];
      let textOpen = false;
      let warnings = 0;
      for await (const event of answer(cfg, conversation, options)) {
        switch (event.type) {
          case 'status':
            writer.write({
              type: 'data-status',
              id: 'status',
              data: { query: event.query, engine: event.engine, retrieval: event.retrieval },
            });
            break;
          case 'warning':
            writer.write({ type: 'data-warning', id: `warning-${warnings++}`, data: { message: event.message } });
            break;
          case 'citation':
            citations.push(citationJson(event.citation));
            writer.write({
              type: 'source-document',
              sourceId: event.citation.passageId,
              mediaType: 'text/plain',
              title: event.citation.title,
            });
            writer.write({ type: 'data-citations', id: 'citations', data: [...citations] });
            break;
          case 'text':
            if (!textOpen) {
              writer.write({ type: 'text-start', id: 'answer' });
              textOpen = true;
            }
            writer.write({ type: 'text-delta', id: 'answer', delta: event.delta });
            break;
          case 'done': {
            if (textOpen) writer.write({ type: 'text-end', id: 'answer' });
            const a = event.answer;
            // Final numbering (spans gathered while streaming) replaces the provisional list.
            writer.write({ type: 'data-citations', id: 'citations', data: a.citations.map(citationJson) });
            writer.write({ type: 'data-answer', id: 'answer-meta', data: answerMetaJson(a) });
            break;
          }
        }
      }
      writer.write({ type: 'finish' });
    },
  });
  return createUIMessageStreamResponse({ stream, headers: { 'cache-control': 'no-store' } });
}

import { z } from 'zod';

/** One turn of a conversation, as every entry point (CLI, API, eval) passes it. */
export const chatMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  /** Citations an assistant turn used, so follow-ups keep the same display numbers. */
  citations: z.array(z.object({ n: z.number().int().positive(), passageId: z.string() })).optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** A numbered source of an answer: what a `[n]` marker points at. */
export type Citation = {
  n: number;
  passageId: string;
  docId: string;
  title: string;
  outlet?: string;
  published?: string;
  /** The passage text (normalised for display). */
  text: string;
  /** Character offsets of the passage in the original document body. */
  start: number;
  end: number;
  /** The exact sentences the answer relied on, as body offsets, for highlighting. */
  spans: [number, number][];
};

/** How well a cited sentence is backed by the passages it cites (0..1), as checked after generation. */
export type SentenceCheck = {
  sentence: string;
  citations: number[];
  support: number;
  verdict: 'supported' | 'weak' | 'uncited';
};

export type AnswerEngine = 'local' | 'llm';

/** How every engine says the collection has no answer: the same sentence, whichever engine ran. */
export const NOT_COVERED = "The articles don't cover this.";
/** The whole text of a refusal, shown above the related passages. */
export const REFUSAL = `${NOT_COVERED} The closest passages I found are listed below.`;

/** The short answer that opens a factual answer: verbatim from a cited sentence, with its place in the article. */
export type ShortAnswer = { text: string; n: number; passageId: string; docId: string; start: number; end: number };

export type Answer = {
  /** Answer text with `[n]` markers; a factual answer opens with its short answer in bold. */
  text: string;
  short: ShortAnswer | null;
  citations: Citation[];
  refused: boolean;
  engine: AnswerEngine;
  /** The standalone question retrieval ran on (follow-ups are rewritten against earlier turns). */
  query: string;
  checks: SentenceCheck[];
  /** Markers that pointed at no source and were removed. */
  removedMarkers: number;
  /** For refusals: the closest passages, offered instead of an answer. */
  related: Citation[];
  warnings: string[];
  timings: { retrieveMs: number; answerMs: number; totalMs: number; firstTokenMs?: number };
};

export type AnswerEvent =
  | { type: 'status'; query: string; engine: AnswerEngine; retrieval: 'hybrid' | 'lexical' | 'dense' }
  | { type: 'warning'; message: string }
  | { type: 'text'; delta: string }
  | { type: 'citation'; citation: Citation }
  | { type: 'done'; answer: Answer };

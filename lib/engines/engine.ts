import type { CitationRegistry } from '@/lib/answer/citations';
import type { AnswerEngine, ChatMessage, ShortAnswer } from '@/lib/answer/types';
import type { Config } from '@/lib/config';
import type { RetrievedPassage } from '@/lib/retrieve/retrieve';
import type { Searcher } from '@/lib/retrieve/searcher';

/** Everything an engine needs for one turn. */
export type Turn = {
  cfg: Config;
  searcher: Searcher;
  messages: ChatMessage[];
  query: string;
  passages: RetrievedPassage[];
  registry: CitationRegistry;
  /** When the request began (performance.now()): its place in the serving thread's queue. */
  since: number;
  signal?: AbortSignal;
};

/** Text produced by an engine, as chunks that may split markers anywhere. */
export type EngineOutput = {
  chunks: AsyncIterable<string>;
  /** Read once the chunks are consumed. */
  refused: () => boolean;
  spans?: (passageId: string) => [number, number][] | undefined;
  /** The short answer the text opens with, where the engine can place it in a cited passage; read once the chunks are consumed. */
  short?: () => Omit<ShortAnswer, 'n'> | null;
};

/** One briefing request, prepared by the caller (lib/brief/brief.ts): the topic's passages. */
export type BriefJob = {
  cfg: Config;
  searcher: Searcher;
  /** As asked ('' for the whole collection)… */
  topic: string;
  /** …and what it is about, without "how did … change over time" framing. */
  subject: string;
  passages: RetrievedPassage[];
  /** The topic asks for a timeline. */
  timeline: boolean;
  /** When the request began (performance.now()): its place in the serving thread's queue. */
  since: number;
  signal?: AbortSignal;
};

/** A briefing as an engine writes it: bullets citing passages by id, in the order to show. */
export type BriefDraft = {
  lines: { text: string; theme: string; year?: number; date?: string }[];
  /** The engine may read a story that unfolds as a timeline although the topic did not ask for one. */
  timeline: boolean;
  spans?: (passageId: string) => [number, number][] | undefined;
};

/**
 * What answering and briefing need from an engine. The caller owns retrieval, citation numbering, checks and
 * fallback (lib/engines/select.ts); an engine only turns a prepared turn or briefing job into cited text.
 */
export type Engine = {
  name: AnswerEngine;
  /** A standalone search query for a follow-up, or null to keep the conversation's own. */
  rewrite?: (messages: ChatMessage[], signal?: AbortSignal) => Promise<string | null>;
  /** Rejects before any text is produced when the engine cannot answer at all, so the caller can fall back. */
  answer: (turn: Turn) => Promise<EngineOutput>;
  /** Rejects when the engine cannot brief at all, so the caller can fall back. */
  brief: (job: BriefJob) => Promise<BriefDraft>;
};

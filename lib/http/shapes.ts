import type { Answer, AnswerEngine, Citation, SentenceCheck, ShortAnswer } from '@/lib/answer/types';
import type { Briefing } from '@/lib/brief/brief';
import type { RetrievalResult } from '@/lib/retrieve/retrieve';
import type { DocumentMeta, RetrievalMode } from '@/lib/store/types';

/**
 * The public JSON shapes: what the HTTP API, the chat stream, the CLIs' `--json` output and the
 * eval report send, built here and only here, with one name per field. A field that may be
 * missing is null, never absent; an article's date is always `published`.
 */

export type SourceJson = { docId: string; title: string; outlet: string | null; published: string | null };

export type CitationJson = SourceJson & {
  n: number;
  passageId: string;
  /** The passage text (normalised for display). */
  text: string;
  /** Character offsets of the passage in the original document body. */
  start: number;
  end: number;
  /** The sentences the answer relied on, as body offsets, for highlighting. */
  spans: [number, number][];
};

export type AnswerJson = {
  /** Answer text with `[n]` markers; a factual answer opens with its short answer in bold. */
  answer: string;
  short: ShortAnswer | null;
  citations: CitationJson[];
  refused: boolean;
  /** For refusals: the closest passages, offered instead of an answer. */
  related: CitationJson[];
  engine: AnswerEngine;
  query: string;
  checks: SentenceCheck[];
  removedMarkers: number;
  warnings: string[];
  timings: Answer['timings'];
};

/** What the chat stream's final `data-answer` part carries (text and citations travel in their own parts). */
export type AnswerMetaJson = Pick<AnswerJson, 'refused' | 'short' | 'checks' | 'related' | 'removedMarkers' | 'timings' | 'engine'>;

export type BriefingJson = {
  title: string;
  topic: string;
  kind: 'summary' | 'timeline';
  engine: AnswerEngine;
  /** True when nothing in the collection is about the topic. */
  empty: boolean;
  /** `date` is a timeline bullet's event date (YYYY, YYYY-MM or YYYY-MM-DD), also shown at its start. */
  bullets: { text: string; theme: string; date: string | null; citations: number[] }[];
  citations: CitationJson[];
  articlesUsed: SourceJson[];
  checks: SentenceCheck[];
  removedMarkers: number;
  warnings: string[];
  ms: number;
};

export type PassageJson = SourceJson & {
  id: string;
  text: string;
  start: number;
  end: number;
  score: number;
  lexicalScore: number | null;
  denseScore: number | null;
  /** The same fact in other passages, kept out of the ranking but citable. */
  corroborating: (SourceJson & { id: string })[];
};

export type SearchJson = { query: string; mode: RetrievalMode; warnings: string[]; passages: PassageJson[] };

export type DocumentJson = Omit<DocumentMeta, 'outlet' | 'published' | 'author' | 'url' | 'format' | 'pages'> & {
  outlet: string | null;
  published: string | null;
  author: string | null;
  url: string | null;
  format: DocumentMeta['format'] | null;
  /** Where each page starts in `text` (PDFs). */
  pages: number[] | null;
  /** The original text the citations' offsets point into. */
  text: string;
  passages: { id: string; start: number; end: number }[];
};

export type { SentenceCheck, ShortAnswer } from '@/lib/answer/types';

/** An article as the library panel and /api/status list it. */
export type LibraryDocumentJson = Pick<DocumentJson, 'id' | 'title' | 'outlet' | 'published' | 'passageCount'>;

const source = (docId: string, d: { title: string; outlet?: string; published?: string }): SourceJson => ({
  docId,
  title: d.title,
  outlet: d.outlet ?? null,
  published: d.published ?? null,
});

export const citationJson = (c: Citation): CitationJson => ({
  n: c.n,
  passageId: c.passageId,
  ...source(c.docId, c),
  text: c.text,
  start: c.start,
  end: c.end,
  spans: c.spans,
});

export const answerMetaJson = (a: Answer): AnswerMetaJson => ({
  refused: a.refused,
  short: a.short,
  checks: a.checks,
  related: a.related.map(citationJson),
  removedMarkers: a.removedMarkers,
  timings: a.timings,
  engine: a.engine,
});

export const answerJson = (a: Answer): AnswerJson => ({
  answer: a.text,
  citations: a.citations.map(citationJson),
  query: a.query,
  warnings: a.warnings,
  ...answerMetaJson(a),
});

export const briefingJson = (b: Briefing): BriefingJson => ({
  title: b.title,
  topic: b.topic,
  kind: b.kind,
  engine: b.engine,
  empty: b.empty,
  bullets: b.bullets.map((x) => ({ text: x.text, theme: x.theme, date: x.date ?? null, citations: x.citations.map((c) => c.n) })),
  citations: b.citations.map(citationJson),
  articlesUsed: b.articlesUsed.map((d) => source(d.docId, d)),
  checks: b.checks,
  removedMarkers: b.removedMarkers,
  warnings: b.warnings,
  ms: Math.round(b.ms),
});

export const searchJson = (query: string, r: RetrievalResult): SearchJson => ({
  query,
  mode: r.mode,
  warnings: r.warnings,
  passages: r.passages.map((p) => ({
    id: p.id,
    ...source(p.docId, p.doc),
    text: p.text,
    start: p.start,
    end: p.end,
    score: p.score,
    lexicalScore: p.lexicalScore,
    denseScore: p.denseScore,
    corroborating: p.corroborating.map((c) => ({ id: c.id, ...source(c.docId, c.doc) })),
  })),
});

export const libraryDocumentJson = (d: DocumentMeta): LibraryDocumentJson => ({
  id: d.id,
  title: d.title,
  outlet: d.outlet ?? null,
  published: d.published ?? null,
  passageCount: d.passageCount,
});

export const documentJson = (d: DocumentMeta & { text: string; passages: { id: string; start: number; end: number }[] }): DocumentJson => ({
  ...d,
  outlet: d.outlet ?? null,
  published: d.published ?? null,
  author: d.author ?? null,
  url: d.url ?? null,
  format: d.format ?? null,
  pages: d.pages ?? null,
  passages: d.passages.map((p) => ({ id: p.id, start: p.start, end: p.end })),
});

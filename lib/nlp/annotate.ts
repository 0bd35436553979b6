import type { Analysis, Span } from '@/lib/text/analysis';
import { analyze } from './analyze';
import { nameType } from './names';

/**
 * What stored analyses were made with: a change to what `annotate` returns (the tagger's rules,
 * name spans, name types) moves it on, and the next ingest re-analyses the whole collection.
 */
export const ANALYZER_VERSION = 2;

/**
 * A sentence's full analysis as ingest stores it: tokens and spans, with each name typed (person,
 * place, organisation), the part that costs a millisecond a name and is worth doing once.
 */
export function annotate(text: string): Analysis {
  const { tokens, spans } = analyze(text);
  return { tokens, spans: spans.map((s) => (s.kind === 'name' ? { ...s, type: nameType(s.text) } : s)) };
}

/** A sentence's stored analysis, or one made now for a text that was not analysed at ingest. */
export const analysisOf = (sentence: { text: string; analysis?: Analysis }): Analysis => sentence.analysis ?? analyze(sentence.text);

/** What a name names: as stored at ingest, else worked out now. */
export const typeOf = (span: Span) => span.type ?? nameType(span.text);

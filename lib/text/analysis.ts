/**
 * What the language analysis (lib/nlp) knows of one sentence, and its compact binary form. Ingest
 * analyses every sentence once and the stores keep the bytes, so a question never runs the tagger
 * or the name typer over the collection's sentences: it decodes a few hundred bytes a passage.
 * Offsets index into the sentence's own text, which is never stored twice: a token's or a span's
 * text is its slice of the sentence.
 */

export type Token = { text: string; start: number; end: number; pos: string; lemma: string };

/** What a span of a sentence is: the values questions ask for. */
export type SpanKind = 'date' | 'time' | 'money' | 'percent' | 'number' | 'ordinal' | 'duration' | 'name' | 'title';
/** "descriptor": a nationality or adjective written with a capital ("Iranian", "Kurdish"), not a name. */
export type NameType = 'person' | 'place' | 'org' | 'descriptor' | 'unknown';
/** `type`: what a name names, when it was worked out at ingest (lib/nlp/names: about 1 ms a name). */
export type Span = { kind: SpanKind; text: string; start: number; end: number; type?: NameType };
export type Analysis = { tokens: Token[]; spans: Span[] };

// The orders below are the format: new values go at the end.
const POS = [
  'X',
  'ADJ',
  'ADP',
  'ADV',
  'AUX',
  'CCONJ',
  'DET',
  'INTJ',
  'NOUN',
  'NUM',
  'PART',
  'PRON',
  'PROPN',
  'PUNCT',
  'SCONJ',
  'SYM',
  'VERB',
  'SPACE',
];
const KINDS: SpanKind[] = ['date', 'time', 'money', 'percent', 'number', 'ordinal', 'duration', 'name', 'title'];
const TYPES: (NameType | undefined)[] = [undefined, 'person', 'place', 'org', 'descriptor', 'unknown'];
const POS_ID = new Map(POS.map((p, i) => [p, i]));
const KIND_ID = new Map(KINDS.map((k, i) => [k, i]));
const TYPE_ID = new Map(TYPES.map((t, i) => [t, i]));

/** Bytes that cannot be what `encodeAnalyses` wrote; the store turns this into its own error. */
export class AnalysisFormatError extends Error {}

class Writer {
  private bytes: number[] = [];
  uint(n: number) {
    let v = Math.max(0, Math.floor(n));
    while (v >= 0x80) {
      this.bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }
  utf8(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.uint(b.length);
    for (const x of b) this.bytes.push(x);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

class Reader {
  at = 0;
  constructor(private readonly b: Uint8Array) {}
  uint(): number {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      if (this.at >= this.b.length || shift > 2 ** 35) throw new AnalysisFormatError('a number runs past its data');
      const x = this.b[this.at++]!;
      v += (x & 0x7f) * shift;
      if (x < 0x80) return v;
    }
  }
  utf8(): string {
    const n = this.uint();
    if (this.at + n > this.b.length) throw new AnalysisFormatError('a word runs past its data');
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.at, n).toString('utf8');
    this.at += n;
    return s;
  }
  get done() {
    return this.at === this.b.length;
  }
}

/**
 * One passage's sentences' analyses as bytes: per sentence its tokens (start as the gap from the
 * previous token, length, part of speech, and the lemma only where it is not the lower-cased word)
 * and its spans (kind, offsets, name type). About 5 bytes a token.
 */
export function encodeAnalyses(analyses: Analysis[]): Uint8Array {
  const w = new Writer();
  w.uint(analyses.length);
  for (const a of analyses) {
    w.uint(a.tokens.length);
    let previous = 0;
    for (const t of a.tokens) {
      w.uint(t.start - previous);
      w.uint(t.end - t.start);
      w.uint(POS_ID.get(t.pos) ?? 0);
      if (t.lemma === t.text.toLowerCase()) w.uint(0);
      else {
        w.uint(1);
        w.utf8(t.lemma);
      }
      previous = t.start;
    }
    w.uint(a.spans.length);
    for (const s of a.spans) {
      w.uint(KIND_ID.get(s.kind)!);
      w.uint(s.start);
      w.uint(s.end - s.start);
      w.uint(TYPE_ID.get(s.type) ?? 0);
    }
  }
  return w.done();
}

/**
 * The analyses `encodeAnalyses` wrote, against the texts of the same sentences. Every offset is
 * checked against its sentence, so damaged bytes fail here with AnalysisFormatError instead of
 * yielding spans outside their text.
 */
export function decodeAnalyses(bytes: Uint8Array, sentences: string[]): Analysis[] {
  const r = new Reader(bytes);
  if (r.uint() !== sentences.length) throw new AnalysisFormatError('it holds another number of sentences');
  const out = sentences.map((text): Analysis => {
    const range = (start: number, length: number) => {
      if (start + length > text.length) throw new AnalysisFormatError('an offset lies outside its sentence');
      return [start, start + length] as const;
    };
    const tokens: Token[] = [];
    let previous = 0;
    for (let n = r.uint(); n > 0; n--) {
      const [start, end] = range(previous + r.uint(), r.uint());
      const pos = POS[r.uint()];
      if (pos === undefined) throw new AnalysisFormatError('a part of speech is unknown');
      const word = text.slice(start, end);
      const lemma = r.uint() === 0 ? word.toLowerCase() : r.utf8();
      tokens.push({ text: word, start, end, pos, lemma });
      previous = start;
    }
    const spans: Span[] = [];
    for (let n = r.uint(); n > 0; n--) {
      const kind = KINDS[r.uint()];
      const [start, end] = range(r.uint(), r.uint());
      const typeId = r.uint();
      if (kind === undefined || typeId >= TYPES.length) throw new AnalysisFormatError('a span kind is unknown');
      const type = TYPES[typeId];
      spans.push(type ? { kind, text: text.slice(start, end), start, end, type } : { kind, text: text.slice(start, end), start, end });
    }
    return { tokens, spans };
  });
  if (!r.done) throw new AnalysisFormatError('bytes are left over');
  return out;
}

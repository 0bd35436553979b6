import { encodeAnalyses } from '@/lib/text/analysis';
import { terms } from '@/lib/text/normalize';
import type { DocumentMeta, Passage, PerSentence } from '@/lib/store/types';

/**
 * The passages of a snapshot and their lexical index as typed arrays in one file (`index.bin`),
 * so loading is a read and a validation pass, never a re-tokenisation: 100k passages load in
 * well under a second where building BM25 from the texts took half a minute. Texts stay UTF-8
 * and are decoded per passage when asked for.
 *
 * Passages are stored document by document; a passage's text is its sentences joined by spaces
 * (as the chunker builds it) unless it is stored separately in `extra`.
 */

const SECTIONS = {
  /** Per passage (P): its document's index, position, body offsets and BM25 length. */
  doc: Uint32Array,
  position: Uint32Array,
  start: Uint32Array,
  end: Uint32Array,
  length: Float32Array,
  /** P+1 offsets into the sentence arrays. */
  sentenceFirst: Uint32Array,
  /** Per sentence (S): body offsets; S+1 byte offsets into `text`. */
  sentenceStart: Uint32Array,
  sentenceEnd: Uint32Array,
  sentenceText: Uint32Array,
  /** P+1 byte offsets into `extra`: an empty range means "the sentences joined by spaces". */
  passageText: Uint32Array,
  /** Forward index (P+1 offsets, then N term ids and counts): what an incremental write carries over. */
  forwardFirst: Uint32Array,
  forwardTerm: Uint32Array,
  forwardTf: Uint16Array,
  /** Postings (T+1 offsets, then N rows ascending and counts): what queries read. */
  termFirst: Uint32Array,
  postingRow: Uint32Array,
  postingTf: Uint16Array,
  /** D+1 first rows of each document; D+1 byte offsets into bodies.bin. */
  docFirst: Uint32Array,
  bodyFirst: Float64Array,
  /** P+1 byte offsets into analysis.bin (its sentences' analyses, read when asked for); an empty range: none stored. */
  passageAnalysis: Float64Array,
  /** UTF-8: the T terms joined by newlines (a term never holds one), sentence texts, other passage texts. */
  vocabulary: Uint8Array,
  text: Uint8Array,
  extra: Uint8Array,
} as const;

type SectionName = keyof typeof SECTIONS;
export type Sections = { [K in SectionName]: InstanceType<(typeof SECTIONS)[K]> };
export type Layout = Record<SectionName, { offset: number; length: number }>;
export type Counts = { passages: number; sentences: number; terms: number; postings: number; documents: number };
/** Byte sizes of the files read lazily, which offsets in the table point into. */
export type LazySizes = { bodies: number; analysis: number };

export const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];

/** Why a file cannot be read; the caller turns it into an IndexError sentence. */
export class TableError extends Error {}

function expectedLength(name: SectionName, c: Counts, bytes: Record<'vocabulary' | 'text' | 'extra', number>): number {
  switch (name) {
    case 'doc':
    case 'position':
    case 'start':
    case 'end':
    case 'length':
      return c.passages;
    case 'sentenceFirst':
    case 'passageText':
    case 'forwardFirst':
    case 'passageAnalysis':
      return c.passages + 1;
    case 'sentenceStart':
    case 'sentenceEnd':
      return c.sentences;
    case 'sentenceText':
      return c.sentences + 1;
    case 'forwardTerm':
    case 'forwardTf':
    case 'postingRow':
    case 'postingTf':
      return c.postings;
    case 'termFirst':
      return c.terms + 1;
    case 'docFirst':
    case 'bodyFirst':
      return c.documents + 1;
    default:
      return bytes[name];
  }
}

/** Offsets run from 0 to `last`, never decreasing. */
function checkOffsets(a: Uint32Array | Float64Array, last: number, what: string) {
  if (a[0] !== 0 || a[a.length - 1] !== last) throw new TableError(`${what} do not span their data`);
  for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) throw new TableError(`${what} go backwards`);
}

function checkBelow(a: Uint32Array, bound: number, what: string) {
  for (let i = 0; i < a.length; i++) if (a[i]! >= bound) throw new TableError(`${what} point outside the index`);
}

/** Typed views over `buffer` as `layout` describes them, checked so that a damaged file cannot index out of bounds. */
export function decodeSections(buffer: Buffer, layout: Layout, c: Counts, lazy: LazySizes): Sections {
  // Typed views need aligned offsets; a pooled Buffer may not start on one.
  const bytes = buffer.byteOffset % 8 === 0 ? buffer : Buffer.from(new Uint8Array(buffer).buffer);
  const blobBytes = { vocabulary: layout.vocabulary.length, text: layout.text.length, extra: layout.extra.length };
  const out = {} as Record<SectionName, unknown>;
  for (const name of SECTION_NAMES) {
    const { offset, length } = layout[name];
    const Type = SECTIONS[name];
    if (length !== expectedLength(name, c, blobBytes)) throw new TableError(`its ${name} section has the wrong size`);
    if (offset % 8 !== 0 || offset + length * Type.BYTES_PER_ELEMENT > bytes.length)
      throw new TableError(`its ${name} section lies outside the file`);
    out[name] = new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset + offset, length);
  }
  const s = out as Sections;
  checkOffsets(s.sentenceFirst, c.sentences, 'sentence ranges');
  checkOffsets(s.sentenceText, s.text.length, 'sentence texts');
  checkOffsets(s.passageText, s.extra.length, 'passage texts');
  checkOffsets(s.forwardFirst, c.postings, 'term lists');
  checkOffsets(s.termFirst, c.postings, 'postings');
  checkOffsets(s.docFirst, c.passages, 'document ranges');
  checkOffsets(s.bodyFirst, lazy.bodies, 'document bodies');
  checkOffsets(s.passageAnalysis, lazy.analysis, 'sentence analyses');
  checkBelow(s.doc, c.documents, 'passages');
  checkBelow(s.forwardTerm, c.terms, 'term lists');
  checkBelow(s.postingRow, c.passages, 'postings');
  for (let d = 0; d < c.documents; d++) {
    for (let row = s.docFirst[d]!; row < s.docFirst[d + 1]!; row++)
      if (s.doc[row] !== d) throw new TableError('passages and documents disagree');
  }
  return s;
}

/** Snapshot passages and postings, read from typed arrays. */
export class Table {
  readonly vocabulary: string[];
  private readonly termIds: Map<string, number>;
  private readonly docIndex: Map<string, number>;

  constructor(
    readonly documents: DocumentMeta[],
    readonly s: Sections,
  ) {
    const vocab = Buffer.from(s.vocabulary.buffer, s.vocabulary.byteOffset, s.vocabulary.length).toString('utf8');
    this.vocabulary = s.termFirst.length > 1 ? vocab.split('\n') : [];
    if (this.vocabulary.length !== s.termFirst.length - 1) throw new TableError('its vocabulary has the wrong number of terms');
    this.termIds = new Map(this.vocabulary.map((t, i) => [t, i]));
    this.docIndex = new Map(documents.map((d, i) => [d.id, i]));
  }

  get size(): number {
    return this.s.doc.length;
  }

  docIndexOf(id: string): number | undefined {
    return this.docIndex.get(id);
  }

  /** Rows [first, end) of a document's passages. */
  rowsOf(doc: number): [number, number] {
    return [this.s.docFirst[doc]!, this.s.docFirst[doc + 1]!];
  }

  /** A passage id is `${docId}#${position}`: resolved through its document, no map over every passage. */
  rowOf(id: string): number | undefined {
    const hash = id.lastIndexOf('#');
    const doc = hash < 0 ? undefined : this.docIndex.get(id.slice(0, hash));
    if (doc === undefined) return undefined;
    const position = Number(id.slice(hash + 1));
    const [first, end] = this.rowsOf(doc);
    const guess = first + position;
    if (guess < end && this.s.position[guess] === position) return guess;
    for (let row = first; row < end; row++) if (this.s.position[row] === position) return row;
    return undefined;
  }

  id(row: number): string {
    return `${this.documents[this.s.doc[row]!]!.id}#${this.s.position[row]}`;
  }

  private utf8(blob: Uint8Array, from: number, to: number): string {
    return Buffer.from(blob.buffer, blob.byteOffset + from, to - from).toString('utf8');
  }

  sentenceText(i: number): string {
    return this.utf8(this.s.text, this.s.sentenceText[i]!, this.s.sentenceText[i + 1]!);
  }

  passage(row: number): Passage {
    const { s } = this;
    const sentences = [];
    for (let i = s.sentenceFirst[row]!; i < s.sentenceFirst[row + 1]!; i++)
      sentences.push({ start: s.sentenceStart[i]!, end: s.sentenceEnd[i]!, text: this.sentenceText(i) });
    const docId = this.documents[s.doc[row]!]!.id;
    return {
      id: `${docId}#${s.position[row]}`,
      docId,
      position: s.position[row]!,
      start: s.start[row]!,
      end: s.end[row]!,
      text: this.text(row, sentences),
      sentences,
    };
  }

  text(row: number, sentences?: { text: string }[]): string {
    const { s } = this;
    const [a, b] = [s.passageText[row]!, s.passageText[row + 1]!];
    if (a !== b) return this.utf8(s.extra, a, b);
    if (sentences) return sentences.map((x) => x.text).join(' ');
    const parts = [];
    for (let i = s.sentenceFirst[row]!; i < s.sentenceFirst[row + 1]!; i++) parts.push(this.sentenceText(i));
    return parts.join(' ');
  }

  termId(term: string): number | undefined {
    return this.termIds.get(term);
  }

  df(term: number): number {
    return this.s.termFirst[term + 1]! - this.s.termFirst[term]!;
  }

  /** Byte range of a passage's analyses in analysis.bin; empty when none were stored. */
  analysisRange(row: number): [number, number] {
    return [this.s.passageAnalysis[row]!, this.s.passageAnalysis[row + 1]!];
  }

  sentenceTexts(row: number): string[] {
    const out = [];
    for (let i = this.s.sentenceFirst[row]!; i < this.s.sentenceFirst[row + 1]!; i++) out.push(this.sentenceText(i));
    return out;
  }

  /** Rows holding the term, ascending. */
  postingRows(term: number): Uint32Array {
    return this.s.postingRow.subarray(this.s.termFirst[term]!, this.s.termFirst[term + 1]!);
  }
}

/** A growing typed array. */
export class Grow<T extends Uint32Array | Uint16Array | Float32Array | Float64Array> {
  length = 0;
  constructor(private data: T) {}
  private reserve(n: number) {
    if (this.length + n <= this.data.length) return;
    const next = new (this.data.constructor as new (n: number) => T)(Math.max(this.length + n, this.data.length * 2, 64));
    next.set(this.data.subarray(0, this.length) as ArrayLike<number>);
    this.data = next;
  }
  push(v: number) {
    this.reserve(1);
    this.data[this.length++] = v;
  }
  append(values: T | Uint32Array | Uint16Array | Float32Array, add = 0) {
    this.reserve(values.length);
    if (add === 0) {
      this.data.set(values, this.length);
      this.length += values.length;
      return;
    }
    for (let i = 0; i < values.length; i++) this.data[this.length++] = values[i]! + add;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Bytes written in order; strings are batched and encoded together (one small Buffer per sentence kept the collector busy). */
class Blob {
  readonly chunks: Uint8Array[] = [];
  private pending: string[] = [];
  length = 0;
  add(bytes: Uint8Array) {
    this.flush();
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  addText(text: string) {
    this.pending.push(text);
    this.length += Buffer.byteLength(text);
  }
  flush() {
    if (this.pending.length) this.chunks.push(Buffer.from(this.pending.join('')));
    this.pending = [];
  }
  bytes(): Uint8Array<ArrayBuffer> {
    this.flush();
    return Buffer.concat(this.chunks, this.length) as Uint8Array<ArrayBuffer>;
  }
}

const MAX_U32 = 2 ** 32 - 1;

/**
 * Builds the next snapshot's table: new documents are tokenised here, documents carried over
 * from the previous snapshot are copied as typed-array ranges (their term ids remapped), so an
 * incremental ingest costs the changed articles plus a copy.
 */
export class TableBuilder {
  readonly documents: DocumentMeta[] = [];
  readonly bodies = new Blob();
  private readonly vocabulary = new Map<string, number>();
  private readonly remaps = new WeakMap<Table, Int32Array>();
  private readonly a = {
    doc: new Grow(new Uint32Array(0)),
    position: new Grow(new Uint32Array(0)),
    start: new Grow(new Uint32Array(0)),
    end: new Grow(new Uint32Array(0)),
    length: new Grow(new Float32Array(0)),
    sentenceFirst: new Grow(new Uint32Array(0)),
    sentenceStart: new Grow(new Uint32Array(0)),
    sentenceEnd: new Grow(new Uint32Array(0)),
    sentenceText: new Grow(new Uint32Array(0)),
    passageText: new Grow(new Uint32Array(0)),
    forwardFirst: new Grow(new Uint32Array(0)),
    forwardTerm: new Grow(new Uint32Array(0)),
    forwardTf: new Grow(new Uint16Array(0)),
    docFirst: new Grow(new Uint32Array(0)),
    bodyFirst: new Grow(new Float64Array(0)),
    passageAnalysis: new Grow(new Float64Array(0)),
  };
  readonly analysis = new Blob();
  private readonly text = new Blob();
  private readonly extra = new Blob();
  /** Passage vectors, then sentence vectors, row by row; sentence vectors are kept only while every document has them. */
  private readonly vectors = new Grow(new Float32Array(0));
  private readonly sentenceVectors = new Grow(new Float32Array(0));
  private everySentenceVector = true;

  constructor(private readonly dims: number | null) {
    for (const k of ['sentenceFirst', 'sentenceText', 'passageText', 'forwardFirst', 'docFirst', 'bodyFirst', 'passageAnalysis'] as const)
      this.a[k].push(0);
  }

  private termId(term: string): number {
    let id = this.vocabulary.get(term);
    if (id === undefined) this.vocabulary.set(term, (id = this.vocabulary.size));
    return id;
  }

  private endDocument(meta: DocumentMeta, body: Uint8Array | string) {
    this.documents.push(meta);
    if (typeof body === 'string') this.bodies.addText(body);
    else this.bodies.add(body);
    this.a.docFirst.push(this.a.doc.length);
    this.a.bodyFirst.push(this.bodies.length);
  }

  /** `vectors[i]` is passage i's unit vector (null without a model); `perSentence` what ingest computed for each sentence. */
  addDocument(meta: DocumentMeta, body: string, passages: Passage[], vectors: Float32Array[] | null, perSentence: PerSentence = {}) {
    const d = this.documents.length;
    const sentenceVectors = perSentence.vectors ?? null;
    const analyses = perSentence.analyses;
    const { a } = this;
    if (this.dims !== null) {
      if (!vectors || vectors.length !== passages.length || vectors.some((v) => v.length !== this.dims))
        throw new Error('Every passage needs a vector when the index has an embedder.');
      for (const v of vectors) this.vectors.append(v);
      const complete =
        !!sentenceVectors &&
        passages.every(
          (p, i) => sentenceVectors[i]?.length === p.sentences.length && sentenceVectors[i]!.every((v) => v.length === this.dims),
        );
      if (!complete) this.everySentenceVector = false;
      else if (this.everySentenceVector) for (const list of sentenceVectors) for (const v of list) this.sentenceVectors.append(v);
    }
    for (const p of passages) {
      a.doc.push(d);
      a.position.push(p.position);
      a.start.push(p.start);
      a.end.push(p.end);
      for (const s of p.sentences) {
        a.sentenceStart.push(s.start);
        a.sentenceEnd.push(s.end);
        this.text.addText(s.text);
        a.sentenceText.push(this.text.length);
      }
      a.sentenceFirst.push(a.sentenceStart.length);
      if (p.text !== p.sentences.map((s) => s.text).join(' ')) this.extra.addText(p.text);
      a.passageText.push(this.extra.length);
      const counts = new Map<number, number>();
      let length = 0;
      for (const t of terms(p.text)) {
        const id = this.termId(t);
        counts.set(id, (counts.get(id) ?? 0) + 1);
        length++;
      }
      a.length.push(length);
      for (const [id, n] of counts) {
        a.forwardTerm.push(id);
        a.forwardTf.push(Math.min(n, 0xffff));
      }
      a.forwardFirst.push(a.forwardTerm.length);
    }
    passages.forEach((p, i) => {
      const list = analyses?.[i];
      if (list?.length === p.sentences.length) this.analysis.add(encodeAnalyses(list));
      a.passageAnalysis.push(this.analysis.length);
    });
    this.endDocument(meta, body);
  }

  /** Copies document `doc` of a previous table without decoding or tokenising its passages; `analysis` is its whole analysis.bin. */
  carryDocument(
    from: Table,
    doc: number,
    meta: DocumentMeta,
    body: Uint8Array,
    vectors: Float32Array | null,
    sentenceVectors: Float32Array | null,
    analysis: Uint8Array,
  ) {
    const { a } = this;
    const s = from.s;
    const [first, end] = from.rowsOf(doc);
    if (this.dims !== null) {
      if (!vectors || vectors.length !== from.size * this.dims)
        throw new Error("Every passage needs a vector of the index's model when the index has an embedder.");
      this.vectors.append(vectors.subarray(first * this.dims, end * this.dims));
      if (!sentenceVectors) this.everySentenceVector = false;
      else if (this.everySentenceVector)
        this.sentenceVectors.append(sentenceVectors.subarray(s.sentenceFirst[first]! * this.dims, s.sentenceFirst[end]! * this.dims));
    }
    const d = this.documents.length;
    let remap = this.remaps.get(from);
    if (!remap) this.remaps.set(from, (remap = new Int32Array(from.vocabulary.length).fill(-1)));
    const [s0, s1] = [s.sentenceFirst[first]!, s.sentenceFirst[end]!];
    const [t0, t1] = [s.sentenceText[s0]!, s.sentenceText[s1]!];
    const [e0, e1] = [s.passageText[first]!, s.passageText[end]!];
    const [f0, f1] = [s.forwardFirst[first]!, s.forwardFirst[end]!];
    for (let row = first; row < end; row++) a.doc.push(d);
    a.position.append(s.position.subarray(first, end));
    a.start.append(s.start.subarray(first, end));
    a.end.append(s.end.subarray(first, end));
    a.length.append(s.length.subarray(first, end));
    a.sentenceFirst.append(s.sentenceFirst.subarray(first + 1, end + 1), a.sentenceStart.length - s0);
    a.sentenceStart.append(s.sentenceStart.subarray(s0, s1));
    a.sentenceEnd.append(s.sentenceEnd.subarray(s0, s1));
    a.sentenceText.append(s.sentenceText.subarray(s0 + 1, s1 + 1), this.text.length - t0);
    this.text.add(s.text.subarray(t0, t1));
    a.passageText.append(s.passageText.subarray(first + 1, end + 1), this.extra.length - e0);
    this.extra.add(s.extra.subarray(e0, e1));
    a.forwardFirst.append(s.forwardFirst.subarray(first + 1, end + 1), a.forwardTerm.length - f0);
    for (let i = f0; i < f1; i++) {
      const old = s.forwardTerm[i]!;
      if (remap[old] === -1) remap[old] = this.termId(from.vocabulary[old]!);
      a.forwardTerm.push(remap[old]!);
    }
    a.forwardTf.append(s.forwardTf.subarray(f0, f1));
    const [n0, n1] = [s.passageAnalysis[first]!, s.passageAnalysis[end]!];
    a.passageAnalysis.append(s.passageAnalysis.subarray(first + 1, end + 1), this.analysis.length - n0);
    this.analysis.add(analysis.subarray(n0, n1));
    this.endDocument(meta, body);
  }

  get passageCount(): number {
    return this.a.doc.length;
  }

  /** The file's sections in order, its layout and counts. Postings are the forward index inverted (rows ascending). */
  finish(): {
    chunks: Uint8Array[];
    layout: Layout;
    counts: Counts;
    bodies: Uint8Array[];
    analysis: Uint8Array[];
    ids: string[];
    vectors: Float32Array | null;
    sentenceVectors: Float32Array | null;
  } {
    const { a } = this;
    if (this.text.length > MAX_U32 || this.extra.length > MAX_U32 || a.forwardTerm.length > MAX_U32) {
      throw new Error('The collection is too large for one local index file (over 4 GB of passage text); use the PostgreSQL store.');
    }
    const forwardFirst = a.forwardFirst.done(),
      forwardTerm = a.forwardTerm.done(),
      forwardTf = a.forwardTf.done();
    const T = this.vocabulary.size;
    const termFirst = new Uint32Array(T + 1);
    for (let i = 0; i < forwardTerm.length; i++) termFirst[forwardTerm[i]! + 1]!++;
    for (let t = 0; t < T; t++) termFirst[t + 1]! += termFirst[t]!;
    const fill = termFirst.slice(0, T);
    const postingRow = new Uint32Array(forwardTerm.length),
      postingTf = new Uint16Array(forwardTerm.length);
    for (let row = 0; row + 1 < forwardFirst.length; row++) {
      for (let i = forwardFirst[row]!; i < forwardFirst[row + 1]!; i++) {
        const at = fill[forwardTerm[i]!]!++;
        postingRow[at] = row;
        postingTf[at] = forwardTf[i]!;
      }
    }
    const sections: Sections = {
      doc: a.doc.done(),
      position: a.position.done(),
      start: a.start.done(),
      end: a.end.done(),
      length: a.length.done(),
      sentenceFirst: a.sentenceFirst.done(),
      sentenceStart: a.sentenceStart.done(),
      sentenceEnd: a.sentenceEnd.done(),
      sentenceText: a.sentenceText.done(),
      passageText: a.passageText.done(),
      forwardFirst,
      forwardTerm,
      forwardTf,
      termFirst,
      postingRow,
      postingTf,
      docFirst: a.docFirst.done(),
      bodyFirst: a.bodyFirst.done(),
      passageAnalysis: a.passageAnalysis.done(),
      vocabulary: Buffer.from([...this.vocabulary.keys()].join('\n')),
      text: this.text.bytes(),
      extra: this.extra.bytes(),
    };
    const chunks: Uint8Array[] = [];
    const layout = {} as Layout;
    let offset = 0;
    for (const name of SECTION_NAMES) {
      const v = sections[name];
      layout[name] = { offset, length: v.length };
      chunks.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      offset += v.byteLength;
      const pad = (8 - (offset % 8)) % 8;
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
    }
    const counts = {
      passages: a.doc.length,
      sentences: a.sentenceStart.length,
      terms: T,
      postings: forwardTerm.length,
      documents: this.documents.length,
    };
    this.bodies.flush();
    this.analysis.flush();
    const ids = Array.from(sections.doc, (d, row) => `${this.documents[d]!.id}#${sections.position[row]}`);
    return {
      chunks,
      layout,
      counts,
      bodies: this.bodies.chunks,
      analysis: this.analysis.chunks,
      ids,
      vectors: this.dims === null ? null : this.vectors.done(),
      sentenceVectors: this.dims !== null && this.everySentenceVector ? this.sentenceVectors.done() : null,
    };
  }
}

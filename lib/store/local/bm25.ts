import { terms } from '../../text/normalize';
import { idf } from '../rank';

/** Okapi BM25 over folded, accent-insensitive terms (see text/normalize). */
export class Bm25 {
  private readonly postings = new Map<string, { doc: Int32Array; tf: Float32Array }>();
  private readonly lengths: Float32Array;
  private readonly avgLength: number;

  constructor(texts: string[], private readonly k1 = 1.2, private readonly b = 0.75) {
    this.lengths = new Float32Array(texts.length);
    const lists = new Map<string, { doc: number[]; tf: number[] }>();
    texts.forEach((text, d) => {
      const counts = new Map<string, number>();
      for (const t of terms(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
      this.lengths[d] = [...counts.values()].reduce((a, c) => a + c, 0);
      for (const [t, c] of counts) {
        let list = lists.get(t);
        if (!list) lists.set(t, (list = { doc: [], tf: [] }));
        list.doc.push(d);
        list.tf.push(c);
      }
    });
    for (const [t, l] of lists) this.postings.set(t, { doc: Int32Array.from(l.doc), tf: Float32Array.from(l.tf) });
    this.avgLength = texts.length ? this.lengths.reduce((a, c) => a + c, 0) / texts.length : 0;
  }

  get size(): number {
    return this.lengths.length;
  }

  /** Number of passages holding the term. */
  df(term: string): number {
    return this.postings.get(term)?.doc.length ?? 0;
  }

  /** Scores for every passage (0 where no query term occurs). */
  score(query: string): Float64Array {
    const scores = new Float64Array(this.size);
    for (const term of new Set(terms(query))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const w = idf(list.doc.length, this.size);
      for (let i = 0; i < list.doc.length; i++) {
        const d = list.doc[i]!;
        const tf = list.tf[i]!;
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[d]!) / (this.avgLength || 1));
        scores[d] = scores[d]! + (w * tf * (this.k1 + 1)) / (tf + norm);
      }
    }
    return scores;
  }
}

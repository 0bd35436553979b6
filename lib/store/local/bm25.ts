import { terms } from '@/lib/text/normalize';
import { idf } from '@/lib/store/rank';
import type { Table } from './table';

/** Okapi BM25 over the stored postings of folded, accent-insensitive terms (see text/normalize). */
export class Bm25 {
  private readonly avgLength: number;

  constructor(
    private readonly table: Table,
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    const { length } = table.s;
    let sum = 0;
    for (let i = 0; i < length.length; i++) sum += length[i]!;
    this.avgLength = length.length ? sum / length.length : 0;
  }

  /** Scores for every passage (0 where no query term occurs). */
  score(query: string): Float64Array {
    const { table, k1, b } = this;
    const { termFirst, postingRow, postingTf, length } = table.s;
    const scores = new Float64Array(table.size);
    for (const term of new Set(terms(query))) {
      const id = table.termId(term);
      if (id === undefined) continue;
      const w = idf(table.df(id), table.size);
      for (let i = termFirst[id]!; i < termFirst[id + 1]!; i++) {
        const d = postingRow[i]!;
        const tf = postingTf[i]!;
        const norm = k1 * (1 - b + (b * length[d]!) / (this.avgLength || 1));
        scores[d] = scores[d]! + (w * tf * (k1 + 1)) / (tf + norm);
      }
    }
    return scores;
  }
}

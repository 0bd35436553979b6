import { fold } from '@/lib/text/normalize';

/** Folded and with punctuation spacing evened out, so gold snippets survive quote and dash variants. */
export const matchForm = (text: string) => fold(text).replace(/\s+/g, ' ');

export function containsAny(text: string, needles: string[]): boolean {
  const hay = matchForm(text);
  return needles.some((n) => hay.includes(matchForm(n)));
}

/** Rank (1-based) of the first relevant item, or 0. */
export const firstHit = (relevant: boolean[]) => relevant.indexOf(true) + 1;

export function ndcgAt(relevant: boolean[], k: number, totalRelevant: number): number {
  let dcg = 0;
  relevant.slice(0, k).forEach((r, i) => {
    if (r) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, totalRelevant); i++) ideal += 1 / Math.log2(i + 2);
  return ideal ? dcg / ideal : 0;
}

export type RetrievalMetrics = {
  n: number;
  'recall@1': number;
  'recall@3': number;
  'recall@5': number;
  'recall@10': number;
  mrr: number;
  'ndcg@10': number;
  /** Share of questions with a passage from an article holding the evidence in the top 5, relevant passage or not. */
  'article@5': number;
};

/**
 * Averages over answerable questions. recall@k is the share of questions with a relevant passage
 * in the top k; `articleRelevant` marks ranked passages whose article holds some evidence.
 */
export function summarize(rows: { relevant: boolean[]; totalRelevant: number; articleRelevant: boolean[] }[]): RetrievalMetrics {
  const n = rows.length || 1;
  const avg = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / n;
  const hitAt = (k: number) =>
    avg((r) => {
      const h = firstHit(r.relevant);
      return h > 0 && h <= k ? 1 : 0;
    });
  return {
    n: rows.length,
    'recall@1': hitAt(1),
    'recall@3': hitAt(3),
    'recall@5': hitAt(5),
    'recall@10': hitAt(10),
    mrr: avg((r) => {
      const h = firstHit(r.relevant);
      return h ? 1 / h : 0;
    }),
    'ndcg@10': avg((r) => ndcgAt(r.relevant, 10, r.totalRelevant)),
    'article@5': avg((r) => {
      const h = firstHit(r.articleRelevant);
      return h > 0 && h <= 5 ? 1 : 0;
    }),
  };
}

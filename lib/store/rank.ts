/** Ranking helpers shared by the stores and by retrieval above them; pure functions of their inputs. */

/** BM25 inverse document frequency of a term in `df` of `n` passages (BM25+ style, never negative). */
export function idf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/**
 * Indices of the `n` largest scores among `allowed` rows (all rows when allowed is null), best
 * first. A bounded min-heap keeps this O(rows · log n) instead of sorting every row.
 */
export function topIndices(scores: Float64Array, n: number, allowed: Uint8Array | null): number[] {
  const heap: number[] = []; // row indices, min-heap by score
  const less = (a: number, b: number) => scores[a]! < scores[b]!;
  const siftUp = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    if (allowed && !allowed[i]) continue;
    if (heap.length < n) {
      heap.push(i);
      siftUp(heap.length - 1);
    } else if (n > 0 && scores[i]! > scores[heap[0]!]!) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

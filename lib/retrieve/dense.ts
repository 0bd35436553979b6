import { simdScan } from './simd';

/**
 * Dense scoring over one contiguous Float32Array of unit vectors (row-major). One flat array
 * scans at memory speed and loads in one read; an array of per-passage arrays does neither. Matrices from `allocateMatrix`
 * are scanned with WebAssembly SIMD, others with the loop below.
 */
export function cosineScan(matrix: Float32Array, dims: number, query: Float32Array, out = new Float64Array(matrix.length / dims)): Float64Array {
  if (simdScan(matrix, query, out)) return out;
  const rows = out.length;
  // Four accumulators break the add dependency chain so the loop can pipeline.
  const tail = dims - (dims % 4);
  for (let r = 0, base = 0; r < rows; r++, base += dims) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    let i = 0;
    for (; i < tail; i += 4) {
      a0 += matrix[base + i]! * query[i]!;
      a1 += matrix[base + i + 1]! * query[i + 1]!;
      a2 += matrix[base + i + 2]! * query[i + 2]!;
      a3 += matrix[base + i + 3]! * query[i + 3]!;
    }
    for (; i < dims; i++) a0 += matrix[base + i]! * query[i]!;
    out[r] = a0 + a1 + a2 + a3;
  }
  return out;
}

export function cosine(matrix: Float32Array, dims: number, a: number, b: number): number {
  let dot = 0;
  for (let i = 0; i < dims; i++) dot += matrix[a * dims + i]! * matrix[b * dims + i]!;
  return dot;
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
      const l = 2 * i + 1, r = l + 1;
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
    if (heap.length < n) { heap.push(i); siftUp(heap.length - 1); }
    else if (n > 0 && scores[i]! > scores[heap[0]!]!) { heap[0] = i; siftDown(0); }
  }
  return heap.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

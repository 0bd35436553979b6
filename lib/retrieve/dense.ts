/** Cosine scores of one unit query vector against every row of a contiguous matrix of unit vectors. */
export function cosineScan(matrix: Float32Array, dims: number, query: Float32Array): Float64Array {
  const rows = matrix.length / dims;
  const scores = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    const base = r * dims;
    for (let i = 0; i < dims; i++) dot += matrix[base + i]! * query[i]!;
    scores[r] = dot;
  }
  return scores;
}

export function cosine(matrix: Float32Array, dims: number, a: number, b: number): number {
  let dot = 0;
  for (let i = 0; i < dims; i++) dot += matrix[a * dims + i]! * matrix[b * dims + i]!;
  return dot;
}

/** Indices of the `n` largest scores among `allowed` rows (all rows when allowed is null), best first. */
export function topIndices(scores: Float64Array, n: number, allowed: Uint8Array | null): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!allowed || allowed[i]) idx.push(i);
  idx.sort((a, b) => scores[b]! - scores[a]!);
  return idx.slice(0, n);
}

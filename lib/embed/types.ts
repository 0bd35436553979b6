/** Turns text into unit-length vectors. Documents and queries may be embedded differently. */
export interface Embedder {
  /** Stable identity recorded in the index manifest; queries must use the embedder that built the index. */
  readonly id: string;
  /** Human-readable name for progress output and the UI. */
  readonly label: string;
  readonly dims: number;
  /** A request whose `signal` aborts is dropped, and its promise rejects with the abort reason. */
  embedDocuments(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array>;
}

export function normalizeVector(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

/** Turns text into unit-length vectors. Documents and queries may be embedded differently. */
export interface Embedder {
  /** Stable identity recorded in the index manifest; queries must use the embedder that built the index. */
  readonly id: string;
  /** Human-readable name for progress output and the UI. */
  readonly label: string;
  readonly dims: number;
  /** A request whose signal is aborted before the model takes it up is dropped, and rejects with the signal's reason. */
  embedDocuments(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array>;
  /** Releases the model (its worker threads); an embedder without one has nothing to release. */
  close?(): Promise<void>;
}

export { normalizeVector } from './models.mjs';

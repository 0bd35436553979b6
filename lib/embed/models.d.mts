/**
 * Which model to load, as plain data: it crosses into worker threads.
 * `use`: the bundled encoder on onnxruntime with `threads` cores (its package's path if that
 * fails); `use-package`: the bundled encoder as its package runs it; `transformers`: a
 * Transformers.js model, else with `fallback` the bundled encoder in the same thread.
 */
export type ModelSpec =
  | { kind: 'use'; cacheDir: string; threads: number }
  | { kind: 'use-package' }
  | {
      kind: 'transformers';
      model: string;
      localModelPath?: string;
      allowRemoteModels: boolean;
      cacheDir: string;
      queryPrefix?: string;
      fallback?: { threads: number };
    };

export type TextKind = 'query' | 'document';

export type LoadedModel = {
  id: string;
  label: string;
  dims: number;
  /** What the user should know about how it loaded (a fallback taken). */
  warnings: string[];
  embed(texts: string[], kind: TextKind): Promise<Float32Array[]>;
};

export const MAX_WORD_CHARS: number;
export const MAX_TEXT_CHARS: number;
export function boundForEmbedding(text: string): string;
export function normalizeVector(v: Float32Array): Float32Array;
export function loadModel(spec: ModelSpec): Promise<LoadedModel>;
export function couldNotLoadWarning(spec: { model: string; localModelPath?: string }, reason: string): string;
export const fallingBackWarning: string;

/** Which model to load, as plain data: it crosses into worker threads. */
export type ModelSpec =
  | { kind: 'use' }
  | { kind: 'transformers'; model: string; localModelPath?: string; allowRemoteModels: boolean; cacheDir: string; queryPrefix?: string };

export type TextKind = 'query' | 'document';

export type LoadedModel = {
  id: string;
  label: string;
  dims: number;
  embed(texts: string[], kind: TextKind): Promise<Float32Array[]>;
};

export const MAX_WORD_CHARS: number;
export const MAX_TEXT_CHARS: number;
export function boundForEmbedding(text: string): string;
export function normalizeVector(v: Float32Array): Float32Array;
export function loadModel(spec: ModelSpec): Promise<LoadedModel>;

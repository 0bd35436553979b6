export const MAX_TOKENS: number;
export function loadUseOnnx(opts: { cacheDir: string; threads: number }): Promise<{ embed(texts: string[]): Promise<Float32Array[]> }>;

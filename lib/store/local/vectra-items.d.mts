export type VectraItems = { ids: string[]; matrix: Float32Array } | { problem: 'width' | 'unreadable'; code?: string };
export function readVectraItems(dir: string, dims: number): Promise<VectraItems>;

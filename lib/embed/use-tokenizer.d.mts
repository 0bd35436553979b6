export type UseVocabulary = [piece: string, score: number][];
export function useTokenizer(vocabulary: UseVocabulary): { encode(input: string): number[] };

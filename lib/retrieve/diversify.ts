import { terms } from '@/lib/text/normalize';

/**
 * What diversification knows of one candidate: its distinct terms as ascending numbers (the
 * store's term ids, or hashes of the folded terms), and its stored vector, if any.
 */
export type Item = { terms: Uint32Array; vector: Float32Array | undefined };

/** FNV-1a: a term's number when the store has no ids to give (two terms sharing one only nudge a similarity). */
function hash(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A text's distinct folded terms as ascending numbers, for a passage the store gave no term ids for. */
export const hashedTerms = (text: string): Uint32Array => new Uint32Array([...new Set(terms(text).map(hash))]).sort();

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Shared terms by a merge of the two ascending lists. */
function overlap(a: Item, b: Item) {
  const x = a.terms,
    y = b.terms;
  let inter = 0;
  for (let i = 0, j = 0; i < x.length && j < y.length; ) {
    if (x[i]! < y[j]!) i++;
    else if (x[i]! > y[j]!) j++;
    else {
      inter++;
      i++;
      j++;
    }
  }
  return { inter, jaccard: inter / (x.length + y.length - inter || 1) };
}

/** Similarity of two passages: cosine of their vectors, or term-set Jaccard without vectors. */
export function passageSimilarity(a: Item, b: Item): number {
  const { jaccard } = overlap(a, b);
  if (!a.vector || !b.vector) return jaccard;
  return Math.max(jaccard, dot(a.vector, b.vector));
}

/** Above this a passage says the same thing as one already chosen: it corroborates, it does not add. */
const DUPLICATE = { jaccard: 0.5, cosine: 0.93, jaccardWithCosine: 0.25 };

export function isNearDuplicate(a: Item, b: Item): boolean {
  const { inter, jaccard } = overlap(a, b);
  // Containment, not Jaccard alone: a short passage repeated inside a longer one is a duplicate.
  if (inter / (Math.min(a.terms.length, b.terms.length) || 1) >= 0.8 || jaccard >= DUPLICATE.jaccard) return true;
  // Embeddings alone never decide: a weak model can put unrelated passages close together.
  return !!a.vector && !!b.vector && jaccard >= DUPLICATE.jaccardWithCosine && dot(a.vector, b.vector) >= DUPLICATE.cosine;
}

export type Diversified = { index: number; duplicates: number[] };

/**
 * Maximal marginal relevance over candidates ranked best first (`relevance[i]` is item i's
 * score): each pick trades relevance against similarity to what is already picked. Near-duplicates
 * of a pick (the same fact reported by another outlet) are attached to it instead of taking a
 * slot, so they stay citable. Returns indices into `items`.
 */
export function diversify(items: Item[], relevance: number[], k: number, lambda = 0.75): Diversified[] {
  const picked: Diversified[] = [];
  const pool = items.map((_, i) => i);
  // Each item's greatest similarity to a pick so far, brought up to date as each pick is made:
  // every pair is compared once, not once per round.
  const maxSim = new Float64Array(items.length);
  const duplicateOf = (index: number) => picked.find((p) => isNearDuplicate(items[index]!, items[p.index]!));
  while (picked.length < k && pool.length) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      const mmr = lambda * relevance[pool[i]!]! - (1 - lambda) * maxSim[pool[i]!]!;
      if (mmr > bestScore) {
        bestScore = mmr;
        best = i;
      }
    }
    const [index] = pool.splice(best, 1) as [number];
    const dupOf = duplicateOf(index);
    if (dupOf) dupOf.duplicates.push(index);
    else {
      picked.push({ index, duplicates: [] });
      for (const other of pool) maxSim[other] = Math.max(maxSim[other]!, passageSimilarity(items[other]!, items[index]!));
    }
  }
  // Remaining near-duplicates of the picks are still evidence for them.
  for (const index of pool) {
    const dupOf = duplicateOf(index);
    if (dupOf && relevance[index]! > 0) dupOf.duplicates.push(index);
  }
  return picked;
}

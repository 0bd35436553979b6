import type { Searcher } from './searcher';
import { cosine } from './dense';

/** Similarity of two passages: cosine of their vectors, or term-set Jaccard without vectors. */
export function passageSimilarity(s: Searcher, a: number, b: number): number {
  const v = s.snapshot.vectors;
  const ta = s.termSet(a);
  const tb = s.termSet(b);
  let inter = 0;
  for (const t of ta) if (tb.has(t)) inter++;
  const jaccard = inter / (ta.size + tb.size - inter || 1);
  if (!v || !s.snapshot.manifest.embedder) return jaccard;
  return Math.max(jaccard, cosine(v, s.snapshot.manifest.embedder.dims, a, b));
}

/** Above this a passage says the same thing as one already chosen: it corroborates, it does not add. */
const DUPLICATE = { jaccard: 0.5, cosine: 0.93, jaccardWithCosine: 0.25 };

export function isNearDuplicate(s: Searcher, a: number, b: number): boolean {
  const ta = s.termSet(a);
  const tb = s.termSet(b);
  let inter = 0;
  for (const t of ta) if (tb.has(t)) inter++;
  // Containment, not Jaccard alone: a short passage repeated inside a longer one is a duplicate.
  const jaccard = inter / (ta.size + tb.size - inter || 1);
  if (inter / (Math.min(ta.size, tb.size) || 1) >= 0.8 || jaccard >= DUPLICATE.jaccard) return true;
  // Embeddings alone never decide: a weak model can put unrelated passages close together.
  const v = s.snapshot.vectors;
  return !!v && !!s.snapshot.manifest.embedder && jaccard >= DUPLICATE.jaccardWithCosine && cosine(v, s.snapshot.manifest.embedder.dims, a, b) >= DUPLICATE.cosine;
}

export type Diversified = { row: number; duplicates: number[] };

/**
 * Maximal marginal relevance over ranked candidates: each pick trades relevance against
 * similarity to what is already picked. Near-duplicates of a pick (the same fact reported by
 * another outlet) are attached to it instead of taking a slot, so they stay citable.
 */
export function diversify(s: Searcher, ranked: number[], relevance: Float64Array, k: number, lambda = 0.75): Diversified[] {
  const picked: Diversified[] = [];
  const pool = [...ranked];
  while (picked.length < k && pool.length) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      const row = pool[i]!;
      let maxSim = 0;
      for (const p of picked) maxSim = Math.max(maxSim, passageSimilarity(s, row, p.row));
      const mmr = lambda * relevance[row]! - (1 - lambda) * maxSim;
      if (mmr > bestScore) { bestScore = mmr; best = i; }
    }
    const [row] = pool.splice(best, 1) as [number];
    const dupOf = picked.find((p) => isNearDuplicate(s, row, p.row));
    if (dupOf) dupOf.duplicates.push(row);
    else picked.push({ row, duplicates: [] });
  }
  // Remaining near-duplicates of the picks are still evidence for them.
  for (const row of pool) {
    const dupOf = picked.find((p) => isNearDuplicate(s, row, p.row));
    if (dupOf && relevance[row]! > 0) dupOf.duplicates.push(row);
  }
  return picked;
}

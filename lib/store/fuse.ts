/**
 * Score fusion for hybrid retrieval.
 *
 * Reciprocal-rank fusion throws the scores away: a passage that BM25 ranks first by a huge
 * margin (an exact figure, a rare name) counts no more than one ranked first by a hair. We keep
 * the scores instead and take a convex combination of per-query normalised scores (Bruch et al.,
 * "An Analysis of Fusion Functions for Hybrid Retrieval", 2023, find this beats RRF):
 *   - BM25 is divided by the query's best BM25 score (so 1 = the best lexical match);
 *   - cosine is rescaled between the query's median and best cosine, so passages that are no
 *     closer than a typical passage get 0 and the best gets 1 (raw cosines of unrelated text are
 *     far from 0 and differ between models, so they cannot be used as they are).
 * Each side is then weighted by how sure it is on this query: a retriever whose best score stands
 * far above its runners-up is confident; one with a flat top is guessing.
 */

import { topIndices } from './rank';

export type FusionInput = { lexical: Float64Array | null; dense: Float64Array | null; allowed: Uint8Array | null };

function normalizeLexical(scores: Float64Array, allowed: Uint8Array | null): Float64Array {
  let max = 0;
  for (let i = 0; i < scores.length; i++) if ((!allowed || allowed[i]) && scores[i]! > max) max = scores[i]!;
  const out = new Float64Array(scores.length);
  if (max > 0) for (let i = 0; i < scores.length; i++) out[i] = scores[i]! / max;
  return out;
}

/** Median of the allowed scores, from an even sample when there are many (exact up to 4096). */
function sampledMedian(scores: Float64Array, allowed: Uint8Array | null): number | null {
  const values: number[] = [];
  const step = Math.max(1, Math.floor(scores.length / 4096));
  for (let i = 0; i < scores.length; i += step) if (!allowed || allowed[i]) values.push(scores[i]!);
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

function normalizeDense(scores: Float64Array, allowed: Uint8Array | null): Float64Array {
  const out = new Float64Array(scores.length);
  const median = sampledMedian(scores, allowed);
  if (median === null) return out;
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if ((!allowed || allowed[i]) && scores[i]! > max) max = scores[i]!;
  const span = max - median || 1;
  for (let i = 0; i < scores.length; i++) out[i] = Math.max(0, (scores[i]! - median) / span);
  return out;
}

/** How far the best normalised score stands above the mean of the next few: 0 (flat) .. 1 (clear winner). */
function confidence(normalized: Float64Array, allowed: Uint8Array | null): number {
  const top = topIndices(normalized, 6, allowed).map((i) => normalized[i]!);
  if (top.length < 2 || top[0]! <= 0) return 0;
  const runners = top.slice(1);
  const mean = runners.reduce((a, c) => a + c, 0) / runners.length;
  return Math.min(1, Math.max(0, (top[0]! - mean) / top[0]!));
}

export function fuseScores({ lexical, dense, allowed }: FusionInput): Float64Array {
  const lex = lexical ? normalizeLexical(lexical, allowed) : null;
  const den = dense ? normalizeDense(dense, allowed) : null;
  if (!lex) return den ?? new Float64Array(0);
  if (!den) return lex;
  // Equal prior weight, shifted towards the more decisive retriever on this query.
  const cl = confidence(lex, allowed);
  const cd = confidence(den, allowed);
  const wLex = 0.5 + 0.5 * (cl - cd);
  const out = new Float64Array(lex.length);
  for (let i = 0; i < out.length; i++) out[i] = wLex * lex[i]! + (1 - wLex) * den[i]!;
  return out;
}

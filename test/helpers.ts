import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { parseConfig, type Config } from '@/lib/config';
import { normalizeVector, type Embedder } from '@/lib/embed/types';
import { terms, words } from '@/lib/text/normalize';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CORPUS = path.join(ROOT, 'corpus');

/** A temporary folder removed when the test file finishes. */
export async function tempDir(prefix = 'dossier-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A config over a private copy of the real corpus (or an empty corpus folder). */
export async function testConfig(env: Record<string, string> = {}, { copyCorpus = true } = {}): Promise<Config> {
  const dir = await tempDir();
  const corpusDir = path.join(dir, 'corpus');
  if (copyCorpus) await cp(CORPUS, corpusDir, { recursive: true });
  return parseConfig({
    DOSSIER_CORPUS_DIR: corpusDir,
    DOSSIER_INDEX_DIR: path.join(dir, 'index'),
    DOSSIER_EMBEDDING_MODEL: 'none',
    ...env,
  });
}

/**
 * A deterministic stand-in embedder (hashed bag of words) for pipeline tests that need vectors
 * but not meaning. Model loading itself is tested with the tiny ONNX model.
 */
export function hashingEmbedder(dims = 64, id = 'test:hashing'): Embedder {
  const embed = (text: string) => {
    const v = new Float32Array(dims);
    for (const t of terms(text)) {
      let h = 2166136261;
      for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619);
      v[Math.abs(h) % dims] = v[Math.abs(h) % dims]! + 1;
    }
    return normalizeVector(v);
  };
  return {
    id,
    label: 'hashing test embedder',
    dims,
    embedDocuments: async (texts) => texts.map(embed),
    embedQuery: async (text) => embed(text),
  };
}

/**
 * Two sentences saying the same thing, judged independently of the engine's own merging: most
 * terms shared, or a run of ten words in common.
 */
export function nearDuplicate(a: string, b: string): boolean {
  const ta = new Set(terms(a));
  const tb = new Set(terms(b));
  let inter = 0;
  for (const t of ta) if (tb.has(t)) inter++;
  if (inter / (ta.size + tb.size - inter || 1) >= 0.5) return true;
  const wa = words(a);
  const grams = new Set(wa.map((_, i) => wa.slice(i, i + 10).join(' ')).filter((g) => g.split(' ').length === 10));
  const wb = words(b);
  return wb.some((_, i) => grams.has(wb.slice(i, i + 10).join(' ')));
}

/** Largest gap between ticks of a 5 ms interval on this thread while `work` runs. */
export async function maxEventLoopGap(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(gap, performance.now() - last);
}

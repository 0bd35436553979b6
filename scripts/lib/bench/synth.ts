import { CLEANER_VERSION } from '@/lib/corpus/clean';
import type { CollectionData } from '@/lib/store/collection';
import type { Analysis } from '@/lib/store/types';

/**
 * A synthetic collection with realistic text statistics: passages recombine real sentences
 * (2–5 each) into documents of ~20 passages, and carry random unit vectors, so scale can be
 * measured without a model. With `analyse`, each sentence carries its analysis as ingest would
 * store it (worked out once per distinct sentence).
 */
export function synthesize(
  sentences: string[],
  count: number,
  dims: number,
  options: { seed?: number; analyse?: (text: string) => Analysis } = {},
): CollectionData {
  const seed = options.seed ?? 42;
  const analysed = new Map<string, Analysis>();
  const analysisOf = (text: string) => {
    let a = analysed.get(text);
    if (!a) analysed.set(text, (a = options.analyse!(text)));
    return a;
  };
  let state = seed >>> 0;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const perDoc = 20;
  const documents: CollectionData['documents'] = [];
  let total = 0;
  for (let d = 0; total < count; d++) {
    const docId = `synthetic-${d}`;
    let body = '';
    const n = Math.min(perDoc, count - total);
    const passages: CollectionData['documents'][number]['passages'] = [];
    const vectors: Float32Array[] = [];
    for (let p = 0; p < n; p++) {
      const picked = Array.from({ length: 2 + Math.floor(rand() * 4) }, () => sentences[Math.floor(rand() * sentences.length)]!);
      const start = body.length;
      const sents = picked.map((text) => {
        const s = body.length;
        body += `${text} `;
        return { start: s, end: s + text.length, text };
      });
      body += '\n\n';
      passages.push({ id: `${docId}#${p}`, docId, position: p, start, end: sents.at(-1)!.end, text: picked.join(' '), sentences: sents });
      const v = new Float32Array(dims);
      let norm = 0;
      for (let i = 0; i < dims; i++) {
        v[i] = gauss();
        norm += v[i]! * v[i]!;
      }
      norm = Math.sqrt(norm);
      for (let i = 0; i < dims; i++) v[i] = v[i]! / norm;
      vectors.push(v);
    }
    total += n;
    const meta = {
      id: docId,
      file: `${docId}.txt`,
      title: `Synthetic document ${d}`,
      hash: String(d),
      bodyOffset: 0,
      passageCount: n,
      outlet: `Outlet ${d % 7}`,
      published: `2024-${String(1 + (d % 12)).padStart(2, '0')}-15`,
    };
    const analyses = options.analyse ? passages.map((p) => p.sentences.map((s) => analysisOf(s.text))) : null;
    documents.push({ meta, body, passages, vectors, analyses });
  }
  return {
    info: {
      embedder: { id: 'synthetic:random-unit', label: 'random unit vectors', dims },
      chunking: { maxTokens: 160, overlapSentences: 0, cleanerVersion: CLEANER_VERSION },
      warnings: [],
    },
    documents,
  };
}

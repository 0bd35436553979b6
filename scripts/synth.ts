import path from 'node:path';
import { z } from 'zod';
import { synthesize } from './lib/bench/synth';
import { cliArgs, runCli } from './lib/cli/args';
import { getConfig } from '@/lib/config';
import { annotate } from '@/lib/nlp/annotate';
import { writeCollection } from '@/lib/store/collection';
import { openStore, openStoreWriter } from '@/lib/store/open';

const usage = `Usage: npm run synth -- --passages N [--dims 384] [--out DIR]

Writes a synthetic index of N passages (real sentences recombined, random unit vectors) to DIR
(default .dossier-synthetic-N), for scale tests: DOSSIER_INDEX_DIR=DIR npm run search -- "..."`;

const args = cliArgs(
  usage,
  { passages: { type: 'string' }, dims: { type: 'string' }, out: { type: 'string' } },
  z.object({
    passages: z.coerce.number().int().min(10).max(2_000_000),
    dims: z.coerce.number().int().min(8).max(4096).default(384),
    out: z.string().optional(),
    positionals: z.array(z.string()).max(0, 'is not expected'),
  }),
);

runCli(async () => {
  const cfg = getConfig();
  const sentences: string[] = [];
  for await (const p of (await openStore(cfg)).scanPassages()) sentences.push(...p.sentences.map((s) => s.text));
  const out = path.resolve(args.out ?? `.dossier-synthetic-${args.passages}`);
  const t = performance.now();
  const data = synthesize(sentences, args.passages, args.dims, { analyse: annotate });
  const name = await writeCollection(await openStoreWriter({ indexDir: out }), data);
  console.log(
    `Wrote ${args.passages} passages × ${args.dims} dims to ${out} (${name}) in ${((performance.now() - t) / 1000).toFixed(1)} s.`,
  );
  console.log('Note: the vectors are random, so dense and hybrid search over this index show speed, not quality.');
});

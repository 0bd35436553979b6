import { z } from 'zod';
import { documentMetaSchema } from '../types';

/** On-disk formats of a local index snapshot, validated whenever they are read. */

export const INDEX_FORMAT = 2;

export const manifestSchema = z.object({
  format: z.literal(INDEX_FORMAT),
  builtAt: z.string(),
  embedder: z.object({ id: z.string(), label: z.string(), dims: z.number().int().positive() }).nullable(),
  chunking: z.object({ maxTokens: z.number().int(), overlapSentences: z.number().int(), cleanerVersion: z.number().int() }),
  documents: z.array(documentMetaSchema),
  passageCount: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
});
export type Manifest = z.infer<typeof manifestSchema>;

const sentenceSchema = z.object({ start: z.number().int(), end: z.number().int(), text: z.string() });
export const passageSchema = z.object({
  id: z.string(),
  docId: z.string(),
  position: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  text: z.string(),
  sentences: z.array(sentenceSchema),
});
export const passagesFileSchema = z.array(passageSchema);

/** Original bodies, so citations resolve against exactly the text that was indexed. */
export const bodiesFileSchema = z.record(z.string(), z.string());

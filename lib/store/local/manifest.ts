import { z } from 'zod';
import { documentMetaSchema } from '@/lib/store/types';
import { SECTION_NAMES } from './table';

/** On-disk formats of a local index snapshot, validated whenever they are read. */

/**
 * 5: passages, postings and texts in one binary file; passage vectors as a vectra index, sentence
 * vectors as raw float32; sentence analyses (lib/text/analysis) in their own file.
 */
export const INDEX_FORMAT = 5;

const count = z.number().int().nonnegative();
const section = z.object({ offset: count, length: count });

export const manifestSchema = z.object({
  format: z.literal(INDEX_FORMAT),
  builtAt: z.string(),
  embedder: z.object({ id: z.string(), label: z.string(), dims: z.number().int().positive() }).nullable(),
  chunking: z.object({
    maxTokens: z.number().int(),
    overlapSentences: z.number().int(),
    cleanerVersion: z.number().int(),
    analyzerVersion: z.number().int().optional(),
  }),
  documents: z.array(documentMetaSchema),
  passageCount: count,
  warnings: z.array(z.string()),
  counts: z.object({ passages: count, sentences: count, terms: count, postings: count, documents: count }),
  layout: z.object(Object.fromEntries(SECTION_NAMES.map((n) => [n, section])) as Record<(typeof SECTION_NAMES)[number], typeof section>),
  /** Whether sentences-<dims>.f32 holds a unit vector per sentence (older ingests and lexical indexes have none). */
  sentenceVectors: z.boolean(),
});
export type Manifest = z.infer<typeof manifestSchema>;

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** eval/collections.json: each collection the eval runs, with its own questions and briefing topics. */
export const collectionsSchema = z.object({
  collections: z
    .array(
      z.object({
        name: z.string().regex(/^[\w.-]{1,60}$/, 'must be letters, digits, dots, dashes or underscores'),
        /** Article folder, relative to the repository root. */
        corpus: z.string().min(1),
        /** Index folder, relative to the repository root; by default .dossier-eval/<name>. */
        index: z.string().min(1).optional(),
        questions: z.array(z.string().min(1)).default([]),
        briefs: z.array(z.string().min(1)).default([]),
      }),
    )
    .min(1),
});

export type EvalCollection = { name: string; corpusDir: string; indexDir: string; questions: string[]; briefs: string[] };

export const EVAL_INDEX_ROOT = '.dossier-eval';

/**
 * Where a collection's index lives. A lexical-only run (DOSSIER_EMBEDDING_MODEL=none) gets its
 * own folder, so that it does not rebuild, and so overwrite, the dense index of the same collection.
 */
export function evalIndexDir(root: string, name: string, embeddingModel: string): string {
  return path.resolve(root, EVAL_INDEX_ROOT, embeddingModel === 'none' ? `${name}-lexical` : name);
}

/** Reads the collections file, resolving its paths from the repository root; `only` picks some by name. */
export async function loadCollections(file: string, root: string, embeddingModel: string, only: string[] = []): Promise<EvalCollection[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = collectionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: field "${issue.path.join('.')}" ${issue.message}.`);
  }
  const all = parsed.data.collections;
  const unknown = only.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length) throw new Error(`No collection named ${unknown.join(', ')} in ${file} (have: ${all.map((c) => c.name).join(', ')}).`);
  return all
    .filter((c) => !only.length || only.includes(c.name))
    .map((c) => ({
      name: c.name,
      corpusDir: path.resolve(root, c.corpus),
      indexDir: c.index ? path.resolve(root, c.index) : evalIndexDir(root, c.name, embeddingModel),
      questions: c.questions.map((f) => path.resolve(root, f)),
      briefs: c.briefs.map((f) => path.resolve(root, f)),
    }));
}

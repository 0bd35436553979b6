import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export const questionSchema = z.object({
  id: z.string().min(1),
  question: z.string().min(1),
  answers: z.array(z.string()).default([]),
  evidence: z.array(z.string().min(1)).default([]),
  answerable: z.boolean().default(true),
  tags: z.array(z.string()).default([]),
  /** Expected answer type (who, where, how-many, which-work, why…) and phrasing (plain, quiz, paraphrase), for breakdowns. */
  kind: z.string().optional(),
  style: z.string().optional(),
});
export type GoldQuestion = z.infer<typeof questionSchema>;

/** Reads a JSON-lines gold file; any bad line fails the whole file with its line number. */
export async function loadJsonl<T>(file: string, schema: z.ZodType<T>): Promise<T[]> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code}).`);
  }
  const out: T[] = [];
  raw.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1} is not valid JSON.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${file}:${i + 1}: field "${issue.path.join('.')}" ${issue.message}.`);
    }
    out.push(parsed.data);
  });
  return out;
}

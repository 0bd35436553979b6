import { z } from 'zod';
import type { AnswerEngine } from '@/lib/answer/types';
import { brief, type Briefing } from '@/lib/brief/brief';
import type { Config } from '@/lib/config';
import { terms } from '@/lib/text/normalize';
import { containsAny } from './metrics';

export const briefTopicSchema = z.object({
  id: z.string().min(1),
  topic: z.string(),
  facts: z.array(z.array(z.string().min(1)).min(1)).min(1),
});
export type BriefTopic = z.infer<typeof briefTopicSchema>;

export type BriefRecord = { t: BriefTopic; briefing: Briefing; covered: boolean[]; cited: number; duplicates: number; ms: number };

/** Bullet pairs that say the same thing (most terms shared). */
function duplicatePairs(texts: string[]): number {
  const sets = texts.map((t) => new Set(terms(t.replace(/\[\d+\]/g, ''))));
  let pairs = 0;
  for (let i = 0; i < sets.length; i++)
    for (let j = i + 1; j < sets.length; j++) {
      let inter = 0;
      for (const x of sets[i]!) if (sets[j]!.has(x)) inter++;
      if (inter / (sets[i]!.size + sets[j]!.size - inter || 1) >= 0.6) pairs++;
    }
  return pairs;
}

export async function evaluateBrief(cfg: Config, t: BriefTopic, engine: AnswerEngine): Promise<BriefRecord> {
  const started = performance.now();
  const briefing = await brief(cfg, t.topic, { engine });
  const text = briefing.bullets.map((b) => b.text).join('\n');
  return {
    t,
    briefing,
    ms: performance.now() - started,
    covered: t.facts.map((alternatives) => containsAny(text, alternatives)),
    cited: briefing.bullets.filter((b) => b.citations.length > 0).length,
    duplicates: duplicatePairs(briefing.bullets.map((b) => b.text)),
  };
}

export function summarizeBriefs(records: BriefRecord[]) {
  const facts = records.flatMap((r) => r.covered);
  const bullets = records.reduce((a, r) => a + r.briefing.bullets.length, 0);
  return {
    topics: records.length,
    factCoverage: facts.filter(Boolean).length / (facts.length || 1),
    citedBulletShare: records.reduce((a, r) => a + r.cited, 0) / (bullets || 1),
    duplicateBullets: records.reduce((a, r) => a + r.duplicates, 0),
    bulletsPerBriefing: bullets / (records.length || 1),
    supportedShare:
      records.flatMap((r) => r.briefing.checks).filter((c) => c.verdict === 'supported').length /
      (records.flatMap((r) => r.briefing.checks).length || 1),
  };
}

import { generateText } from 'ai';
import { callSignal } from '@/lib/ai/call';
import { languageModel } from '@/lib/ai/provider';
import { briefInstructions, sourcesBlock } from '@/lib/ai/prompts';
import type { LlmConfig } from '@/lib/config';
import type { RetrievedPassage } from '@/lib/retrieve/retrieve';
import { GENERAL_THEME } from './group';

/**
 * Asks the model for a briefing as Markdown (## theme headings, "- " bullets with passage-id
 * markers) and parses it into bullets; the caller validates the markers like an answer's.
 */
export async function llmBriefText(llm: LlmConfig, topic: string, passages: RetrievedPassage[], timeline: boolean, signal?: AbortSignal) {
  const sources = passages.flatMap((p) => [p, ...p.corroborating]);
  const { text } = await generateText({
    model: languageModel(llm),
    instructions: briefInstructions(timeline),
    prompt: `${sourcesBlock(sources)}\n\nTopic: ${topic || 'the whole collection'}`,
    maxRetries: 0,
    abortSignal: callSignal(llm, signal),
  });
  const bullets: { text: string; theme: string; year?: number }[] = [];
  let theme = GENERAL_THEME;
  for (const line of text.split('\n')) {
    const heading = /^#{1,4}\s(.+)$/.exec(line.trim());
    if (heading) {
      theme = heading[1]!.trim();
      continue;
    }
    const bullet = /^[-*•]\s(.+)$/.exec(line.trim());
    if (bullet) {
      const year = Number(bullet[1]!.match(/\b(19|20)\d{2}\b/)?.[0]) || undefined;
      bullets.push({ text: bullet[1]!.trim(), theme: timeline ? String(year ?? '') : theme, year });
    }
  }
  if (bullets.length === 0) throw new Error('the model returned no bullets');
  return bullets.slice(0, 8);
}

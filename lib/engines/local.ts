import { composeLocalAnswer } from '@/lib/answer/local';
import { REFUSAL } from '@/lib/answer/types';
import { localBrief } from '@/lib/brief/local';
import type { Engine } from './engine';
import { pacedFor } from './gate';

/** Emits text the way a model would: a few words at a time, so every consumer handles a real stream. */
async function* inPieces(text: string): AsyncGenerator<string> {
  for (const piece of text.match(/\S+\s*/g) ?? []) yield piece;
}

/** The extractive engine: needs no network, so it is also what every other engine falls back to. */
export const localEngine: Engine = {
  name: 'local',
  async answer(turn) {
    const local = await pacedFor(turn.searcher.store)(() => composeLocalAnswer(turn.searcher, turn.query, turn.passages, turn.signal), {
      since: turn.since,
      signal: turn.signal,
    });
    return {
      chunks: inPieces(local.refused ? REFUSAL : local.text),
      refused: () => local.refused,
      spans: (id) => local.spans.get(id),
      short: () => local.short,
    };
  },
  brief: (job) => pacedFor(job.searcher.store)(() => localBrief(job), { since: job.since, signal: job.signal }),
};

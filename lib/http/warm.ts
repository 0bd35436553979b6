import { answerOnce } from '@/lib/answer/answer';
import { getConfig } from '@/lib/config';
import { annotate } from '@/lib/nlp/annotate';
import { getSearcher } from '@/lib/retrieve/searcher';

/**
 * What the first question would otherwise wait for, done as the server starts: the collection and
 * its embedding model (with its worker thread), the tagger's model and the name lexicon, and one
 * made-up question through the local engine so its code is compiled before anyone asks. Without
 * it the first few questions after a start took ten times as long as the next ones.
 *
 * Never fails: a missing or damaged index, or a model that does not load, is what the requests
 * themselves report, in sentences.
 */
export async function warmUp(): Promise<void> {
  try {
    const cfg = getConfig();
    annotate('The minister met reporters in Paris on Monday, 3 March, and said prices rose 4%.');
    const searcher = await getSearcher(cfg);
    const [first] = await searcher.store.documents();
    // A question in the collection's own words, so retrieval and answering do real work.
    await answerOnce(cfg, [{ role: 'user', content: `What happened in ${first?.title ?? 'the news'}?` }], { engine: 'local' });
  } catch {
    // Reported by the requests that need what failed here.
  }
}

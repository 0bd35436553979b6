import { CitationRegistry, MarkerRewriter, checkCitations, citableLookup, semanticSupport } from '@/lib/answer/citations';
import type { AnswerEngine, Citation, SentenceCheck } from '@/lib/answer/types';
import type { Config } from '@/lib/config';
import type { BriefJob } from '@/lib/engines/engine';
import { pacedFor } from '@/lib/engines/gate';
import { pickEngine, withFallback } from '@/lib/engines/select';
import { documentsOf, retrieve, type RetrievedPassage } from '@/lib/retrieve/retrieve';
import { withAnalyses } from '@/lib/retrieve/analyses';
import { getSearcher, type Searcher } from '@/lib/retrieve/searcher';
import { isTimelineRequest, subjectOf } from './timeline';

/** `date` (YYYY, YYYY-MM or YYYY-MM-DD) is the event's date in a timeline, also shown at the bullet's start. */
export type BriefBullet = { text: string; theme: string; year?: number; date?: string; citations: Citation[] };
export type Briefing = {
  title: string;
  topic: string;
  kind: 'summary' | 'timeline';
  bullets: BriefBullet[];
  citations: Citation[];
  articlesUsed: { docId: string; title: string; outlet?: string; published?: string }[];
  engine: AnswerEngine;
  /** True when nothing in the collection is about the topic. */
  empty: boolean;
  checks: SentenceCheck[];
  removedMarkers: number;
  warnings: string[];
  ms: number;
};

const MIN_BULLETS = 4;
/** Passages retrieved for a topic (with the articles corroborating them). More (16–24) measured no better on either collection. */
const RETRIEVE_K = 12;

/** Every passage as a retrieval result, for a briefing on the whole collection. */
async function allPassages(s: Searcher): Promise<RetrievedPassage[]> {
  const docs = new Map((await s.store.documents()).map((d) => [d.id, d]));
  const out: RetrievedPassage[] = [];
  for await (const p of s.store.scanPassages())
    out.push({ ...p, doc: docs.get(p.docId)!, score: 1, lexicalScore: null, denseScore: null, corroborating: [] });
  return withAnalyses(s.store, out);
}

function titleFor(topic: string, timeline: boolean, docCount: number): string {
  if (!topic) return `Briefing: the whole collection (${docCount} articles)`;
  const t = topic.trim().replace(/\?$/, '');
  return `${timeline ? 'Timeline' : 'Briefing'}: ${t.charAt(0).toUpperCase()}${t.slice(1)}`;
}

export async function brief(cfg: Config, topic = '', options: { engine?: AnswerEngine; signal?: AbortSignal } = {}): Promise<Briefing> {
  const started = performance.now();
  const s = await getSearcher(cfg);
  const warnings = [...s.warnings];
  const picked = pickEngine(cfg, options.engine ?? cfg.engine, 'briefing');
  if (picked.warning) warnings.push(picked.warning);
  const requested = isTimelineRequest(topic);
  // "How did X change over time" is about X; the framing words only add noise to retrieval.
  const subject = requested ? subjectOf(topic) : topic;
  const passages = subject
    ? (
        await pacedFor(s.store)(() => retrieve(s, subject, { k: RETRIEVE_K, analyses: true, signal: options.signal }), {
          since: started,
          signal: options.signal,
        })
      ).passages
    : await allPassages(s);
  const docOf = documentsOf(passages);
  const job: BriefJob = { cfg, searcher: s, topic, subject, passages, timeline: requested, since: started, signal: options.signal };
  const {
    engine,
    value: draft,
    warning,
  } = await withFallback(picked.engine, (e) => e.brief(job), { task: 'briefing', signal: options.signal });
  if (warning) warnings.push(warning);
  const { timeline } = draft;
  const registry = new CitationRegistry(await citableLookup(s, passages));
  const rewriter = new MarkerRewriter(registry, draft.spans);
  const lines = draft.lines.map((l) => ({ ...l, text: rewriter.push(l.text) + rewriter.flush() }));
  const bullets: BriefBullet[] = lines.map((l) => ({
    ...l,
    citations: [...new Set([...l.text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))].map((n) => registry.get(n)!).filter(Boolean),
  }));
  const citations = registry.list();
  const semantic = await semanticSupport(s, registry);
  // A timeline's date prefix comes from the article's metadata when the sentence gives none: the claim checked is the sentence.
  const checks = (
    await Promise.all(
      bullets.map((b) => checkCitations(b.date ? b.text.slice(b.date.length + 3) : b.text, registry, semantic, options.signal)),
    )
  ).flat();
  const docs = [...new Set(citations.map((c) => c.docId))].map((id) => docOf.get(id)!);
  if (bullets.length < MIN_BULLETS && bullets.length > 0)
    warnings.push(`Only ${bullets.length} distinct facts on this topic were found in the articles.`);
  return {
    title: titleFor(topic, timeline, s.info.documentCount),
    topic,
    kind: timeline ? 'timeline' : 'summary',
    bullets,
    citations,
    articlesUsed: docs.map((d) => ({ docId: d.id, title: d.title, outlet: d.outlet, published: d.published })),
    engine: engine.name,
    empty: bullets.length === 0,
    checks,
    removedMarkers: rewriter.removed,
    warnings,
    ms: performance.now() - started,
  };
}

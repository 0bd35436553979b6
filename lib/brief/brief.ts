import { CitationRegistry, MarkerRewriter, checkCitations, citableLookup, passageVectorLookup } from '../answer/citations';
import { describeError } from '../ai/call';
import { jaccard, numbersOf, rankSentences, sameFact, withMarkers, type Candidate } from '../answer/local';
import type { AnswerEngine, Citation, SentenceCheck } from '../answer/types';
import type { Config } from '../config';
import { retrieve, type RetrievedPassage } from '../retrieve/retrieve';
import { getSearcher, type Searcher } from '../retrieve/searcher';
import { words } from '../text/normalize';
import { llmBriefText } from './llm';
import { OTHER_THEME, isTimelineTopic, subjectOf, themeOf } from './themes';

export type BriefBullet = { text: string; theme: string; year?: number; citations: Citation[] };
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
const MAX_BULLETS = 8;
const YEAR = /\b(19|20)\d{2}\b/;

/** Every passage as a retrieval result, for a briefing on the whole collection. */
function allPassages(s: Searcher): RetrievedPassage[] {
  return s.snapshot.passages.map((p) => ({ ...p, doc: s.docIndex.get(p.docId)!, score: 1, lexicalScore: null, denseScore: null, corroborating: [] }));
}

type Pick = { c: Candidate; support: Candidate[]; year?: number };

/**
 * Extractive briefing: the most informative, most corroborated sentences on the topic, one fact
 * per bullet, each restatement in another article merged into the bullet as an extra citation.
 */
async function localPicks(s: Searcher, topic: string, passages: RetrievedPassage[], timeline: boolean, signal?: AbortSignal): Promise<Pick[]> {
  const { ranked } = await rankSentences(s, topic, passages, signal);
  // News paragraphs open with a topic sentence and give the specifics after it: a sentence that
  // follows a relevant one in the same article inherits most of its relevance.
  const byPosition = [...ranked].sort((a, b) => (a.docId === b.docId ? a.start - b.start : a.docId < b.docId ? -1 : 1));
  byPosition.forEach((c, i) => {
    const prev = byPosition[i - 1];
    if (prev && prev.docId === c.docId && c.start - prev.end < 40) c.relevance = Math.max(c.relevance, prev.relevance * 0.85);
  });
  const usable = ranked.filter((c) => { const n = words(c.text).length; return n >= 8 && n <= 100; });
  const bestRelevance = Math.max(0, ...usable.map((c) => c.relevance));
  const topicFacet = topic && !timeline ? themeOf(topic) : OTHER_THEME;
  const scored = usable
    .filter((c) => !topic || c.relevance >= bestRelevance * (timeline ? 0.4 : 0.5))
    .filter((c) => !timeline || YEAR.test(c.text))
    .map((c) => {
      const corroboration = new Set(usable.filter((o) => o.docId !== c.docId && sameFact(c, o)).map((o) => o.docId)).size;
      // Figures and names make a bullet worth reading; count them, capped.
      const names = c.text.slice(1).match(/(?<![\p{L}\p{M}])\p{Lu}[\p{Ll}\p{M}]+(?: \p{Lu}[\p{Ll}\p{M}]+)*/gu)?.length ?? 0;
      const specifics = Math.min(1.5, (/\d/.test(c.text) ? 0.75 : 0) + Math.min(names, 3) * 0.25);
      const body = s.snapshot.bodies[c.docId]!;
      const position = 1 - c.start / Math.max(1, body.length); // inverted pyramid: early sentences matter more
      const value = topic
        ? 0.45 * (c.relevance / (bestRelevance || 1)) + 0.2 * Math.min(corroboration, 2) / 2 + 0.25 * specifics / 1.5 + 0.1 * position
        : 0.4 * Math.min(corroboration, 3) / 3 + 0.35 * specifics / 1.5 + 0.25 * position;
      // A timeline wants dated milestones; a sentence listing several is worth more.
      const years = timeline ? Math.min(4, new Set(c.text.match(/\b(19|20)\d{2}\b/g)).size) / 4 : 0;
      // A topic that names a facet ("defence and security") wants that facet's facts first; a
      // sentence from another facet got in only by sitting next to a relevant one.
      const offFacet = topicFacet !== OTHER_THEME && ![topicFacet, OTHER_THEME].includes(themeOf(c.text));
      return { c, value: (value + 0.3 * years) * (offFacet ? 0.6 : 1) };
    })
    .sort((a, b) => b.value - a.value);

  const picks: Pick[] = [];
  const used = new Set<Candidate>();
  for (const { c } of scored) {
    if (picks.length >= MAX_BULLETS) break;
    if (used.has(c)) continue;
    // Redundant unless it brings a figure the similar pick lacks (a year another article skipped).
    const dup = picks.find((p) => sameFact(p.c, c) || (jaccard(p.c.terms, c.terms) > 0.35 && [...numbersOf(c.text)].every((n) => numbersOf(p.c.text).has(n))));
    if (dup) {
      if (c.docId !== dup.c.docId && !dup.support.some((x) => x.docId === c.docId) && sameFact(dup.c, c)) dup.support.push(c);
      used.add(c);
      continue;
    }
    used.add(c);
    picks.push({ c, support: [], year: Number(c.text.match(YEAR)?.[0]) || undefined });
  }
  // Corroboration from sentences that did not make the cut still counts.
  for (const p of picks) for (const o of usable) {
    if (o !== p.c && o.docId !== p.c.docId && !p.support.some((x) => x.docId === o.docId) && sameFact(p.c, o)) p.support.push(o);
  }
  return timeline ? picks.sort((a, b) => (a.year ?? 0) - (b.year ?? 0)) : picks;
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
  let engine: AnswerEngine = options.engine ?? cfg.engine;
  if (engine === 'llm' && !cfg.llm) {
    engine = 'local';
    warnings.push('No LLM is configured (set DOSSIER_LLM_PROVIDER); briefing with the local engine.');
  }
  const timeline = isTimelineTopic(topic);
  // "How did X change over time" is about X; the framing words only add noise to retrieval.
  const subject = timeline ? subjectOf(topic) : topic;
  const passages = subject ? (await retrieve(s, subject, { k: 12, signal: options.signal })).passages : allPassages(s);
  const registry = new CitationRegistry(citableLookup(s, passages));
  const spans = new Map<string, [number, number][]>();
  const rewriter = new MarkerRewriter(registry, (id) => spans.get(id));
  let lines: { text: string; theme: string; year?: number }[] = [];

  if (engine === 'llm') {
    try {
      lines = (await llmBriefText(cfg.llm!, s, topic, passages, timeline, options.signal)).map((b) => ({ ...b, text: rewriter.push(b.text) + rewriter.flush() }));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      engine = 'local';
      warnings.push(`The LLM could not be reached (${describeError(error)}); here is the local briefing instead.`);
    }
  }
  if (engine === 'local') {
    const picks = await localPicks(s, subject, passages, timeline, options.signal);
    for (const p of picks) for (const c of [p.c, ...p.support]) spans.set(c.passageId, [...(spans.get(c.passageId) ?? []), [c.start, c.end]]);
    lines = picks.map((p) => ({
      text: rewriter.push(withMarkers(`${timeline && p.year ? `${p.year} — ` : ''}${p.c.text}`, [p.c.passageId, ...p.support.map((x) => x.passageId)])) + rewriter.flush(),
      theme: timeline ? String(p.year ?? '') : themeOf(p.c.text),
      year: p.year,
    }));
  }

  // Group by theme, keeping the themes in order of their strongest bullet.
  if (!timeline) {
    const order = [...new Set(lines.map((l) => l.theme))].sort((a, b) => (a === OTHER_THEME ? 1 : b === OTHER_THEME ? -1 : 0));
    lines = order.flatMap((t) => lines.filter((l) => l.theme === t));
  }
  const bullets: BriefBullet[] = lines.map((l) => ({
    ...l,
    citations: [...new Set([...l.text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))].map((n) => registry.get(n)!).filter(Boolean),
  }));
  const citations = registry.list();
  const semantic = s.embedder && s.snapshot.vectors ? { embedder: s.embedder, passageVector: passageVectorLookup(s) } : null;
  const checks = (await Promise.all(bullets.map((b) => checkCitations(b.text, registry, semantic, options.signal)))).flat();
  const docs = [...new Set(citations.map((c) => c.docId))].map((id) => s.docIndex.get(id)!);
  if (bullets.length < MIN_BULLETS && bullets.length > 0) warnings.push(`Only ${bullets.length} distinct facts on this topic were found in the articles.`);
  return {
    title: titleFor(topic, timeline, s.snapshot.manifest.documents.length),
    topic,
    kind: timeline ? 'timeline' : 'summary',
    bullets,
    citations,
    articlesUsed: docs.map((d) => ({ docId: d.id, title: d.title, outlet: d.outlet, published: d.published })),
    engine,
    empty: bullets.length === 0,
    checks,
    removedMarkers: rewriter.removed,
    warnings,
    ms: performance.now() - started,
  };
}

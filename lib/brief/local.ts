import type { BriefDraft, BriefJob } from '@/lib/engines/engine';
import { analyze } from '@/lib/nlp/analyze';
import { analysisOf } from '@/lib/nlp/annotate';
import { asks, jaccard, numbersOf, rankSentences, sameFact, withMarkers, type Candidate } from '@/lib/answer/sentences';
import { documentsOf, type RetrievedPassage } from '@/lib/retrieve/retrieve';
import type { Searcher } from '@/lib/retrieve/searcher';
import { storedSentenceEmbedder } from '@/lib/retrieve/sentences';
import { words } from '@/lib/text/normalize';
import { groupBullets, namesOf } from './group';
import { eventDate, isUnfoldingStory } from './timeline';

/** The local engine's briefing: extractive, one checked sentence of the articles per bullet. */

const MAX_BULLETS = 8;
const YEAR = /\b(19|20)\d{2}\b/;
/** Bullets one article may give, so that a briefing covers the topic across articles… */
const PER_ARTICLE = 2;
/** …unless fewer articles than this are about it. */
const FEW_ARTICLES = 4;
/** A sentence opening on a description ("The company said…") names its subject less well than one naming it. */
const DESCRIBED_SUBJECT = 0.85;
/**
 * A sentence whose own relevance is below this share of the best got in by following a relevant
 * one, and may be on another subject: its value is scaled by BORROWED.
 */
const OWN_RELEVANCE = 0.3;
const BORROWED = 0.6;
/**
 * A sentence that is a quotation ("…," she said) gives a view rather than a fact of the story: a
 * briefing wants the reported facts first.
 */
const QUOTED = 0.8;

type Pick = { c: Candidate; support: Candidate[]; year?: number };

/**
 * How a sentence opens: a fragment (starting mid-sentence, or not ending as a sentence) is never a bullet; one
 * opening on a pronoun ("He said…", "That's about…") does not say what it is about; one opening
 * on "the" and a common noun ("The company…") says it less well than a name would; one opening on
 * a quotation mark is somebody's words.
 */
export function opening(sentence: string, analysis = analyze(sentence)): 'fragment' | 'pronoun' | 'quoted' | 'described' | 'named' {
  const tokens = analysis.tokens.filter((t) => t.pos !== 'PUNCT');
  const [first, second] = tokens;
  // Headlines, captions and video blurbs do not end as sentences do. (The tagger reads some verbs as
  // nouns, "marks", "visit", so a missing verb is no sign of a fragment.)
  if (!first || /^\p{Ll}/u.test(first.text) || !/[.!?]["'”’)]*$/.test(sentence.trimEnd())) return 'fragment';
  if (
    first.pos === 'PRON' ||
    (first.pos === 'DET' &&
      first.lemma !== 'the' &&
      first.lemma !== 'a' &&
      first.lemma !== 'an' &&
      second?.pos !== 'NOUN' &&
      second?.pos !== 'PROPN' &&
      second?.pos !== 'ADJ')
  )
    return 'pronoun';
  if (/^["“‘]/.test(sentence.trimStart())) return 'quoted';
  if (first.lemma === 'the' && second?.pos === 'NOUN') return 'described';
  return 'named';
}

/**
 * Extractive briefing: the most informative, most corroborated sentences on the topic, one fact
 * per bullet, each restatement in another article merged into the bullet as an extra citation,
 * at most a couple of bullets from any one article.
 */
async function localPicks(
  s: Searcher,
  topic: string,
  passages: RetrievedPassage[],
  timeline: boolean,
  signal?: AbortSignal,
): Promise<Pick[]> {
  const { ranked } = await rankSentences(s, topic, passages, signal);
  const bodyLength = new Map(
    await Promise.all(
      [...new Set(ranked.map((c) => c.docId))].map(async (id) => [id, (await s.store.documentText(id))?.length ?? 0] as const),
    ),
  );
  // News paragraphs open with a topic sentence and give the specifics after it: a sentence that
  // follows a relevant one in the same article inherits most of its relevance.
  const byPosition = [...ranked].sort((a, b) => (a.docId === b.docId ? a.start - b.start : a.docId < b.docId ? -1 : 1));
  const previous = new Map<Candidate, Candidate>();
  const ownRelevance = new Map(ranked.map((c) => [c, c.relevance]));
  byPosition.forEach((c, i) => {
    const prev = byPosition[i - 1];
    if (prev && prev.docId === c.docId && c.start - prev.end < 40 && prev.end <= c.start) {
      c.relevance = Math.max(c.relevance, prev.relevance * 0.85);
      previous.set(c, prev);
    }
  });
  const shape = new Map<Candidate, ReturnType<typeof opening>>();
  const shapeOf = (c: Candidate) => {
    let v = shape.get(c);
    if (!v) {
      v = opening(c.text, analysisOf(c));
      shape.set(c, v);
    }
    return v;
  };
  const sized = (c: Candidate) => {
    const n = words(c.text).length;
    return n >= 8 && n <= 100;
  };
  // A sentence that asks states no fact to brief with.
  const usable = ranked.filter((c) => sized(c) && !asks(c.text));
  const bestRelevance = Math.max(0, ...usable.map((c) => c.relevance));
  const scored = usable
    .filter((c) => !topic || c.relevance >= bestRelevance * (timeline ? 0.4 : 0.5))
    .filter((c) => !timeline || YEAR.test(c.text))
    .flatMap((c) => {
      // A sentence that does not say what it is about stands in for the one before it, which does.
      let kind = shapeOf(c);
      if (kind === 'fragment') return [];
      let own = c;
      if (kind === 'pronoun') {
        const prev = previous.get(c);
        if (!prev || !sized(prev) || (timeline && !YEAR.test(prev.text))) return [];
        kind = shapeOf(prev);
        if (kind === 'fragment' || kind === 'pronoun') return [];
        own = prev;
      }
      return [{ c: own, relevance: Math.max(c.relevance, own.relevance), kind }];
    })
    .map(({ c, relevance, kind }) => {
      const corroboration = new Set(usable.filter((o) => o.docId !== c.docId && sameFact(c, o)).map((o) => o.docId)).size;
      // Figures and names make a bullet worth reading; count them, capped.
      const names = c.text.slice(1).match(/(?<![\p{L}\p{M}])\p{Lu}[\p{Ll}\p{M}]+(?: \p{Lu}[\p{Ll}\p{M}]+)*/gu)?.length ?? 0;
      const specifics = Math.min(1.5, (/\d/.test(c.text) ? 0.75 : 0) + Math.min(names, 3) * 0.25);
      const position = 1 - c.start / Math.max(1, bodyLength.get(c.docId)!); // inverted pyramid: early sentences matter more
      const value = topic
        ? 0.45 * (relevance / (bestRelevance || 1)) + (0.2 * Math.min(corroboration, 2)) / 2 + (0.25 * specifics) / 1.5 + 0.1 * position
        : (0.4 * Math.min(corroboration, 3)) / 3 + (0.35 * specifics) / 1.5 + 0.25 * position;
      // A timeline wants dated milestones; a sentence listing several is worth more.
      const years = timeline ? Math.min(4, new Set(c.text.match(/\b(19|20)\d{2}\b/g)).size) / 4 : 0;
      // A sentence in only by sitting next to a relevant one may be on another subject altogether.
      const borrowed = topic && ownRelevance.get(c)! < bestRelevance * OWN_RELEVANCE ? BORROWED : 1;
      return { c, value: (value + 0.3 * years) * (kind === 'described' ? DESCRIBED_SUBJECT : kind === 'quoted' ? QUOTED : 1) * borrowed };
    })
    .sort((a, b) => b.value - a.value);

  const articles = new Set(scored.map((x) => x.c.docId)).size;
  const perArticle = articles < FEW_ARTICLES ? MAX_BULLETS : PER_ARTICLE;
  const fromArticle = new Map<string, number>();
  const picks: Pick[] = [];
  const used = new Set<Candidate>();
  for (const { c } of scored) {
    if (picks.length >= MAX_BULLETS) break;
    if (used.has(c)) continue;
    // Redundant unless it brings a figure the similar pick lacks (a year another article skipped).
    const dup = picks.find(
      (p) => sameFact(p.c, c) || (jaccard(p.c.terms, c.terms) > 0.35 && [...numbersOf(c.text)].every((n) => numbersOf(p.c.text).has(n))),
    );
    if (dup) {
      if (c.docId !== dup.c.docId && !dup.support.some((x) => x.docId === c.docId) && sameFact(dup.c, c)) dup.support.push(c);
      used.add(c);
      continue;
    }
    if ((fromArticle.get(c.docId) ?? 0) >= perArticle) continue;
    used.add(c);
    fromArticle.set(c.docId, (fromArticle.get(c.docId) ?? 0) + 1);
    picks.push({ c, support: [], year: Number(c.text.match(YEAR)?.[0]) || undefined });
  }
  // Corroboration from sentences that did not make the cut still counts.
  for (const p of picks)
    for (const o of usable) {
      if (o !== p.c && o.docId !== p.c.docId && !p.support.some((x) => x.docId === o.docId) && sameFact(p.c, o)) p.support.push(o);
    }
  return picks;
}

export async function localBrief(job: BriefJob): Promise<BriefDraft> {
  const { searcher: s, subject, signal } = job;
  let picks = await localPicks(s, subject, job.passages, job.timeline, signal);
  const docOf = documentsOf(job.passages);
  const published = (p: Pick) => docOf.get(p.c.docId)?.published;
  // A story that unfolds (reported weeks apart, the same names throughout) reads best in date order.
  const timeline =
    job.timeline ||
    (!!subject &&
      isUnfoldingStory(picks.map((p) => ({ docId: p.c.docId, published: published(p), names: namesOf(p.c.text, analysisOf(p.c)) }))));
  const dated = picks.map((p) => ({ p, date: timeline ? eventDate(p.c.text, published(p), analysisOf(p.c)) : null }));
  if (timeline) dated.sort((a, b) => (a.date?.key ?? '').localeCompare(b.date?.key ?? ''));
  picks = dated.map((d) => d.p);
  const spans = new Map<string, [number, number][]>();
  for (const p of picks) for (const c of [p.c, ...p.support]) spans.set(c.passageId, [...(spans.get(c.passageId) ?? []), [c.start, c.end]]);
  let lines = dated.map(({ p, date }) => ({
    text: withMarkers(`${date ? `${date.label} — ` : ''}${p.c.text}`, [p.c.passageId, ...p.support.map((x) => x.passageId)]),
    theme: date?.label ?? '',
    year: date?.year ?? p.year,
    date: date?.label,
  }));
  if (!timeline) {
    // The bullets are sentences of the collection: their vectors were stored at ingest.
    const vectors = s.embedder
      ? await (
          await storedSentenceEmbedder(
            { ...s, embedder: s.embedder },
            picks.map((p) => p.c.passageId),
          )
        ).embedDocuments(
          picks.map((p) => p.c.text),
          signal,
        )
      : null;
    lines = groupBullets(
      lines,
      picks.map((p) => p.c.text),
      vectors,
      subject,
    );
  }
  return { lines, timeline, spans: (id) => spans.get(id) };
}

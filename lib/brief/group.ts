import { analyze } from '@/lib/nlp/analyze';
import { typeOf } from '@/lib/nlp/annotate';
import { fold, terms } from '@/lib/text/normalize';

/**
 * Grouping a briefing's bullets by what they are about, found from the bullets themselves: the
 * sentences are clustered by similarity (sentence embeddings when the index has an embedder,
 * TF-IDF term vectors otherwise) and each group is named from its own words. Nothing here knows
 * any collection's subjects.
 */

/** The heading for bullets that share their subject with no other bullet. */
export const GENERAL_THEME = 'Other developments';
/** The heading of a briefing none of whose groups has a name of its own. */
export const ONLY_THEME = 'Main points';

/**
 * Two bullets belong together when their similarity reaches this (cosine). Embeddings of sentences
 * on one topic are all fairly close, so their bar is higher than that of sparse term vectors.
 */
export const SIMILARITY = { embedding: 0.6, terms: 0.18 } as const;
/** A shared proper name counts this much towards two bullets' similarity. */
const SHARED_NAME_WEIGHT = 0.25;
/** A name that most bullets carry is the briefing's topic, not what sets a group apart. */
const TOPIC_SHARE = 0.6;

export const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
};

/** TF-IDF vectors of texts over their own vocabulary (IDF from the texts given). */
export function termVectors(texts: string[]): Float64Array[] {
  const sets = texts.map((t) => terms(t));
  const vocab = new Map<string, number>();
  const df = new Map<string, number>();
  for (const ts of sets)
    for (const t of new Set(ts)) {
      df.set(t, (df.get(t) ?? 0) + 1);
      if (!vocab.has(t)) vocab.set(t, vocab.size);
    }
  return sets.map((ts) => {
    const v = new Float64Array(vocab.size);
    for (const t of ts) v[vocab.get(t)!] += Math.log(1 + texts.length / df.get(t)!);
    return v;
  });
}

/** The proper names of a sentence, folded, from wink-nlp's name spans. */
export const namesOf = (text: string, analysis = analyze(text)) =>
  new Set(analysis.spans.filter((s) => s.kind === 'name').map((s) => fold(s.text)));

/**
 * Average-link agglomerative clustering: the two closest groups merge while their mean pairwise
 * similarity reaches `threshold`. Returns a group number per item, groups numbered by their first item.
 */
export function cluster(similarity: number[][], threshold: number): number[] {
  let groups = similarity.map((_, i) => [i]);
  const link = (a: number[], b: number[]) =>
    a.reduce((s, i) => s + b.reduce((t, j) => t + similarity[i]![j]!, 0), 0) / (a.length * b.length);
  for (;;) {
    let best = -Infinity;
    let pair: [number, number] | null = null;
    for (let i = 0; i < groups.length; i++)
      for (let j = i + 1; j < groups.length; j++) {
        const l = link(groups[i]!, groups[j]!);
        if (l > best) {
          best = l;
          pair = [i, j];
        }
      }
    if (!pair || best < threshold) break;
    const [i, j] = pair;
    groups = groups.map((g, k) => (k === i ? [...g, ...groups[j]!].sort((x, y) => x - y) : g)).filter((_, k) => k !== j);
  }
  const out = new Array<number>(similarity.length);
  groups
    .sort((a, b) => a[0]! - b[0]!)
    .forEach((g, n) => {
      for (const i of g) out[i] = n;
    });
  return out;
}

/** Pairwise similarity of bullets: their vectors' cosine plus a share for each proper name they have in common beyond the topic's own. */
export function similarities(texts: string[], vectors: ArrayLike<number>[]): number[][] {
  const names = texts.map((t) => namesOf(t));
  const common = topicNames(names);
  return texts.map((_, i) =>
    texts.map((__, j) => {
      if (i === j) return 1;
      const shared = [...names[i]!].filter((n) => names[j]!.has(n) && !common.has(n)).length;
      return cosine(vectors[i]!, vectors[j]!) + SHARED_NAME_WEIGHT * Math.min(shared, 2);
    }),
  );
}

/** Names that most of the bullets carry: what the whole briefing is about. */
function topicNames(names: Set<string>[]): Set<string> {
  const count = new Map<string, number>();
  for (const ns of names) for (const n of ns) count.set(n, (count.get(n) ?? 0) + 1);
  return new Set([...count].filter(([, c]) => names.length > 2 && c >= TOPIC_SHARE * names.length).map(([n]) => n));
}

/**
 * Names that could head a group: not a date written with capitals ("Monday", "July") and not a
 * nationality or adjective ("Iranian"), which says too little on its own.
 */
function headingNames(text: string) {
  const spans = analyze(text).spans;
  const dates = spans.filter((s) => s.kind === 'date');
  return spans.filter((s) => s.kind === 'name' && !dates.some((d) => d.start < s.end && s.start < d.end) && typeOf(s) !== 'descriptor');
}

/**
 * Nouns and names of a sentence that could name a group, keyed by lemma, as written in the text.
 * A word of a longer name is no name of its own ("Prime" of "Prime Minister Ana Lutz").
 */
function keyWords(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const { tokens, spans } = analyze(text);
  // Nor is a day, a time or a span of time ("Tuesday", "decades"): they say when, not what about.
  const covered = spans.filter(
    (sp) => (sp.kind === 'name' && /\s/.test(sp.text)) || sp.kind === 'date' || sp.kind === 'time' || sp.kind === 'duration',
  );
  for (const t of tokens) {
    if (covered.some((sp) => sp.start <= t.start && t.end <= sp.end)) continue;
    if ((t.pos === 'NOUN' || t.pos === 'PROPN') && /^\p{L}[\p{L}\p{M}'-]{2,}$/u.test(t.text) && !out.has(t.lemma))
      out.set(t.lemma, t.pos === 'PROPN' ? t.text : t.text.toLowerCase());
  }
  return out;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A heading for each group, from its own words: the proper name its bullets share that sets it
 * apart from the other bullets (not one the topic or nearly every bullet carries), else the noun
 * its bullets share most distinctively. A group of one, or a group with nothing distinctive in
 * common, goes under the general heading.
 */
export function nameGroups(texts: string[], groupOf: number[], topic = ''): Map<number, string> {
  const names = texts.map(headingNames);
  const folded = names.map((ns) => new Set(ns.map((s) => fold(s.text))));
  const common = topicNames(folded);
  const topicText = fold(topic);
  const topicTerms = new Set(terms(topic));
  const nouns = texts.map(keyWords);
  const out = new Map<number, string>();
  const taken = new Set<string>();
  for (const g of [...new Set(groupOf)]) {
    const members = groupOf.flatMap((x, i) => (x === g ? [i] : []));
    const others = groupOf.flatMap((x, i) => (x === g ? [] : [i]));
    let heading = GENERAL_THEME;
    if (members.length > 1) {
      // Distinctiveness: share of the group carrying it minus share of the other bullets carrying it.
      const score = (has: (i: number) => boolean) =>
        members.filter(has).length / members.length - (others.length ? others.filter(has).length / others.length : 0);
      let best = 0;
      for (const i of members)
        for (const span of names[i]!) {
          const key = fold(span.text);
          if (common.has(key) || topicText.includes(key) || taken.has(key)) continue;
          const inGroup = members.filter((m) => folded[m]!.has(key)).length;
          const s = score((m) => folded[m]!.has(key));
          if (inGroup >= 2 && s > best) {
            best = s;
            heading = span.text;
          }
        }
      if (heading === GENERAL_THEME) {
        for (const i of members)
          for (const [lemma, written] of nouns[i]!) {
            if (taken.has(lemma) || terms(lemma).some((t) => topicTerms.has(t))) continue;
            const inGroup = members.filter((m) => nouns[m]!.has(lemma)).length;
            const s = score((m) => nouns[m]!.has(lemma));
            // A common noun heads a group only if most of it is about that ("decades" in two of five is not).
            if (inGroup >= Math.max(2, members.length / 2) && s > best) {
              best = s;
              heading = capitalise(written);
            }
          }
      }
      if (heading !== GENERAL_THEME) taken.add(fold(heading));
    }
    out.set(g, heading);
  }
  return out;
}

/**
 * Groups bullets by their sentences (`texts`, without citation markers) and names the groups;
 * bullets come back in group order (groups in order of their strongest bullet, the general
 * heading last), each with its heading.
 */
export function groupBullets<T>(items: T[], texts: string[], vectors: ArrayLike<number>[] | null, topic = ''): (T & { theme: string })[] {
  if (!items.length) return [];
  const vs = vectors ?? termVectors(texts);
  const groupOf = cluster(similarities(texts, vs), vectors ? SIMILARITY.embedding : SIMILARITY.terms);
  const heading = nameGroups(texts, groupOf, topic);
  // With no named group at all, "Other developments" would point at others that are not there.
  const general = [...heading.values()].every((h) => h === GENERAL_THEME) ? ONLY_THEME : GENERAL_THEME;
  const themed = items.map((x, i) => {
    const h = heading.get(groupOf[i]!)!;
    return { ...x, theme: h === GENERAL_THEME ? general : h };
  });
  const order = [...new Set(themed.map((x) => x.theme))].sort((a, b) => Number(a === GENERAL_THEME) - Number(b === GENERAL_THEME));
  return order.flatMap((t) => themed.filter((x) => x.theme === t));
}

import nlp from 'compromise';
import type { NameType } from '@/lib/text/analysis';
import { countriesOfCapital } from './places';

export type { NameType } from '@/lib/text/analysis';

/**
 * What kind of thing a proper name names, from compromise's lexicon of given names, places and
 * organisation patterns ("Bank", "Inc", "University"). About 1 ms a name, so the collection's
 * names are typed once at ingest (lib/nlp/annotate) and a question's when it needs it, and remembered.
 */
const cache = new Map<string, NameType>();
const CACHE_SIZE = 20_000;

export function nameType(name: string): NameType {
  const key = name.slice(0, 200);
  let type = cache.get(key);
  if (type) return type;
  const doc = nlp(key);
  const tags = doc.terms().json() as { terms: { tags: string[] }[] }[];
  const describing = tags.length > 0 && tags.every((t) => t.terms.every((x) => x.tags.includes('Demonym') || x.tags.includes('Adjective')));
  // Organisations first: "Bank of England" also holds a place.
  type = describing
    ? 'descriptor'
    : doc.organizations().found
      ? 'org'
      : doc.people().found
        ? 'person'
        : doc.places().found
          ? 'place'
          : 'unknown';
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, type);
  return type;
}

/**
 * Whether a name is a country's and nothing smaller: "Japan", not "Mexico City", nor "Singapore",
 * a city as well (its country's capital).
 */
export function isCountry(name: string): boolean {
  const terms = nlp(name.slice(0, 200)).terms().json() as { terms: { tags: string[] }[] }[];
  return terms.length > 0 && terms.every((t) => t.terms[0]!.tags.includes('Country')) && countriesOfCapital(name).length === 0;
}

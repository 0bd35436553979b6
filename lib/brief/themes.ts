import { fold } from '../text/normalize';

/**
 * Sub-themes for grouping briefing bullets: the standing facets of news about relations between
 * countries, organisations or markets. A bullet goes to the facet whose vocabulary it uses most.
 */
const THEMES: [string, RegExp][] = [
  ['Diplomacy and relations', /\b(partnership|relations?|diplomatic|diplomacy|visits?|talks|summit|dialogues?|ambassadors?|joint statement|leaders?|ties|anniversary)\b/g],
  ['Economy, trade and aid', /\b(trade|investments?|investors?|oda|loans?|yen|economic|economy|fdi|markets?|compan(y|ies)|enterprises?|exports?|imports?|supply chains?|business(es)?|infrastructure|retail|stores?|shopping|malls?|factory|factories|subsidiary|funded)\b/g],
  ['Defence and security', /\b(defen[cs]e|security|military|maritime|coast guard|patrol|navy|peacekeeping|ordnance|weapons?|osa)\b/g],
  ['People, labour and culture', /\b(workers?|labou?r|students?|tourists?|tourism|people-to-people|culture|cultural|education|trainees?|employment|living|skills)\b/g],
  ['Technology, energy and climate', /\b(digital|green|energy|climate|innovation|technolog(y|ies)|semiconductors?|net-zero|smart|power|gas|emissions?|transformation)\b/g],
  ['Regional and international issues', /\b(sea|asean|regional|international (law|order)|unclos|indo-pacific|mekong|g7|navigation|un charter)\b/g],
];

export const OTHER_THEME = 'Other developments';

export function themeOf(text: string): string {
  const f = fold(text);
  let best = OTHER_THEME;
  let bestCount = 0;
  for (const [name, re] of THEMES) {
    const count = f.match(re)?.length ?? 0;
    if (count > bestCount) { best = name; bestCount = count; }
  }
  return best;
}

/** Topics that ask how something changed get a dated timeline instead of themes. */
export const isTimelineTopic = (topic: string) => /\b(chang(e|ed|es)|evolv(e|ed)|evolution|over time|timeline|history|histor(ic|ical)|chronolog|progress(ed|ion)?|milestones?)\b/i.test(topic);

/** The subject of a timeline request: "how did the partnership evolve over time" → "the partnership". */
export function subjectOf(topic: string): string {
  return topic
    .replace(/\b(how (has|have|did|do|does)|what is the|give me a|show me the|timeline of|history of|evolution of)\b/gi, ' ')
    .replace(/\b(chang(e|ed|es)|evolv(e|ed)|evolution|over time|timeline|history|progress(ed)?|milestones?|developed)\b/gi, ' ')
    .replace(/[?]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

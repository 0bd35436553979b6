import { analyze } from '@/lib/nlp/analyze';

/**
 * Timelines: when a briefing's facts are a story that unfolds, and the date of each event. The
 * phrasing of a request ("how did X change") is English, not any collection's words; whether a
 * story unfolds is read from the picked passages' own dates.
 */

/** Topics that ask how something changed get a dated timeline. */
export const isTimelineRequest = (topic: string) =>
  /\b(chang(e|ed|es)|evolv(e|ed)|evolution|over time|timeline|history|histor(ic|ical)|chronolog|progress(ed|ion)?|milestones?)\b/i.test(
    topic,
  );

/** The subject of a timeline request: "how did the partnership evolve over time" → "the partnership". */
export function subjectOf(topic: string): string {
  return topic
    .replace(/\b(how (has|have|did|do|does)|what is the|give me a|show me the|timeline of|history of|evolution of)\b/gi, ' ')
    .replace(/\b(chang(e|ed|es)|evolv(e|ed)|evolution|over time|timeline|history|progress(ed)?|milestones?|developed)\b/gi, ' ')
    .replace(/[?]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An event's date as precise as known: `key` sorts (YYYY, YYYY-MM or YYYY-MM-DD), `label` is shown. */
export type EventDate = { key: string; label: string; year: number; fromText: boolean };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH =
  /\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?(?:\s+(\d{1,2})\b)?/i;
const YEAR = /\b(1[89]\d{2}|20\d{2})\b/;
const pad = (n: number) => String(n).padStart(2, '0');

function fromParts(year: number, month?: number, day?: number): EventDate {
  const key = month === undefined ? String(year) : day === undefined ? `${year}-${pad(month)}` : `${year}-${pad(month)}-${pad(day)}`;
  return { key, label: key, year, fromText: true };
}

/** A date (YYYY-MM-DD) as an event date, or null. */
function published(date: string | undefined): EventDate | null {
  const m = date ? /^(\d{4})-(\d{2})-(\d{2})/.exec(date) : null;
  return m ? { ...fromParts(Number(m[1]), Number(m[2]), Number(m[3])), fromText: false } : null;
}

/**
 * When the event a sentence reports happened: the first date in it that gives a month or a year
 * (wink-nlp's DATE spans; a month and day without a year are in the year that puts them nearest
 * the article's publication), else the article's publication date.
 * "Monday" or "last week" only say it was around publication, so they count as publication; a
 * year the tagger did not read as a date still dates the sentence.
 */
export function eventDate(sentence: string, publishedOn?: string, analysis = analyze(sentence)): EventDate | null {
  const pub = published(publishedOn);
  for (const span of analysis.spans) {
    if (span.kind !== 'date') continue;
    const year = YEAR.exec(span.text);
    const month = MONTH.exec(span.text);
    const m = month ? MONTHS.indexOf(month[1]!.slice(0, 3).toLowerCase()) + 1 : 0;
    const day = month?.[2] ? Number(month[2]) : undefined;
    const validDay = day !== undefined && day >= 1 && day <= 31 ? day : undefined;
    if (year) return fromParts(Number(year[1]), m || undefined, m ? validDay : undefined);
    if (m && pub) {
      // News dates a coming event as readily as a past one: the year that puts it nearest publication.
      const month = pub.year * 12 + Number(pub.key.slice(5, 7));
      const year = [pub.year - 1, pub.year, pub.year + 1].reduce((a, b) =>
        Math.abs(b * 12 + m - month) < Math.abs(a * 12 + m - month) ? b : a,
      );
      return fromParts(year, m, validDay);
    }
  }
  // The tagger does not read every year as a date ("The year 2023 marks…").
  const year = YEAR.exec(sentence);
  return year ? fromParts(Number(year[1])) : pub;
}

/** A story unfolds over at least this many days of reporting… */
export const STORY_MIN_DAYS = 14;
/** …in at least this many articles published on different days. */
export const STORY_MIN_DATES = 3;

const dayNumber = (key: string) => Date.parse(`${key}T00:00:00Z`) / 86_400_000;

/**
 * Whether picked facts tell a story that unfolds: several articles published on different days,
 * weeks apart, that share a name (the same people, place or thing in each). Background dates
 * inside one day's articles ("relations established in 1973") do not make a story.
 */
export function isUnfoldingStory(items: { docId: string; published?: string; names: Set<string> }[]): boolean {
  const byDoc = new Map<string, { day: number; names: Set<string> }>();
  for (const x of items) {
    const p = published(x.published);
    if (!p) continue;
    const entry = byDoc.get(x.docId) ?? { day: dayNumber(p.key), names: new Set<string>() };
    for (const n of x.names) entry.names.add(n);
    byDoc.set(x.docId, entry);
  }
  const docs = [...byDoc.values()];
  // The name most of these articles share: the story's subject.
  const count = new Map<string, number>();
  for (const d of docs) for (const n of d.names) count.set(n, (count.get(n) ?? 0) + 1);
  const [subject] = [...count].sort((a, b) => b[1] - a[1])[0] ?? [];
  const onStory = subject === undefined ? [] : docs.filter((d) => d.names.has(subject));
  const days = [...new Set(onStory.map((d) => d.day))];
  return days.length >= STORY_MIN_DATES && Math.max(...days) - Math.min(...days) >= STORY_MIN_DAYS;
}

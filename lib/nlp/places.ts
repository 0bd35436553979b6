import { countries } from 'countries-list';
import { fold } from '@/lib/text/normalize';

/**
 * News writes a capital for its country's government ("talks between Tokyo and Hanoi"). The
 * country names (English, native, aliases) each capital may stand for, from countries-list.
 */
const byCapital = new Map<string, string[]>();
for (const c of Object.values(countries)) {
  if (!c.capital) continue;
  const key = fold(c.capital);
  byCapital.set(key, [...(byCapital.get(key) ?? []), c.name, c.native, ...(c.alias ?? [])]);
}

/** The countries a place name may stand for when it is a capital; none otherwise. */
export function countriesOfCapital(name: string): string[] {
  return byCapital.get(fold(name)) ?? [];
}

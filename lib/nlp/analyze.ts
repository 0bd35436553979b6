import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import type { Analysis, Span, SpanKind, Token } from '@/lib/text/analysis';

export type { Analysis, Span, SpanKind, Token } from '@/lib/text/analysis';

/**
 * Tokens, parts of speech and typed spans of one sentence, from wink-nlp's English model
 * (about 0.2 ms a sentence). Offsets index into the text given, so a span can be highlighted in
 * the article it came from.
 */

const nlp = winkNLP(model);
const its = nlp.its;

/** Longer texts are analysed up to this length: sentences are bounded far below it at ingest. */
const MAX_CHARS = 4000;

const ENTITY_KINDS: Record<string, SpanKind> = {
  DATE: 'date',
  TIME: 'time',
  MONEY: 'money',
  PERCENT: 'percent',
  CARDINAL: 'number',
  ORDINAL: 'ordinal',
  DURATION: 'duration',
};

/**
 * Joiners allowed inside a name: "Bank of England", "Charles de Gaulle". Not "and": "Vo Van Thuong
 * and Kishida Fumio" are two people far more often than one name.
 */
const NAME_JOINERS = new Set(['of', 'de', 'du', 'la', 'von', 'van', 'al', 'bin']);
const QUOTES = new Set(['"', '“', '”', "'", '‘', '’']);

const cache = new Map<string, Analysis>();
const CACHE_SIZE = 5000;

export function analyze(input: string): Analysis {
  const text = input.length > MAX_CHARS ? input.slice(0, MAX_CHARS) : input;
  const hit = cache.get(text);
  if (hit) return hit;
  const doc = nlp.readDoc(text);
  const values = doc.tokens().out(its.value) as string[];
  const pos = doc.tokens().out(its.pos) as string[];
  // The lemma accessor's type asks for model add-ons that the English model provides itself.
  const lemmas = doc.tokens().out(its.lemma as unknown as typeof its.value) as string[];
  const tokens: Token[] = [];
  let cursor = 0;
  values.forEach((value, i) => {
    // wink keeps each token's characters; find it from where the previous one ended.
    const at = text.indexOf(value, cursor);
    const start = at >= 0 && at - cursor < 64 ? at : cursor;
    const end = Math.min(text.length, start + value.length);
    tokens.push({ text: value, start, end, pos: pos[i] ?? 'X', lemma: (lemmas[i] ?? value).toLowerCase() });
    cursor = end;
  });

  const spans: Span[] = [];
  const entitySpans = doc.entities().out(its.span) as [number, number][];
  const entityTypes = doc.entities().out(its.type) as string[];
  entitySpans.forEach(([a, b], i) => {
    const kind = ENTITY_KINDS[entityTypes[i]!];
    // "since November 2012", "by 2045": the value without its preposition.
    while (a < b && tokens[a]!.pos === 'ADP') a++;
    if (kind && tokens[a] && tokens[b])
      spans.push({ kind, text: text.slice(tokens[a].start, tokens[b].end), start: tokens[a].start, end: tokens[b].end });
  });
  spans.push(...names(text, tokens), ...quotedTitles(text, tokens));
  const out = { tokens, spans };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(text, out);
  return out;
}

const isProper = (t: Token | undefined) => !!t && t.pos === 'PROPN' && /^[\p{Lu}\d]/u.test(t.text);

/** A capitalised common noun carries on a name already begun: "Dinosaur Valley State Park". */
const continuesName = (t: Token | undefined) => isProper(t) || (!!t && (t.pos === 'NOUN' || t.pos === 'ADJ') && /^\p{Lu}/u.test(t.text));
/** Characters that hold a word together when nothing separates them: "Mar-a-Lago", "al-Ekhbariya", "O'Neill". */
const WORD_GLUE = /^[\p{L}\p{M}\p{N}'’-]+$/u;

/**
 * Maximal runs of proper nouns, joined across "of"/"de" when a proper noun follows, and widened
 * to the whole written word where the tokenizer split it ("Tomljanovi" + "ć", "Mar" "-" "a" "-" "Lago").
 */
function names(text: string, tokens: Token[]): Span[] {
  const out: Span[] = [];
  const glued = (a: Token | undefined, b: Token | undefined) =>
    !!a && !!b && a.end === b.start && WORD_GLUE.test(a.text) && WORD_GLUE.test(b.text);
  for (let i = 0; i < tokens.length; i++) {
    if (!isProper(tokens[i])) continue;
    let first = i;
    while (glued(tokens[first - 1], tokens[first])) first--;
    let j = i;
    for (;;) {
      if (glued(tokens[j], tokens[j + 1]) || continuesName(tokens[j + 1])) j++;
      else if (NAME_JOINERS.has(tokens[j + 1]?.lemma ?? '') && isProper(tokens[j + 2])) j += 2;
      else break;
    }
    // "Iran's" names Iran: a possessive ending is not part of the name.
    let end = tokens[j]!.end;
    const possessive = /['’]s$/.exec(text.slice(tokens[first]!.start, end));
    if (possessive && end - possessive[0].length > tokens[first]!.start) end -= possessive[0].length;
    out.push({ kind: 'name', text: text.slice(tokens[first]!.start, end), start: tokens[first]!.start, end });
    // "cosmonaut Anna Kikina of Roscosmos": each side of a joiner is a name of its own too. A
    // joiner written with a capital belongs to the name: "Vo Van Thuong" is one person.
    for (let k = first + 1; k < j; k++) {
      if (!NAME_JOINERS.has(tokens[k]!.lemma) || /^\p{Lu}/u.test(tokens[k]!.text)) continue;
      out.push({
        kind: 'name',
        text: text.slice(tokens[first]!.start, tokens[k - 1]!.end),
        start: tokens[first]!.start,
        end: tokens[k - 1]!.end,
      });
      out.push({ kind: 'name', text: text.slice(tokens[k + 1]!.start, end), start: tokens[k + 1]!.start, end });
    }
    i = j;
  }
  return out;
}

/** A short quoted run that opens with a capital: the title of a show, film, book or song. */
function quotedTitles(text: string, tokens: Token[]): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!QUOTES.has(tokens[i]!.text)) continue;
    const first = tokens[i + 1];
    if (!first || !/^[\p{Lu}\d]/u.test(first.text)) continue;
    for (let j = i + 1; j < Math.min(tokens.length, i + 12); j++) {
      if (QUOTES.has(tokens[j]!.text)) {
        if (j > i + 1)
          out.push({ kind: 'title', text: text.slice(first.start, tokens[j - 1]!.end), start: first.start, end: tokens[j - 1]!.end });
        i = j;
        break;
      }
    }
  }
  return out;
}

/**
 * The word lists the engine still needs, in one place. Each is closed-class English grammar or a
 * general category of nouns (what kind of thing a "which X" question asks for); none is taken
 * from any collection or eval set. Adding a category noun is one word in one list.
 */

/** Nouns whose instances are people: "which official", "what actor". */
export const PERSON_NOUNS = new Set(
  (
    'person people man woman men women boy girl child official minister leader president premier chancellor ' +
    'king queen prince princess ambassador envoy diplomat senator governor mayor lawmaker politician candidate ' +
    'judge justice lawyer attorney prosecutor officer spokesperson spokesman spokeswoman ceo executive founder ' +
    'chairman chairwoman chair director manager owner investor billionaire actor actress singer rapper musician ' +
    'artist author writer journalist reporter host star celebrity player athlete coach driver golfer swimmer ' +
    'runner boxer champion scientist doctor astronaut pilot soldier general commander victim suspect survivor ' +
    'student teacher professor researcher economist analyst member rival opponent winner loser successor ' +
    'predecessor nominee pope bishop activist designer chef model celebrity influencer'
  ).split(' '),
);

/** Nouns whose instances are places. */
export const PLACE_NOUNS = new Set(
  (
    'place part country nation state city town village capital province region county district island continent ' +
    'territory neighborhood neighbourhood location site venue port harbor harbour airport stadium arena ' +
    'street border coast river lake sea ocean mountain park prison hospital building'
  ).split(' '),
);

/** Places that contain others: "which state" is answered by "North Carolina" in "Charlotte, North Carolina". */
export const REGION_NOUNS = new Set('country nation state province region county territory continent'.split(' '));

/** Places within a country: a country's name does not answer "which city" or "which port". */
export const LOCAL_PLACE_NOUNS = new Set(
  'part city town village capital province county district neighborhood neighbourhood port harbor harbour airport stadium arena street park prison hospital building venue'.split(
    ' ',
  ),
);

/**
 * Words for a share, written out: "half", or "two-thirds" (a fraction joined to its count: alone,
 * "third" and "quarter" are more often an ordinal or a period, "the second quarter").
 */
export const FRACTION_WORDS = new Set(['half']);
export const FRACTION_PARTS = new Set(['third', 'quarter', 'fifth']);

/** Nouns whose instances are organisations. */
export const ORG_NOUNS = new Set(
  (
    'company firm business corporation bank lender airline carmaker automaker maker manufacturer retailer chain ' +
    'brand network channel broadcaster newspaper outlet publisher studio label team club party agency ' +
    'organisation organization group union association institution university college school ministry ' +
    'department court committee commission council government administration regulator authority charity ' +
    'startup exchange fund league federation body military army navy police'
  ).split(' '),
);

/** Nouns whose instances are titled works: answered by a title, often quoted. */
export const WORK_NOUNS = new Set(
  (
    'show series film movie documentary book novel memoir song album single record play musical opera game ' +
    'podcast episode painting poem newsletter report bill law act program programme app'
  ).split(' '),
);

/** Nouns that make a "what/which X" question ask for a date. */
export const DATE_NOUNS = new Set('year date month day time week decade century season'.split(' '));

/** Nouns that make a "what X" question ask for a percentage or rate. */
export const PERCENT_NOUNS = new Set('percentage percent proportion share rate'.split(' '));

/** Nouns that make a "what X" question ask for an amount of money. */
export const MONEY_NOUNS = new Set(
  'cost price amount sum salary fine value budget revenue profit loss fee bill debt wage money fund funding loan aid investment capital dollar yen euro pound cent'.split(
    ' ',
  ),
);

/** Verbs that make "how much" ask for money: "how much is it worth", "how much did it cost". */
export const MONEY_VERBS = new Set(
  'cost pay spend worth earn charge sell buy fund fine owe lend borrow invest donate raise price bill'.split(' '),
);

/** Nouns that make a "what X" question ask for a count or measure. */
export const NUMBER_NOUNS = new Set('number total count figure age population toll height length size score'.split(' '));

/**
 * What a "how <adjective>" question measures, as the units its answer is written in: "how heavy"
 * is answered in pounds, not the python's 18 feet; "how old" by "the age of 94". General English units.
 */
const LENGTHS = 'foot feet inch yard mile meter metre kilometer kilometre km centimeter centimetre cm mm';
export const MEASURE_UNITS: Record<string, Set<string>> = Object.fromEntries(
  Object.entries({
    heavy: 'pound lb ounce ton tonne kilogram kilo kg gram',
    old: 'age year month',
    long: `${LENGTHS} year month week day hour minute second`,
    tall: `${LENGTHS} story storey`,
    high: `${LENGTHS} story storey`,
    far: LENGTHS,
    deep: LENGTHS,
    wide: LENGTHS,
    big: `acre hectare square ${LENGTHS}`,
    large: `acre hectare square ${LENGTHS}`,
    fast: 'mph kph knot mile kilometer kilometre hour',
  }).map(([k, v]) => [k, new Set(v.split(' '))]),
);

/** Question words (closed class). */
export const WH_WORDS = new Set(['who', 'whom', 'whose', 'what', 'which', 'where', 'when', 'why', 'how']);

/** Auxiliaries that open a yes/no question (closed class). */
export const YES_NO_OPENERS = new Set('did does do is are was were has have had can could will would should may might must'.split(' '));

/** Words that give a reason or cause: a sentence with one can answer "why". */
export const REASON_CUES = new Set(
  'because due owing result order so since amid after following over prompted sparked caused cause reason led fears concern concerns aimed aim'.split(
    ' ',
  ),
);

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { opening } from '@/lib/brief/local';
import { GENERAL_THEME, ONLY_THEME, cluster, groupBullets, nameGroups, termVectors } from '@/lib/brief/group';
import { eventDate, isTimelineRequest, isUnfoldingStory, subjectOf } from '@/lib/brief/timeline';

/**
 * Briefing grouping, naming and timelines on made-up sentences: no collection, no model.
 */

const BULLETS = [
  'The Harbourton dock workers union called a strike on Monday over pay at the container port.',
  'Ships queued outside Harbourton as the dock workers strike closed the container port for a second week.',
  'The Harbourton dock workers union and port owners settled the strike with a 9% raise.',
  'The Velmora Space Agency delayed the Skylance rocket launch after a fuel leak.',
  'Engineers at the Velmora Space Agency fixed the fuel leak before the Skylance rocket flew.',
  'A bakery in the old town won a national prize for its rye bread.',
];

test('bullets are grouped by what they are about and each group is named from its own words', () => {
  const grouped = groupBullets(
    BULLETS.map((text, i) => ({ text, i })),
    BULLETS,
    null,
  );
  const themeOf = new Map(grouped.map((g) => [g.i, g.theme]));
  // The strike bullets share a group, the rocket bullets another, the bakery stands alone.
  assert.equal(themeOf.get(0), themeOf.get(1));
  assert.equal(themeOf.get(1), themeOf.get(2));
  assert.equal(themeOf.get(3), themeOf.get(4));
  assert.notEqual(themeOf.get(0), themeOf.get(3));
  assert.equal(themeOf.get(5), GENERAL_THEME, 'a group of one goes under the general heading');
  assert.match(themeOf.get(0)!, /Harbourton/);
  assert.match(themeOf.get(3)!, /Velmora|Skylance/);
  // Groups stay together, the general heading comes last.
  const runs = grouped.map((g) => g.theme).filter((t, i, a) => t !== a[i - 1]);
  assert.equal(new Set(runs).size, runs.length);
  assert.equal(runs.at(-1), GENERAL_THEME);
});

test('a group is not named after what every bullet shares (the topic) but after what sets it apart', () => {
  const texts = [
    'Norvia signed a gas deal with Pellam that runs until 2030.',
    'Norvia and Pellam agreed on gas prices for the winter.',
    'Norvia raised taxes on imported cars to fund new roads.',
    'Norvia opened a car factory near the border with new roads.',
  ];
  const names = nameGroups(texts, [0, 0, 1, 1], 'Norvia');
  assert.equal(names.get(0), 'Pellam');
  assert.notEqual(names.get(1), 'Norvia');
  assert.notEqual(names.get(1), GENERAL_THEME);
});

test('clustering merges only what is similar enough', () => {
  assert.deepEqual(
    cluster(
      [
        [1, 0.9, 0.1],
        [0.9, 1, 0.2],
        [0.1, 0.2, 1],
      ],
      0.5,
    ),
    [0, 0, 1],
  );
  assert.deepEqual(
    cluster(
      [
        [1, 0.3],
        [0.3, 1],
      ],
      0.5,
    ),
    [0, 1],
  );
  const [a, b, c] = termVectors(['rocket launch delayed', 'rocket launch again delayed', 'bread prize']);
  assert.ok(a!.length === b!.length && b!.length === c!.length);
});

test('a sentence that does not name its subject, or is a fragment, is told apart', () => {
  assert.equal(opening('He said the talks would resume next week.'), 'pronoun');
  assert.equal(opening("That's about 24,000 stations across the country."), 'pronoun');
  assert.equal(opening('and then the rocket lifted off from the pad.'), 'fragment');
  assert.equal(opening('Video: twelve new stations open in the north 03:12 - Source: Example News'), 'fragment');
  assert.equal(opening('The company said it would recall 50,000 cars.'), 'described');
  assert.equal(opening('Toyota said it would recall 50,000 cars.'), 'named');
  assert.equal(opening('"Safety comes before every sales target," the carmaker\'s chief said.'), 'quoted');
  assert.equal(opening('“Ensuring the welfare of our staff is a priority.”'), 'quoted');
});

test('an event is dated from its sentence, else from the article', () => {
  assert.equal(eventDate('The strike was called on September 3, 2021 by the union.', '2021-09-05')?.key, '2021-09-03');
  // Without a year: the year nearest publication, for past and coming events alike.
  assert.equal(eventDate('The launch is planned for November 14 at dawn.', '2022-10-12')?.key, '2022-11-14');
  assert.equal(eventDate('The deal was signed on December 20 in the capital.', '2023-01-04')?.key, '2022-12-20');
  assert.equal(eventDate('Relations were established in 1973.', '2023-11-27')?.key, '1973');
  assert.equal(eventDate('The year 2023 marks the 50th anniversary of the treaty.', undefined)?.key, '2023');
  const fallback = eventDate('Officials said on Monday that the talks had failed.', '2022-06-14');
  assert.deepEqual([fallback?.key, fallback?.fromText], ['2022-06-14', false]);
  assert.equal(eventDate('Officials said that the talks had failed.', undefined), null);
});

test('a story unfolds when articles weeks apart report on the same names', () => {
  const names = (...n: string[]) => new Set(n);
  const story = [
    { docId: 'a', published: '2022-08-01', names: names('harbourton', 'union') },
    { docId: 'b', published: '2022-08-20', names: names('harbourton') },
    { docId: 'c', published: '2022-09-15', names: names('harbourton', 'port authority') },
  ];
  assert.equal(isUnfoldingStory(story), true);
  // One day's reporting, however many years its sentences mention, is not a story that unfolds.
  assert.equal(isUnfoldingStory(story.map((x) => ({ ...x, published: '2022-08-01' }))), false);
  // Articles weeks apart with nothing in common are separate news.
  assert.equal(isUnfoldingStory(story.map((x, i) => ({ ...x, names: names(`topic ${i}`) }))), false);
  assert.equal(isUnfoldingStory(story.map((x) => ({ ...x, published: undefined }))), false);
});

test('an explicit request for change over time is a timeline on its subject', () => {
  assert.equal(isTimelineRequest('How did the dock strike change over time?'), true);
  assert.equal(isTimelineRequest('the dock strike'), false);
  assert.equal(subjectOf('How did the dock strike change over time?'), 'the dock strike');
});

test('a weekday or a nationality does not head a group', () => {
  const texts = [
    'On Monday, Korvan Air announced a merger with a rival worth $2 billion.',
    'Korvan Air shareholders will vote on Monday on the offer.',
    'Iranian officials opened the Tabriz trade fair on Tuesday.',
    'Iranian exporters at the Tabriz fair signed deals worth $1 billion.',
  ];
  const names = nameGroups(texts, [0, 0, 1, 1], '');
  assert.equal(names.get(0), 'Korvan Air');
  assert.equal(names.get(1), 'Tabriz');
});

test('a word of a longer name or a day does not head a group: two prime ministers share a budget, not "Prime" or "Tuesday"', () => {
  const texts = [
    'Prime Minister Ana Lutz presented the budget to parliament on Tuesday.',
    'Prime Minister Omar Belkadi said on Tuesday the budget would cut fuel subsidies.',
    'Floods closed the northern railway for a week.',
    'Engineers reopened the northern railway after the floods.',
  ];
  const names = nameGroups(texts, [0, 0, 1, 1], '');
  assert.equal(names.get(0), 'Budget');
  assert.notEqual(names.get(1), GENERAL_THEME);
});

test('a briefing with no named group is not headed "Other developments"', () => {
  const texts = ['Rain fell on the capital for a week.', 'The central bank kept its rate at four percent.'];
  const themes = groupBullets(texts, texts, null, '').map((x) => x.theme);
  assert.deepEqual(themes, [ONLY_THEME, ONLY_THEME]);
});

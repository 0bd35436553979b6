import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeQuestion, spanFit } from '@/lib/answer/question';
import { analyze } from '@/lib/nlp/analyze';
import { assessEvidence, unknownSpecifics } from '@/lib/answer/local';
import { opensAnswer, sentenceCandidates, WEIGHTS } from '@/lib/answer/sentences';
import { nameType } from '@/lib/nlp/names';
import { countriesOfCapital } from '@/lib/nlp/places';
import type { RetrievedPassage } from '@/lib/retrieve/retrieve';
import type { Searcher } from '@/lib/retrieve/searcher';
import type { StoreReader } from '@/lib/store/types';
import { terms, words } from '@/lib/text/normalize';

/** Question reading and span extraction on made-up sentences: no collection, milliseconds. */

test('the kind of answer a question asks for, from its question word and head noun', () => {
  const cases: [string, string][] = [
    ['Who signed the agreement?', 'person'],
    ['Which bank lent the money?', 'org'],
    ['Which state hosted the summit?', 'place'],
    ['Where did the ship sink?', 'place'],
    ['When did the strike end?', 'date'],
    ['In what year was the bridge built?', 'date'],
    ['How many people were rescued?', 'number'],
    ['How much is the deal worth?', 'money'],
    ['By how much did prices rise?', 'amount'],
    ['What percentage of voters turned out?', 'percent'],
    ['Which show won the award?', 'work'],
    ['What is the name of the ship?', 'name'],
    ['Why did the talks collapse?', 'reason'],
    ['Did the company apologise?', 'yesno'],
    ['What did the minister say about the budget?', 'open'],
    ['Which new fields will the exams cover?', 'open'],
    ['Which fast food chain opened the most stores?', 'org'],
    ['In which part of the country will the plant be built?', 'place'],
    ["Which country's defence minister resigned?", 'place'],
    ['What were the three loan agreements worth?', 'money'],
  ];
  for (const [question, type] of cases) assert.equal(analyzeQuestion(question).type, type, question);
});

test('the head noun: the last of a compound, and what a possessive owns after "the name of"', () => {
  assert.equal(analyzeQuestion('How many technical intern trainees arrived?').head, 'trainee');
  assert.equal(analyzeQuestion('Which fast food chain opened the most stores?').head, 'chain');
  assert.equal(analyzeQuestion("What is the name of Mayor Ana Lopez's husband?").head, 'husband');
  assert.equal(analyzeQuestion("Which country's defence minister resigned?").head, 'country');
});

test('a quiz question: the sentences before it are context, the last one is the question', () => {
  const q = analyzeQuestion('Heavy rain flooded towns along the coast this week. Which country declared an emergency?');
  assert.equal(q.question, 'Which country declared an emergency?');
  assert.equal(q.context, 'Heavy rain flooded towns along the coast this week.');
  assert.equal(q.type, 'place');
  assert.equal(q.head, 'country');
  assert.ok(q.contextTerms.includes('flooded') || q.contextTerms.includes('flood'));
  assert.ok(!q.focus.includes('which'));
});

test('spans of a sentence: values with their offsets, names widened to the written word', () => {
  const text = 'On Monday, Kestrel Shipping paid $6.6 billion, about 40% more, to Ajla Tomljanović at Mar-a-Lago in March 2022.';
  const { spans } = analyze(text);
  const of = (kind: string) => spans.filter((s) => s.kind === kind).map((s) => s.text);
  assert.ok(of('money').includes('$6.6 billion'), JSON.stringify(spans));
  assert.ok(of('percent').some((p) => p.endsWith('40%')));
  assert.ok(of('date').some((d) => d.includes('March 2022')));
  assert.ok(of('name').includes('Ajla Tomljanović'), 'the accented letter stays in the name');
  assert.ok(
    of('name').some((n) => n.includes('Mar-a-Lago')),
    'a hyphenated name is one name',
  );
  for (const s of spans) assert.equal(text.slice(s.start, s.end), s.text, 'offsets index the sentence');
  assert.deepEqual(
    analyze("Iran's morality police detained her.")
      .spans.filter((s) => s.kind === 'name')
      .map((s) => s.text),
    ['Iran'],
  );
  assert.deepEqual(
    analyze('Tickets for the film "Top Gun: Maverick" sold out.')
      .spans.filter((s) => s.kind === 'title')
      .map((s) => s.text),
    ['Top Gun: Maverick'],
  );
});

test('names: a joiner written with a capital belongs to the name; a lowercase one also parts two names', () => {
  const names = (text: string) =>
    analyze(text)
      .spans.filter((s) => s.kind === 'name')
      .map((s) => s.text);
  assert.deepEqual(names('State President Vo Van Thuong met Kishida.'), ['State President Vo Van Thuong', 'Kishida']);
  assert.deepEqual(names('The crew included cosmonaut Anna Kikina of Roscosmos.'), [
    'Anna Kikina of Roscosmos',
    'Anna Kikina',
    'Roscosmos',
  ]);
});

test('span fit: a nationality is not a name, a weekday does not answer "what year", "one" is rarely a count', () => {
  assert.equal(nameType('Iranian'), 'descriptor');
  const span = (kind: 'name' | 'date' | 'number', text: string) => ({ kind, text, start: 0, end: text.length });
  assert.equal(spanFit(span('name', 'Iranian'), 'person', null), 0);
  assert.equal(spanFit(span('date', 'Monday'), 'date', 'year'), 0);
  assert.equal(spanFit(span('date', 'March 2022'), 'date', 'year'), 1);
  assert.ok(spanFit(span('number', 'one'), 'number', null) < spanFit(span('number', '44'), 'number', null));
  assert.ok(spanFit(span('number', '2022'), 'number', null) < 0.5, 'a year is not a count');
});

test('span fit: a country does not answer "which city" (a city-state does); "12 years" counts years', () => {
  const span = (kind: 'name' | 'duration', text: string) => ({ kind, text, start: 0, end: text.length });
  assert.ok(spanFit(span('name', 'Japan'), 'place', 'city') < 0.5);
  assert.equal(spanFit(span('name', 'Japan'), 'place', 'country'), 1);
  assert.equal(spanFit(span('name', 'Singapore'), 'place', 'city'), 1);
  assert.equal(spanFit(span('name', 'Mexico City'), 'place', 'city'), 1);
  assert.equal(spanFit(span('duration', '12 years'), 'number', 'year'), 1);
  assert.equal(spanFit(span('duration', '12 years'), 'number', 'ship'), 0);
});

/** Just enough of an index for sentence scoring and name look-ups: every term equally rare, `known` words present. */
/** A collection of one text, as far as term counts and phrase checks go. */
function fakeSearcher(text: string): Searcher {
  const known = new Set(terms(text));
  const folded = ` ${words(text).join(' ')} `;
  const store: Pick<StoreReader, 'termStats' | 'phrasesOccur'> = {
    termStats: async (ts) => ({ passageCount: 10, df: new Map(ts.map((t) => [t, known.has(t) ? 5 : 0])) }),
    phrasesOccur: async (phrases) => phrases.map((p) => folded.includes(` ${p.join(' ')} `)),
  };
  return { store, embedder: null, warnings: [] } as unknown as Searcher;
}

function passage(text: string, docId = 'd'): RetrievedPassage {
  const doc = { id: docId, title: 'Talks', outlet: 'Wire' } as RetrievedPassage['doc'];
  return {
    id: `${docId}#0`,
    docId,
    text,
    start: 0,
    end: text.length,
    sentences: [{ text, start: 0, end: text.length }],
    score: 1,
    lexicalScore: 1,
    denseScore: null,
    doc,
    corroborating: [],
  } as unknown as RetrievedPassage;
}

test('a capital stands for its country and a capitalised description names nothing: neither is an unknown name', async () => {
  assert.ok(countriesOfCapital('Hanoi').includes('Vietnam'));
  assert.deepEqual(countriesOfCapital('Uzhhorod'), []);
  const s = fakeSearcher('Vietnam and Japan signed a trade deal on Monday.');
  assert.deepEqual(await unknownSpecifics(s, 'What did Hanoi sign with Japan?'), []);
  assert.deepEqual(await unknownSpecifics(s, 'What did the Southeast Asian nation sign with Japan?'), []);
  assert.deepEqual(await unknownSpecifics(s, 'What did Morbi sign with Japan?'), ['Morbi']);
});

test('"Charlotte, North Carolina": the inner place answers "which city", the outer "which state"', async () => {
  const s = fakeSearcher('x');
  const sentence = 'The ministers met in Charlotte, North Carolina, on Monday to sign the deal.';
  const shortAnswer = async (question: string) =>
    (await sentenceCandidates(s, analyzeQuestion(question), [passage(sentence)], null))[0]!.answer?.text;
  assert.equal(await shortAnswer('In which city did the ministers meet?'), 'Charlotte');
  assert.equal(await shortAnswer('In which state did the ministers meet?'), 'North Carolina');
});

test("evidence: a passage that never names the question's key name answers it less surely; a capital counts as its country", async () => {
  const s = fakeSearcher('Kenya and Chile held elections. Ruto won the election in Chile. Nairobi voted.');
  const evidence = async (question: string, sentence: string) => {
    const q = analyzeQuestion(question);
    const e = await assessEvidence(s, q, await sentenceCandidates(s, q, [passage(sentence)], null));
    return e.score / e.lead!.score;
  };
  assert.equal(await evidence("Who won Kenya's election?", 'Ruto won the election in Kenya.'), 1);
  assert.equal(await evidence("Who won Kenya's election?", 'Ruto won the election in Chile.'), WEIGHTS.keyNameMissing);
  assert.equal(await evidence('Who won the election Nairobi held?', 'Ruto won the election in Kenya.'), 1);
});

test('evidence: a passage without a name of several words that the collection writes elsewhere answers less surely', async () => {
  const s = fakeSearcher('Japan set up Official Security Assistance. The Kroger-Albertsons deal was agreed.');
  const evidence = async (question: string, sentence: string) => {
    const q = analyzeQuestion(question);
    const e = await assessEvidence(s, q, await sentenceCandidates(s, q, [passage(sentence)], null));
    return e.score / e.lead!.score;
  };
  const question = 'How much Official Security Assistance funding has Japan allocated?';
  assert.equal(await evidence(question, 'Japan allocated 100 billion yen in Official Security Assistance.'), 1);
  assert.equal(await evidence(question, 'Japan allocated 100 billion yen in official development assistance.'), WEIGHTS.keyPhraseMissing);
  assert.equal(
    await evidence('How much is the Kroger-Albertsons deal worth?', "Albertsons and Kroger's deal is worth $25 billion."),
    1,
    'a hyphenated pair of names is not one name',
  );
});

test('evidence: a name asked for by a noun the articles never use ("wife") is not in them; a count may use other words', async () => {
  const sentence = 'The president and his spouse visited Tokyo, where 40 tourists met them.';
  const s = fakeSearcher(sentence);
  const unknown = async (question: string) => {
    const q = analyzeQuestion(question);
    return (await assessEvidence(s, q, await sentenceCandidates(s, q, [passage(sentence)], null))).unknown;
  };
  assert.deepEqual(await unknown("What is the name of the president's wife?"), ['wife']);
  assert.deepEqual(await unknown("What is the name of the president's spouse?"), []);
  assert.deepEqual(await unknown('How many holidaymakers met the president?'), []);
});

test('"LNG-fired" where the articles say "liquefied natural gas"; "which part of the country" is answered by "X province"', async () => {
  const sentence = 'Tokyo Gas will build a liquefied natural gas power plant in Ninh Dao province, Vietnam, by 2030.';
  const s = fakeSearcher(sentence);
  const question = 'In which part of the country will Tokyo Gas build an LNG-fired plant?';
  const q = analyzeQuestion(question);
  const ranked = await sentenceCandidates(s, q, [passage(sentence)], null);
  assert.deepEqual((await assessEvidence(s, q, ranked)).unknown, []);
  assert.equal(ranked[0]!.answer?.text, 'Ninh Dao');
  assert.deepEqual((await assessEvidence(s, analyzeQuestion('Where will the XQZ-fired plant be built?'), ranked)).unknown, ['XQZ-fired']);
});

test('"how heavy" is answered by the figure in its measure\'s unit, widened to the unit; "how old" by "the age of"', async () => {
  const s = fakeSearcher('x');
  const shortAnswer = async (question: string, sentence: string) =>
    (await sentenceCandidates(s, analyzeQuestion(question), [passage(sentence)], null))[0]!.answer?.text;
  assert.equal(analyzeQuestion('How heavy was the tortoise?').measure, 'heavy');
  assert.equal(
    await shortAnswer(
      'How heavy was the record tortoise found on the island?',
      'A record 410-pound, 12-foot-long tortoise was found on the island.',
    ),
    '410-pound',
  );
  assert.equal(
    await shortAnswer('How old was the painter?', 'The painter was one of the best known in town and died at the age of 88 on Friday.'),
    '88',
  );
  assert.equal(
    await shortAnswer('How big is the new park?', "Officials opened the 4,210-acre park, the city's third in four years."),
    '4,210-acre',
  );
});

test('"when" prefers the most specific date, and a duration without a year or month dates nothing', async () => {
  const s = fakeSearcher('x');
  const shortAnswer = async (question: string, sentence: string) =>
    (await sentenceCandidates(s, analyzeQuestion(question), [passage(sentence)], null))[0]!.answer?.text;
  assert.equal(
    await shortAnswer(
      'When did the observatory open?',
      'Work on the observatory began in 1998, and after long delays it finally opened on March 3.',
    ),
    'March 3',
  );
  assert.equal(
    await shortAnswer(
      'On what date will the launch window open?',
      'The 45-minute window will open on Tuesday, October 12, the agency said.',
    ),
    'October 12',
  );
  assert.equal(
    await shortAnswer(
      'In what year did work on the observatory begin?',
      'Work on the observatory began in 1998, and it finally opened on March 3.',
    ),
    '1998',
  );
});

test('the noun asked about is no value the question states; a share may be written in words', async () => {
  const s = fakeSearcher('x');
  const shortAnswer = async (question: string, sentence: string) =>
    (await sentenceCandidates(s, analyzeQuestion(question), [passage(sentence)], null))[0]!.answer?.text;
  assert.equal(
    await shortAnswer('How many years in prison did the banker get?', 'The banker was sentenced to 12 years in prison.'),
    '12 years',
  );
  assert.equal(
    await shortAnswer('What share of the foreign workforce do nurses make up?', 'Nurses account for half of the foreign workforce.'),
    'half',
  );
  assert.equal(
    await shortAnswer('What share of voters backed the plan?', 'Nearly two-thirds of voters backed the plan in the third round.'),
    'two-thirds',
  );
});

test('articles agreeing on a value count for it as far as it is of the kind asked for', async () => {
  const s = fakeSearcher('x');
  const q = analyzeQuestion('Which airline opened the new route?');
  const sentence = 'Vietnam welcomed the new route on Monday.';
  const scoreOf = async (docs: string[]) =>
    (
      await sentenceCandidates(
        s,
        q,
        docs.map((d) => passage(sentence, d)),
        null,
      )
    ).find((c) => c.docId === 'a')!.answer!;
  const alone = await scoreOf(['a']);
  const agreed = await scoreOf(['a', 'b', 'c']);
  assert.ok(alone.fit < 0.5, 'a country is a poor answer to "which airline"');
  assert.ok(Math.abs(agreed.score - alone.score - 2 * WEIGHTS.agreement * alone.fit) < 1e-9);
});

test('a span opens the answer only when it is surely of the kind asked for', async () => {
  const s = fakeSearcher('x');
  const answerOf = async (question: string, sentence: string) =>
    (await sentenceCandidates(s, analyzeQuestion(question), [passage(sentence)], null))[0]!.answer!;
  // A name of unknown kind for "which company" stays inside its sentence.
  assert.equal(opensAnswer(await answerOf('Which company makes the Zorblo swing?', 'Quantex recalled the Zorblo swing on Monday.')), false);
  assert.equal(opensAnswer(await answerOf('How many swings were recalled?', 'Quantex recalled 40,000 swings on Monday.')), true);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  answerWords,
  exactMatch,
  firstSentence,
  median,
  mentions,
  normalizeAnswer,
  sentences,
  shortAnswer,
  tokenF1,
} from '@/scripts/lib/eval/answer-text';
import { scoreText } from '@/scripts/lib/eval/answers';
import { questionSchema } from '@/scripts/lib/eval/gold';
import { summarize } from '@/scripts/lib/eval/metrics';

test('SQuAD normalisation: case, punctuation, articles, spaces; accents and quotes folded', () => {
  assert.equal(normalizeAnswer('The  U.S.  Navy’s  ship!'), 'us navys ship');
  assert.equal(normalizeAnswer('An apple a day'), 'apple day');
  assert.equal(normalizeAnswer('Ajla Tomljanović'), 'ajla tomljanovic');
  assert.equal(normalizeAnswer('“$5.02,” a gallon'), '502 gallon');
  // Articles only as whole words: "Theatre" and "anthem" keep their letters.
  assert.equal(normalizeAnswer('Theatre anthem'), 'theatre anthem');
});

test('exact match and token F1 take the best gold variant', () => {
  assert.equal(exactMatch('the Portugal.', ['Portugal']), 1);
  assert.equal(exactMatch('Portugal and Spain', ['Portugal']), 0);
  assert.equal(exactMatch('Tomljanovic', ['Ajla Tomljanović', 'Tomljanović']), 1);
  assert.equal(tokenF1('Fumio Kishida', ['Kishida Fumio']), 1);
  // 1 of 3 predicted tokens is right (precision 1/3), 1 of 2 gold tokens found (recall 1/2).
  assert.ok(Math.abs(tokenF1('Prime Minister Kishida', ['Kishida Fumio']) - 0.4) < 1e-9);
  assert.ok(Math.abs(tokenF1('Prime Minister Kishida', ['Kishida Fumio', 'Kishida']) - 0.5) < 1e-9);
  assert.equal(tokenF1('', ['Kishida']), 0);
  assert.equal(tokenF1('the', ['a']), 1, 'both empty after normalisation');
  // Repeated tokens count once per gold occurrence.
  assert.ok(Math.abs(tokenF1('ten ten ten', ['ten']) - 0.5) < 1e-9);
});

test('short answer: the leading bold span, else the first sentence; markers never count', () => {
  assert.equal(shortAnswer('**Portugal.** Its finance minister said so [1].'), 'Portugal');
  assert.equal(shortAnswer('[1] **Portugal** led.'), 'Portugal');
  assert.equal(shortAnswer('Dr. Maria Costa said the deficit fell [1]. Then more.'), 'Dr. Maria Costa said the deficit fell');
  assert.equal(shortAnswer('The deficit fell. But **Portugal** is not first.'), 'The deficit fell');
  assert.equal(shortAnswer(''), '');
});

test('first sentence: abbreviations and times do not end it', () => {
  assert.equal(firstSentence('At 9 a.m. on Monday the U.S. team left [2]. It rained.'), 'At 9 a.m. on Monday the U.S. team left.');
  assert.equal(firstSentence('Gov. Gavin Newsom signed it on Jan. 5 [1]. Then it passed.'), 'Gov. Gavin Newsom signed it on Jan. 5.');
  assert.equal(firstSentence('**Portugal.** Its minister spoke [1].'), 'Portugal.');
  // A middle initial does not end the sentence.
  assert.equal(firstSentence('**Jane Q. Doe.** The report, led by Jane Q. Doe, came out Monday [1].'), 'Jane Q. Doe.');
  assert.deepEqual(sentences('One. Two? Three!'), ['One.', 'Two?', 'Three!']);
});

test('answer length counts words, not markers or markup; median of odd, even and empty lists', () => {
  assert.equal(answerWords('**Portugal.** It fell [1][2] – sharply.'), 4);
  assert.equal(answerWords(''), 0);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), 0);
});

test('mentions: whole words after folding, so "no" is not in "not" and "$5" is not in "$5.02"', () => {
  assert.equal(mentions('No, voters rejected it.', ['no']), true);
  assert.equal(mentions('It is not here, nor now.', ['no']), false);
  assert.equal(mentions('Gas cost $5.02 a gallon.', ['$5']), false);
  assert.equal(mentions('Gas cost $5. Then it fell.', ['$5']), true);
  assert.equal(mentions('Kishida’s visit', ['Kishida']), true);
  assert.equal(mentions('President Thưởng', ['Thuong']), true);
  assert.equal(mentions('a 215-pound python', ['215-pound']), true);
  assert.equal(mentions('Randall’s Island', ["Randall's Island"]), true);
});

test('scoreText: refusals score nothing; why/how and long golds get no exact match', () => {
  const q = (extra: object) =>
    questionSchema.parse({ id: 'x', question: 'Which country?', answers: ['Portugal'], evidence: ['e'], ...extra });
  const good = scoreText(q({ kind: 'where' }), '**Portugal.** Its minister said the deficit fell [1].', false);
  assert.deepEqual([good.correct, good.firstSentenceCorrect, good.short, good.em, good.f1, good.words], [true, true, 'Portugal', 1, 1, 7]);
  const late = scoreText(q({}), 'The deficit fell below 3% [1]. Portugal said so [1].', false);
  assert.deepEqual([late.correct, late.firstSentenceCorrect, late.em], [true, false, 0]);
  const refused = scoreText(q({}), 'Portugal is not in the collection.', true);
  assert.deepEqual([refused.correct, refused.em, refused.f1], [false, 0, 0]);
  assert.equal(scoreText(q({ kind: 'why' }), 'Because.', false).em, null);
  assert.equal(scoreText(q({ answers: ['a comprehensive strategic partnership for peace'] }), 'x', false).em, null);
  assert.equal(scoreText(q({ answerable: false, answers: [] }), 'Portugal.', false).em, null);
});

test('retrieval summary: the right article in the top 5 counts even when the passage is not the one with the answer', () => {
  const m = summarize([
    { relevant: [false, false, false, false, false, true], articleRelevant: [false, true, false, false, false, true], totalRelevant: 1 },
    { relevant: [true], articleRelevant: [true], totalRelevant: 1 },
  ]);
  assert.equal(m['recall@5'], 0.5);
  assert.equal(m['article@5'], 1);
});

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { MAX_PASSAGE_CHARS, MAX_SENTENCE_CHARS, chunkDocument, estimateTokens, splitSentences } from '@/lib/corpus/chunk';
import { cleanBody, stripInlineMarkdown } from '@/lib/corpus/clean';
import { parseDocument } from '@/lib/corpus/load';
import { normalizeDisplay } from '@/lib/text/normalize';
import { CORPUS } from './helpers';

test('every passage and sentence maps back to the exact characters of the original file', async () => {
  for (const file of await readdir(CORPUS)) {
    const bytes = await readFile(path.join(CORPUS, file));
    const doc = parseDocument(file, bytes);
    const fileText = bytes.toString('utf8');
    const passages = chunkDocument(doc.id, cleanBody(doc.body, { title: doc.title, outlet: doc.outlet }).blocks, {
      maxTokens: 160,
      overlapSentences: 1,
    });
    assert.ok(passages.length > 0, file);
    passages.forEach((p, i) => {
      assert.equal(p.id, `${doc.id}#${i}`);
      assert.equal(p.start, p.sentences[0]!.start);
      assert.equal(p.end, p.sentences.at(-1)!.end);
      for (const s of p.sentences) {
        const original = doc.body.slice(s.start, s.end);
        assert.equal(normalizeDisplay(stripInlineMarkdown(original)), s.text, `${p.id}: sentence offsets`);
        // Body offsets plus the front-matter length are file offsets.
        assert.equal(fileText.slice(doc.bodyOffset + s.start, doc.bodyOffset + s.end), original);
      }
    });
  }
});

test('passages respect the size limit, split on sentences and overlap by one sentence when long enough', () => {
  const sentence = (n: number) => `Sentence number ${n} says something about the budget of the city council.`;
  const body = Array.from({ length: 12 }, (_, i) => sentence(i)).join(' ');
  const passages = chunkDocument('d', [{ start: 0, end: body.length, text: body }], { maxTokens: 60, overlapSentences: 1 });
  assert.ok(passages.length > 2);
  for (const p of passages) assert.ok(estimateTokens(p.text) <= 60 || p.sentences.length === 1);
  for (let i = 1; i < passages.length; i++) {
    assert.equal(passages[i]!.sentences[0]!.start, passages[i - 1]!.sentences.at(-1)!.start, 'one-sentence overlap');
  }
  const covered = new Set(passages.flatMap((p) => p.sentences.map((s) => s.start)));
  assert.equal(covered.size, 12, 'no sentence lost');
});

test('sentence splitting uses Intl.Segmenter and keeps abbreviations together', () => {
  const text = 'Mr. Smith met Dr. Jones in the U.S. on Monday. They agreed.';
  const passages = chunkDocument('d', [{ start: 0, end: text.length, text }], { maxTokens: 500, overlapSentences: 0 });
  assert.equal(passages[0]!.sentences.length, 2);
});

test('abbreviations do not end sentences: times, initialisms, titles, months, numbered items', () => {
  const text =
    'The strike began at 9 a.m. Eastern time in the U.S. Capitol. Dr. Rivera, who ranks No. 5, spoke in Jan. 2022 for the union. He said no. Then he left.';
  const sentences = splitSentences({ start: 0, end: text.length, text }).map((s) => s.text);
  assert.deepEqual(sentences, [
    'The strike began at 9 a.m. Eastern time in the U.S. Capitol.',
    'Dr. Rivera, who ranks No. 5, spoke in Jan. 2022 for the union.',
    'He said no.',
    'Then he left.',
  ]);
});

test('no sentence or passage exceeds its hard bound, whatever the text; offsets stay exact', () => {
  const runOn = Array.from({ length: 3000 }, (_, i) => `clause ${i}, and then`).join(' ');
  const oneWord = 'x'.repeat(50_000);
  for (const text of [runOn, oneWord, `${'-'.repeat(5000)} Kestrel harbour opened in March 2024.`]) {
    const passages = chunkDocument('d', [{ start: 0, end: text.length, text }], { maxTokens: 160, overlapSentences: 1 });
    for (const p of passages) {
      assert.ok(p.text.length <= MAX_PASSAGE_CHARS, `passage of ${p.text.length}`);
      for (const s of p.sentences) {
        assert.ok(s.end - s.start <= MAX_SENTENCE_CHARS, `sentence of ${s.end - s.start}`);
        assert.equal(normalizeDisplay(stripInlineMarkdown(text.slice(s.start, s.end))), s.text);
      }
    }
    const covered = passages.flatMap((p) => p.sentences).reduce((n, s) => n + (s.end - s.start), 0);
    assert.ok(covered >= text.replace(/\s/g, '').length * 0.9, 'the text is kept, only split');
  }
  // A run-on sentence is cut at a clause boundary, not mid-word.
  const first = splitSentences({ start: 0, end: runOn.length, text: runOn })[0]!;
  assert.match(first.text, /,$/);
});

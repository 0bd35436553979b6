import assert from 'node:assert/strict';
import { test } from 'node:test';
import { annotate } from '@/lib/nlp/annotate';
import { AnalysisFormatError, decodeAnalyses, encodeAnalyses } from '@/lib/text/analysis';

const SENTENCES = [
  'The Bank of England raised rates to 3% on Thursday, its governor said.',
  'Ngân hàng Nhà nước Việt Nam cut its rate in “Hà Nội” — twice.',
  'She went home.',
  '',
];

test('sentence analyses survive their binary form exactly, lemmas, name types and all', () => {
  const analyses = SENTENCES.map(annotate);
  const bytes = encodeAnalyses(analyses);
  assert.deepEqual(decodeAnalyses(bytes, SENTENCES), analyses);
  assert.ok(
    analyses[2]!.tokens.some((t) => t.lemma === 'go'),
    'an irregular lemma is kept',
  );
  const names = analyses.flatMap((a) => a.spans.filter((s) => s.kind === 'name'));
  assert.ok(names.length > 2 && names.every((s) => s.type), 'every name is typed, and the type kept');
  const tokens = analyses.reduce((n, a) => n + a.tokens.length, 0);
  assert.ok(bytes.length < tokens * 8, `compact: ${bytes.length} bytes for ${tokens} tokens`);
});

test('damaged analysis bytes fail with AnalysisFormatError, never spans outside their sentence', () => {
  const bytes = encodeAnalyses(SENTENCES.slice(0, 2).map(annotate));
  assert.throws(() => decodeAnalyses(bytes, SENTENCES.slice(0, 1)), AnalysisFormatError, 'another sentence count');
  assert.throws(() => decodeAnalyses(bytes.subarray(0, bytes.length - 3), SENTENCES.slice(0, 2)), AnalysisFormatError, 'truncated');
  assert.throws(() => decodeAnalyses(bytes, ['short', 'texts']), AnalysisFormatError, 'offsets past shorter texts');
  for (let seed = 1; seed <= 200; seed++) {
    const noisy = Uint8Array.from(bytes, (b, i) => ((i * 7919 + seed * 104729) % 13 === 0 ? (b * 31 + seed) & 0xff : b));
    try {
      for (const [i, a] of decodeAnalyses(noisy, SENTENCES.slice(0, 2)).entries())
        for (const x of [...a.tokens, ...a.spans]) assert.ok(x.start >= 0 && x.start <= x.end && x.end <= SENTENCES[i]!.length);
    } catch (error) {
      assert.ok(error instanceof AnalysisFormatError, String(error));
    }
  }
});

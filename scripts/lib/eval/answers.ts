import { answerOnce } from '@/lib/answer/answer';
import type { Answer, AnswerEngine } from '@/lib/answer/types';
import type { Config } from '@/lib/config';
import { answerWords, exactMatch, firstSentence, median, mentions, shortAnswer, tokenF1 } from './answer-text';
import type { GoldQuestion } from './gold';
import { containsAny } from './metrics';

/** How an answer's text reads against the gold answers (pure; see answer-text.ts). */
export type TextScore = {
  /** The gold answer is mentioned (whole words) somewhere in the answer. */
  correct: boolean;
  /** … in its first sentence. */
  firstSentenceCorrect: boolean;
  /** The short answer: the leading bold span, else the first sentence. */
  short: string;
  /** Exact match and token F1 of the short answer; null when the question has no short gold answer. */
  em: number | null;
  f1: number | null;
  words: number;
};

export type AnswerRecord = TextScore & {
  q: GoldQuestion;
  answer: Answer;
  citedRelevant: number;
  citedTotal: number;
  sentences: number;
  citedSentences: number;
  ms: number;
};

export type AnswerMetrics = {
  answerable: number;
  unanswerable: number;
  accuracy: number;
  firstSentenceAccuracy: number;
  /** Answerable questions with a short gold answer, over which EM and F1 are averaged (refusals score 0). */
  shortScored: number;
  shortEm: number;
  shortF1: number;
  /** Median words of the answers that are not refusals. */
  medianWords: number;
  citationPrecision: number;
  citationCoverage: number;
  refusalAccuracy: number;
  falseRefusals: number;
  weakCitations: number;
  removedMarkers: number;
  p50Ms: number;
  p95Ms: number;
};

/** A citation is good when its passage holds gold evidence or the checker scored its sentence as supported. */
function scoreCitations(q: GoldQuestion, a: Answer) {
  let relevant = 0;
  for (const c of a.citations) {
    const supported = a.checks.some((s) => s.citations.includes(c.n) && s.verdict === 'supported');
    if (containsAny(c.text, q.evidence) || supported) relevant++;
  }
  return { relevant, total: a.citations.length };
}

/** Open questions (why, how) and long gold answers have no short answer to match exactly. */
const SHORT_GOLD_WORDS = 5;
const hasShortGold = (q: GoldQuestion) =>
  q.answerable && q.kind !== 'why' && q.kind !== 'how' && (q.answers[0] ?? '').trim().split(/\s+/).length <= SHORT_GOLD_WORDS;

export function scoreText(q: GoldQuestion, text: string, refused: boolean): TextScore {
  const answered = q.answerable && !refused;
  const short = refused ? '' : shortAnswer(text);
  const scored = hasShortGold(q);
  return {
    correct: answered && mentions(text, q.answers),
    firstSentenceCorrect: answered && mentions(firstSentence(text), q.answers),
    short,
    em: scored ? exactMatch(short, q.answers) : null,
    f1: scored ? tokenF1(short, q.answers) : null,
    words: answerWords(text),
  };
}

export async function evaluateAnswer(cfg: Config, q: GoldQuestion, engine: AnswerEngine): Promise<AnswerRecord> {
  const started = performance.now();
  const answer = await answerOnce(cfg, [{ role: 'user', content: q.question }], { engine });
  const ms = performance.now() - started;
  const { relevant, total } = scoreCitations(q, answer);
  return {
    q,
    answer,
    ms,
    ...scoreText(q, answer.text, answer.refused),
    citedRelevant: relevant,
    citedTotal: total,
    sentences: answer.checks.length,
    citedSentences: answer.checks.filter((c) => c.verdict !== 'uncited').length,
  };
}

const ratio = (a: number, b: number) => (b ? a / b : 0);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

export function summarizeAnswers(records: AnswerRecord[]): AnswerMetrics {
  const answerable = records.filter((r) => r.q.answerable);
  const unanswerable = records.filter((r) => !r.q.answerable);
  const answered = answerable.filter((r) => !r.answer.refused);
  const ms = records.map((r) => r.ms).sort((a, b) => a - b);
  const sum = (rs: AnswerRecord[], f: (r: AnswerRecord) => number) => rs.reduce((a, r) => a + f(r), 0);
  const short = answerable.filter((r) => r.em !== null);
  return {
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    accuracy: ratio(answerable.filter((r) => r.correct).length, answerable.length),
    firstSentenceAccuracy: ratio(answerable.filter((r) => r.firstSentenceCorrect).length, answerable.length),
    shortScored: short.length,
    shortEm: ratio(
      sum(short, (r) => r.em ?? 0),
      short.length,
    ),
    shortF1: ratio(
      sum(short, (r) => r.f1 ?? 0),
      short.length,
    ),
    medianWords: median(records.filter((r) => !r.answer.refused).map((r) => r.words)),
    citationPrecision: ratio(
      sum(answered, (r) => r.citedRelevant),
      sum(answered, (r) => r.citedTotal),
    ),
    citationCoverage: ratio(
      sum(answered, (r) => r.citedSentences),
      sum(answered, (r) => r.sentences),
    ),
    refusalAccuracy: ratio(unanswerable.filter((r) => r.answer.refused).length, unanswerable.length),
    falseRefusals: ratio(answerable.filter((r) => r.answer.refused).length, answerable.length),
    weakCitations: sum(answered, (r) => r.answer.checks.filter((c) => c.verdict === 'weak').length),
    removedMarkers: sum(records, (r) => r.answer.removedMarkers),
    p50Ms: percentile(ms, 0.5),
    p95Ms: percentile(ms, 0.95),
  };
}

/** Metrics per value of a question field (kind, style), for the breakdown tables; questions without it are left out. */
export function breakdown(records: AnswerRecord[], field: 'kind' | 'style'): [string, AnswerMetrics][] {
  const groups = new Map<string, AnswerRecord[]>();
  for (const r of records) {
    const value = r.q[field];
    if (value) groups.set(value, [...(groups.get(value) ?? []), r]);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([k, rs]) => [k, summarizeAnswers(rs)]);
}

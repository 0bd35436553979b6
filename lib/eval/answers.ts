import { answerOnce } from '../answer/answer';
import type { Answer, AnswerEngine } from '../answer/types';
import type { Config } from '../config';
import type { GoldQuestion } from './gold';
import { containsAny } from './metrics';

export type AnswerRecord = {
  q: GoldQuestion;
  answer: Answer;
  correct: boolean;
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

export async function evaluateAnswer(cfg: Config, q: GoldQuestion, engine: AnswerEngine): Promise<AnswerRecord> {
  const started = performance.now();
  const answer = await answerOnce(cfg, [{ role: 'user', content: q.question }], { engine });
  const ms = performance.now() - started;
  const { relevant, total } = scoreCitations(q, answer);
  return {
    q, answer, ms,
    correct: q.answerable && !answer.refused && containsAny(answer.text.replace(/\[\d+\]/g, ''), q.answers),
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
  return {
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    accuracy: ratio(answerable.filter((r) => r.correct).length, answerable.length),
    citationPrecision: ratio(sum(answered, (r) => r.citedRelevant), sum(answered, (r) => r.citedTotal)),
    citationCoverage: ratio(sum(answered, (r) => r.citedSentences), sum(answered, (r) => r.sentences)),
    refusalAccuracy: ratio(unanswerable.filter((r) => r.answer.refused).length, unanswerable.length),
    falseRefusals: ratio(answerable.filter((r) => r.answer.refused).length, answerable.length),
    weakCitations: sum(answered, (r) => r.answer.checks.filter((c) => c.verdict === 'weak').length),
    removedMarkers: sum(records, (r) => r.answer.removedMarkers),
    p50Ms: percentile(ms, 0.5),
    p95Ms: percentile(ms, 0.95),
  };
}

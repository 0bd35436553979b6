import { answerOnce } from '../../../lib/answer/answer';
import { getConfig } from '../../../lib/config';
import { handler, jsonResponse, readJson, onlyAllows } from '../../../lib/http/request';
import { askSchema } from '../../../lib/http/schemas';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {question, k?, engine?} → the whole cited answer as JSON, for scripts and load tests. */
export const POST = handler(async (req: Request) => {
  const { question, k, engine } = await readJson(req, askSchema);
  const a = await answerOnce(getConfig(), [{ role: 'user', content: question }], { k, engine, signal: req.signal });
  return jsonResponse({
    answer: a.text,
    short: a.short,
    citations: a.citations.map((c) => ({ n: c.n, docId: c.docId, passageId: c.passageId, title: c.title, outlet: c.outlet ?? null, date: c.published ?? null, text: c.text, start: c.start, end: c.end, spans: c.spans })),
    refused: a.refused,
    related: a.related,
    engine: a.engine,
    query: a.query,
    checks: a.checks,
    warnings: a.warnings,
    timings: a.timings,
  });
});

export const GET = onlyAllows('POST');

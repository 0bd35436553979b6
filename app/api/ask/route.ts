import { answerOnce } from '@/lib/answer/answer';
import { getConfig } from '@/lib/config';
import { handler, jsonResponse, readJson, onlyAllows } from '@/lib/http/request';
import { askSchema } from '@/lib/http/schemas';
import { answerJson } from '@/lib/http/shapes';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {question, k?, engine?} → the whole cited answer as JSON, for scripts and load tests. */
export const POST = handler(async (req: Request) => {
  const { question, k, engine } = await readJson(req, askSchema);
  const a = await answerOnce(getConfig(), [{ role: 'user', content: question }], { k, engine, signal: req.signal });
  return jsonResponse(answerJson(a));
});

export const GET = onlyAllows('POST');

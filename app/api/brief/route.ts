import { brief } from '@/lib/brief/brief';
import { getConfig } from '@/lib/config';
import { handler, jsonResponse, readJson, onlyAllows } from '@/lib/http/request';
import { briefSchema } from '@/lib/http/schemas';
import { briefingJson } from '@/lib/http/shapes';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {topic?, engine?} → the briefing as JSON (no topic: the whole collection). */
export const POST = handler(async (req: Request) => {
  const { topic, engine } = await readJson(req, briefSchema);
  return jsonResponse(briefingJson(await brief(getConfig(), topic ?? '', { engine, signal: req.signal })));
});

export const GET = onlyAllows('POST');

import { brief } from '../../../lib/brief/brief';
import { getConfig } from '../../../lib/config';
import { handler, jsonResponse, readJson, onlyAllows } from '../../../lib/http/request';
import { briefSchema } from '../../../lib/http/schemas';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {topic?, engine?} → the briefing as JSON (no topic: the whole collection). */
export const POST = handler(async (req: Request) => {
  const { topic, engine } = await readJson(req, briefSchema);
  const b = await brief(getConfig(), topic ?? '', { engine, signal: req.signal });
  return jsonResponse({
    title: b.title,
    kind: b.kind,
    engine: b.engine,
    empty: b.empty,
    bullets: b.bullets.map((x) => ({ text: x.text, theme: x.theme, citations: x.citations.map((c) => c.n) })),
    citations: b.citations,
    articlesUsed: b.articlesUsed,
    checks: b.checks,
    warnings: b.warnings,
    ms: Math.round(b.ms),
  });
});

export const GET = onlyAllows('POST');

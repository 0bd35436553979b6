import { getConfig } from '../../../lib/config';
import { handler, jsonResponse, parseWith, onlyAllows } from '../../../lib/http/request';
import { searchSchema } from '../../../lib/http/schemas';
import { retrieve } from '../../../lib/retrieve/retrieve';
import { getSearcher } from '../../../lib/retrieve/searcher';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET ?q=&k=&mode= → ranked passages as JSON. */
export const GET = handler(async (req: Request) => {
  const { q, k, mode } = parseWith(searchSchema, Object.fromEntries(new URL(req.url).searchParams));
  const cfg = getConfig();
  const result = await retrieve(await getSearcher(cfg), q, { k: k ?? cfg.topK, mode });
  return jsonResponse({
    query: q,
    mode: result.mode,
    warnings: result.warnings,
    passages: result.passages.map((p) => ({
      id: p.id, docId: p.docId, title: p.doc.title, outlet: p.doc.outlet ?? null, date: p.doc.published ?? null,
      text: p.text, start: p.start, end: p.end, score: p.score, lexicalScore: p.lexicalScore, denseScore: p.denseScore,
      corroborating: p.corroborating.map((c) => ({ id: c.id, docId: c.docId, title: c.doc.title, outlet: c.doc.outlet ?? null })),
    })),
  });
});

export const POST = onlyAllows('GET');

import { getConfig } from '@/lib/config';
import { handler, jsonResponse, parseWith, onlyAllows } from '@/lib/http/request';
import { searchSchema } from '@/lib/http/schemas';
import { searchJson } from '@/lib/http/shapes';
import { retrieve } from '@/lib/retrieve/retrieve';
import { getSearcher } from '@/lib/retrieve/searcher';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET ?q=&k=&mode= → ranked passages as JSON. */
export const GET = handler(async (req: Request) => {
  const { q, k, mode } = parseWith(searchSchema, Object.fromEntries(new URL(req.url).searchParams));
  const cfg = getConfig();
  return jsonResponse(searchJson(q, await retrieve(await getSearcher(cfg), q, { k: k ?? cfg.topK, mode })));
});

export const POST = onlyAllows('GET');

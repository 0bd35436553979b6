import { getConfig } from '@/lib/config';
import { authorize } from '@/lib/fetch/access';
import { describe, saveUpload, trashFile, type Outcome } from '@/lib/fetch/library';
import { runAdd } from '@/lib/fetch/runner';
import { readAddRequest } from '@/lib/fetch/upload';
import { handler, jsonResponse } from '@/lib/http/request';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * POST → adds uploaded files (multipart, field "files") or links (`{urls: [...]}`), then indexes
 * them in a child process; one outcome per file or link, with a sentence for any that failed.
 */
export const POST = handler(async (req: Request) => {
  const cfg = getConfig();
  authorize(req, cfg);
  const request = await readAddRequest(req);
  if (request.kind === 'links') return jsonResponse({ outcomes: await runAdd({ urls: request.urls }) });

  const refused: Outcome[] = [];
  const saved: { source: string; file: string }[] = [];
  for (const f of request.files) {
    try {
      saved.push(await saveUpload(cfg, f.name, f.bytes));
    } catch (error) {
      refused.push({ source: f.name, status: 'failed', reason: describe(error), documents: [] });
    }
  }
  const outcomes = saved.length ? await runAdd({ files: saved.map((s) => s.file) }) : [];
  // An upload that yields no article leaves the corpus again, so it is not reported on every ingest.
  for (const o of outcomes) if (o.status === 'skipped' && o.file) await trashFile(cfg, o.file);
  const named = outcomes.map((o, i) => ({ ...o, source: saved[i]?.source ?? o.source }));
  return jsonResponse({ outcomes: [...refused, ...named] });
});

import { getConfig } from '@/lib/config';
import { authorize } from '@/lib/fetch/access';
import { trashFile } from '@/lib/fetch/library';
import { runAdd } from '@/lib/fetch/runner';
import { HttpError, handler, jsonResponse, onlyAllows } from '@/lib/http/request';
import { documentJson } from '@/lib/http/shapes';
import { getDocument } from '@/lib/library';
import { openStore } from '@/lib/store/open';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function find(params: Promise<{ id: string }>) {
  const { id } = await params;
  if (id.length > 300) throw new HttpError(400, 'The document id is too long.');
  const doc = await getDocument(getConfig(), id);
  if (!doc) throw new HttpError(404, `No document with id "${id}" is in the index.`);
  return doc;
}

/** GET → one document's metadata and original text; unknown id → 404. */
export const GET = handler(async (_req: Request, { params }: { params: Promise<{ id: string }> }) =>
  jsonResponse(documentJson(await find(params))),
);

/**
 * DELETE → moves the document's file out of the corpus into the trash folder (never deleted) and
 * re-indexes. A feed file holds several articles: they all go with it, and the answer lists them.
 */
export const DELETE = handler(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const cfg = getConfig();
  authorize(req, cfg);
  const doc = await find(params);
  const removed = (await (await openStore(cfg)).documents()).filter((d) => d.file === doc.file).map((d) => d.id);
  await trashFile(cfg, doc.file);
  await runAdd({});
  return jsonResponse({ removed, file: doc.file });
});

export const POST = onlyAllows('GET');

import { getConfig } from '../../../../lib/config';
import { HttpError, handler, jsonResponse, onlyAllows } from '../../../../lib/http/request';
import { getDocument } from '../../../../lib/library';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET → one document's metadata and original text; unknown id → 404. */
export const GET = handler(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  if (id.length > 300) throw new HttpError(400, 'The document id is too long.');
  const doc = await getDocument(getConfig(), id);
  if (!doc) throw new HttpError(404, `No document with id "${id}" is in the index.`);
  return jsonResponse(doc);
});

export const POST = onlyAllows('GET');

import { z } from 'zod';
import { FORMATS } from '@/lib/corpus/formats';
import { HttpError, parseWith, readBody, readJson } from '@/lib/http/request';

/** Limits and parsing for `POST /api/documents`: several files (multipart) or `{urls: […]}`. */

export const MAX_UPLOAD_FILES = 20;
export const MAX_REQUEST_BYTES = 60 * 1024 * 1024;
const TEXT_MAX_BYTES = 2 * 1024 * 1024;
const MAX_NAME = 200;

export const linksSchema = z.strictObject({
  urls: z
    .array(z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2,000 characters'))
    .min(1, 'must list at least one link')
    .max(MAX_UPLOAD_FILES, `may list at most ${MAX_UPLOAD_FILES} links`),
});

export type Upload = { name: string; bytes: Buffer };
export type AddRequest = { kind: 'links'; urls: string[] } | { kind: 'files'; files: Upload[] };

/** The largest file a name may bring: its format's limit, or the text limit. */
function limitFor(bytes: Buffer): number {
  const head = bytes.subarray(0, 4096).toString('latin1');
  return FORMATS.find((f) => f.sniff(head))?.maxBytes ?? TEXT_MAX_BYTES;
}

export async function readAddRequest(req: Request): Promise<AddRequest> {
  const header = req.headers.get('content-type') ?? '';
  const type = header.toLowerCase();
  if (type.startsWith('application/json')) return { kind: 'links', urls: (await readJson(req, linksSchema, 64 * 1024)).urls };
  if (!type.startsWith('multipart/form-data'))
    throw new HttpError(415, 'Send files as multipart/form-data, or links as JSON {"urls": [...]}.');
  const body = await readBody(
    req,
    MAX_REQUEST_BYTES,
    `The upload is too large (the limit is ${MAX_REQUEST_BYTES / 1048576} MB per request).`,
  );
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': header } }).formData();
  } catch {
    throw new HttpError(400, 'The upload could not be read as multipart form data.');
  }
  const entries = [...form.entries()];
  const unknown = entries.find(([key, value]) => key !== 'files' || typeof value === 'string');
  if (unknown) throw new HttpError(400, `Only files may be sent, in fields named "files" ("${unknown[0].slice(0, 40)}" is not one).`);
  const files = entries.map(([, value]) => value as File);
  parseWith(
    z.array(z.unknown()).min(1, 'must hold at least one file').max(MAX_UPLOAD_FILES, `may hold at most ${MAX_UPLOAD_FILES} files`),
    files,
  );
  return {
    kind: 'files',
    files: await Promise.all(
      files.map(async (f) => {
        const name = f.name.slice(0, MAX_NAME) || 'upload';
        const bytes = Buffer.from(await f.arrayBuffer());
        const limit = limitFor(bytes);
        if (bytes.length > limit)
          throw new HttpError(
            413,
            `${name} is ${(bytes.length / 1048576).toFixed(1)} MB, over the ${limit / 1048576} MB limit for a file of its kind.`,
          );
        return { name, bytes };
      }),
    ),
  };
}

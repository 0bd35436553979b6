import type { z } from 'zod';
import { ConfigError } from '@/lib/config';
import { IndexError, NoIndexError } from '@/lib/store/types';

/** An error whose message is a sentence fit to show the person who sent the request. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const MAX_BODY_BYTES = 256 * 1024;
/** How much of an oversized body is read and dropped so the client, still sending, gets the 413. */
const DRAIN_BYTES = 8 * 1024 * 1024;

/** Turns the first zod issue into a sentence naming the field. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : 'the request body';
  if (issue.code === 'unrecognized_keys') {
    // A few names, each cut short: a hostile body may hold thousands of them, or one of 200 kB.
    const names = issue.keys
      .slice(0, 3)
      .map((k) => `"${k.length > 40 ? `${k.slice(0, 40)}…` : k}"`)
      .join(', ');
    const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
    return `Unknown field${issue.keys.length > 1 ? 's' : ''} ${names}${more}${issue.path.length ? ` in ${field}` : ''}.`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field} is required.`;
  const message = issue.message.replace(/\.$/, '');
  return `${message.startsWith(field) ? message : `${field}: ${message}`}.`;
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  // reportInput: without it zod leaves `issue.input` undefined, and every wrong type read as "is required".
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new HttpError(400, describeZodError(parsed.error));
  return parsed.data;
}

/**
 * Reads a request body of at most `maxBytes`, refusing a larger one (declared or sent) with 413
 * and the given sentence.
 */
export async function readBody(req: Request, maxBytes: number, tooLarge: string): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new HttpError(413, tooLarge);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      size += r.value.byteLength;
      if (size > maxBytes) {
        // Cancelling at once would reset the connection under a client still sending, which then
        // never reads this answer (or reuses a dead keep-alive socket). Drain a bounded amount first.
        for (let rest = await reader.read(); !rest.done; rest = await reader.read()) {
          size += rest.value.byteLength;
          if (size > maxBytes + DRAIN_BYTES) {
            await reader.cancel();
            throw new HttpError(413, tooLarge, { connection: 'close' });
          }
        }
        throw new HttpError(413, tooLarge);
      }
      chunks.push(r.value);
    }
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON body of at most `maxBytes`, refusing oversized and malformed bodies with a sentence. */
export async function readJson<T>(req: Request, schema: z.ZodType<T>, maxBytes = MAX_BODY_BYTES): Promise<T> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  const body = await readBody(
    req,
    maxBytes,
    declared > maxBytes
      ? `The request body is too large (${declared} bytes; the limit is ${maxBytes}).`
      : `The request body is too large (over ${maxBytes} bytes).`,
  );
  const text = new TextDecoder().decode(body);
  if (!text.trim()) throw new HttpError(400, 'The request body is empty; send a JSON object.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
  return parseWith(schema, json);
}

export const jsonResponse = (data: unknown, status = 200) => Response.json(data, { status, headers: { 'cache-control': 'no-store' } });

/** Status and a sentence for any error; internals are logged, never sent. */
export function publicError(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.status, message: error.message };
  if (error instanceof NoIndexError || error instanceof IndexError) return { status: 503, message: error.message };
  if (error instanceof ConfigError) return { status: 500, message: error.message };
  console.error(error);
  return { status: 500, message: 'Something went wrong on the server; the error has been logged.' };
}

export function errorResponse(error: unknown): Response {
  const { status, message } = publicError(error);
  const response = jsonResponse({ error: message }, status);
  if (error instanceof HttpError) for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
  return response;
}

/**
 * The handler for the method a route does not take: Next.js would answer an empty 405, this one
 * says which method to use.
 */
export const onlyAllows = (method: 'GET' | 'POST') => async () =>
  errorResponse(new HttpError(405, `This address only answers ${method} requests.`, { allow: method === 'GET' ? 'GET, HEAD' : 'POST' }));

/** Wraps a route handler so every failure becomes a JSON error response. */
export function handler<A extends unknown[]>(fn: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

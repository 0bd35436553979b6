import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ACCEPTED_CONTENT_TYPES, sniffFormat, type Format } from '@/lib/corpus/formats';
import { isPermittedAddress } from './address';

export type FetchPolicy = { allowLoopback: boolean; timeoutMs: number; maxBytes?: number; maxRedirects?: number };
export type Fetched = { url: string; finalUrl: string; bytes: Buffer; contentType: string; format: Format; fetchedAt: string };

/** A fetch that was refused or failed; the message completes "Could not add <url>: …". */
export class FetchError extends Error {}

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;

/**
 * Resolves the host and hands the connection exactly one checked address, so what was checked is
 * what is connected to (no DNS rebinding between check and connect).
 */
function pinnedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true }).then(
      (addresses) => {
        const refused = addresses.find((a) => !isPermittedAddress(a.address, allowLoopback));
        if (refused || addresses.length === 0) {
          callback(
            new FetchError(`${hostname} resolves to ${refused?.address ?? 'no address'}, a private or local address that is never fetched`),
            '',
            4,
          );
          return;
        }
        const chosen = addresses[0]!;
        if (options.all) (callback as unknown as (e: null, a: typeof addresses) => void)(null, [chosen]);
        else callback(null, chosen.address, chosen.family);
      },
      (error: NodeJS.ErrnoException) =>
        callback(new FetchError(`the address of ${hostname} cannot be found (${error.code ?? error.message})`), '', 4),
    );
  };
}

function checkUrl(raw: string, allowLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchError('it is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FetchError(`only http and https links can be fetched, not ${url.protocol.replace(':', '')}`);
  if (url.username || url.password) throw new FetchError('links with a user name or password are not fetched');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Literal addresses never reach the lookup, so they are checked here.
  if (isIP(host) && !isPermittedAddress(host, allowLoopback))
    throw new FetchError(`${host} is a private or local address, which is never fetched`);
  return url;
}

function decoded(res: http.IncomingMessage): Readable {
  switch ((res.headers['content-encoding'] ?? 'identity').toLowerCase()) {
    case 'identity':
      return res;
    case 'gzip':
    case 'x-gzip':
      return res.pipe(zlib.createGunzip());
    case 'deflate':
      return res.pipe(zlib.createInflate());
    case 'br':
      return res.pipe(zlib.createBrotliDecompress());
    default:
      throw new FetchError(`the server used an unknown compression (${res.headers['content-encoding']})`);
  }
}

/** Reads at most `maxBytes` after decompression, so a small compressed body cannot fill memory. */
async function readBounded(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      stream.destroy();
      throw new FetchError(`it is larger than ${maxBytes / 1048576} MB`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function request(url: URL, policy: FetchPolicy, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(
      url,
      {
        agent: false,
        lookup: pinnedLookup(policy.allowLoopback),
        signal,
        headers: {
          'user-agent': 'Dossier/0.1 (article reader)',
          accept: 'text/html,application/xhtml+xml,application/pdf,application/rss+xml,application/atom+xml,application/xml;q=0.9',
          'accept-encoding': 'gzip, deflate, br',
        },
      },
      resolve,
    );
    req.on('error', (error) =>
      reject(
        error instanceof FetchError
          ? error
          : (error as Error).name === 'AbortError'
            ? new FetchError(`it did not answer within ${policy.timeoutMs / 1000} s`)
            : new FetchError(`it cannot be reached (${(error as NodeJS.ErrnoException).code ?? error.message})`),
      ),
    );
  });
}

/**
 * Fetches a web page, PDF or feed: public addresses only (checked after resolution and on every
 * redirect), at most five redirects, bounded time and size, HTML/PDF/feed content types only, and
 * the bytes must be one of those formats whatever the server says.
 */
export async function fetchDocument(raw: string, policy: FetchPolicy): Promise<Fetched> {
  const maxBytes = policy.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const signal = AbortSignal.timeout(policy.timeoutMs);
  let url = checkUrl(raw, policy.allowLoopback);
  for (let hop = 0; ; hop++) {
    const res = await request(url, policy, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= maxRedirects) throw new FetchError(`it redirects more than ${maxRedirects} times`);
      url = checkUrl(new URL(res.headers.location, url).href, policy.allowLoopback);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new FetchError(`the server answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
    }
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!ACCEPTED_CONTENT_TYPES.includes(contentType)) {
      res.resume();
      throw new FetchError(`it is ${contentType || 'of no stated type'}, not a web page, PDF or feed`);
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      res.destroy();
      throw new FetchError(`it is ${(declared / 1048576).toFixed(1)} MB, over the ${maxBytes / 1048576} MB limit`);
    }
    let bytes: Buffer;
    try {
      bytes = await readBounded(decoded(res), maxBytes);
    } catch (error) {
      if (error instanceof FetchError) throw error;
      throw new FetchError(
        signal.aborted ? `it did not finish within ${policy.timeoutMs / 1000} s` : `the download failed (${(error as Error).message})`,
      );
    }
    const format = sniffFormat(bytes);
    if (!format) throw new FetchError(`its content is not a web page, PDF or feed (the server called it ${contentType})`);
    return { url: raw, finalUrl: url.href, bytes, contentType, format, fetchedAt: new Date().toISOString() };
  }
}

import { NextResponse, type NextRequest } from 'next/server';
import { getConfig, type ServerConfig } from './lib/config';
import {
  BARE_POLICY,
  SECURITY_HEADERS,
  TOKEN_COOKIE,
  contentSecurityPolicy,
  hostAllowed,
  presentedToken,
  tokenMatches,
} from './lib/http/access';

/**
 * Runs before every request (Next.js 16 proxies run on Node.js, so the config module loads here as
 * everywhere else): refuses other host names (DNS rebinding), methods the app does not serve,
 * requests without the access token when one is set, and POST bodies that are not JSON (a page on
 * another origin can send text/plain without asking); then adds the security headers.
 */

const METHODS = new Set(['GET', 'HEAD', 'POST', 'DELETE']);

function refuse(status: number, error: string, headers: Record<string, string> = {}): NextResponse {
  const response = NextResponse.json({ error }, { status, headers: { 'cache-control': 'no-store', ...headers } });
  return secured(response, BARE_POLICY);
}

function secured<T extends Response>(response: T, policy: string): T {
  response.headers.set('content-security-policy', policy);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

const nonce = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');

function wellEncoded(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** The access-token gate: a Bearer header or the cookie; `?token=` once sets the cookie for a browser. */
function checkToken(request: NextRequest, server: ServerConfig): NextResponse | null {
  const expected = server.accessToken;
  if (!expected) return null;
  if (tokenMatches(presentedToken(request.headers, request.cookies.get(TOKEN_COOKIE)?.value), expected)) return null;
  const fromQuery = request.nextUrl.searchParams.get('token');
  if (request.method === 'GET' && tokenMatches(fromQuery, expected)) {
    const clean = request.nextUrl.clone();
    clean.searchParams.delete('token');
    const response = secured(NextResponse.redirect(clean, 303), BARE_POLICY);
    response.cookies.set(TOKEN_COOKIE, expected, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: request.nextUrl.protocol === 'https:',
    });
    return response;
  }
  return refuse(
    401,
    'This Dossier needs its access token: send the header `Authorization: Bearer <token>`, or open /?token=<token> once in this browser.',
    { 'www-authenticate': 'Bearer' },
  );
}

export function proxy(request: NextRequest): NextResponse {
  let server: ServerConfig;
  try {
    server = getConfig().server;
  } catch (error) {
    return refuse(500, (error as Error).message);
  }
  // DELETE removes an article (/api/documents/:id); no other route takes it.
  const allowed = METHODS.has(request.method) && (request.method !== 'DELETE' || request.nextUrl.pathname.startsWith('/api/documents/'));
  if (!allowed)
    return refuse(405, `The ${request.method.slice(0, 20)} method is not served here; use GET or POST.`, { allow: 'GET, HEAD, POST' });
  if (!hostAllowed(request.headers.get('host'), server)) {
    return refuse(
      421,
      'This server does not answer to that host name. Open it by the address it was started on, or add the name to DOSSIER_ALLOWED_HOSTS.',
    );
  }
  const path = request.nextUrl.pathname;
  if (!wellEncoded(path) && path.startsWith('/api/'))
    return refuse(400, 'The address is not valid: a % in it must start an escape such as %20.');
  const denied = checkToken(request, server);
  if (denied) return denied;
  // Uploads are multipart; that route also requires a custom header, which no other site can send.
  const type = request.headers.get('content-type') ?? '';
  const upload = path === '/api/documents' && /^multipart\/form-data\s*;/i.test(type);
  if (request.method === 'POST' && !upload && !/^application\/json\s*(;|$)/i.test(type)) {
    return refuse(415, 'Send the request body as JSON, with the header `Content-Type: application/json`.');
  }
  // Next.js reads the nonce from the request's policy header and puts it on its own scripts.
  const policy = contentSecurityPolicy(nonce(), process.env.NODE_ENV === 'development');
  const headers = new Headers(request.headers);
  headers.set('content-security-policy', policy);
  // A page address with a broken escape names nothing: the app's own 404 page, as for any other.
  const response = wellEncoded(path)
    ? NextResponse.next({ request: { headers } })
    : NextResponse.rewrite(new URL('/_not-found', request.url), { request: { headers } });
  return secured(response, policy);
}

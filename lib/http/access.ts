import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import type { ServerConfig } from '@/lib/config';

/** Who may talk to the server, and the headers every answer carries. Used by `proxy.ts`. */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

export const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
export const isWildcard = (host: string) => WILDCARD.has(host);
const bracketed = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

let machineNames: string[] | undefined;

/**
 * The names a request may use to reach the bound address. A DNS-rebinding page reaches the same
 * address under the attacker's own domain name, so anything else is refused.
 */
export function boundNames(server: ServerConfig): string[] {
  if (isLoopback(server.host)) return [...new Set([...LOOPBACK_NAMES, bracketed(server.host)])];
  if (!isWildcard(server.host)) return [bracketed(server.host)];
  // Bound to every interface: every address of this machine, and its own name.
  machineNames ??= [
    ...LOOPBACK_NAMES,
    hostname().toLowerCase(),
    ...Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => bracketed(a.address.toLowerCase()))),
  ];
  return machineNames;
}

const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[\w.-]+)(?::(\d{1,5}))?$/;

/**
 * Whether a `Host` header names this server: one of the bound names with the server's port (any
 * port while it is unknown), or an entry of DOSSIER_ALLOWED_HOSTS (an entry without a port allows
 * any port, for a reverse proxy in front).
 */
export function hostAllowed(header: string | null, server: ServerConfig): boolean {
  if (!header) return false;
  const value = header.toLowerCase();
  const m = HOST_HEADER.exec(value);
  if (!m) return false;
  const [, name, port] = m as unknown as [string, string, string | undefined];
  if (server.allowedHosts.some((allowed) => allowed === value || allowed === name)) return true;
  return boundNames(server).includes(name) && (server.port === undefined || Number(port ?? 80) === server.port);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares a presented token with the configured one in constant time, whatever their lengths. */
export const tokenMatches = (given: string | null | undefined, expected: string) =>
  typeof given === 'string' && timingSafeEqual(digest(given), digest(expected));

export const TOKEN_COOKIE = 'dossier_token';

/** The token a request presents, in the order a script or a browser sends it. */
export function presentedToken(headers: Headers, cookie: string | undefined): string | undefined {
  const auth = /^Bearer\s+(\S+)$/i.exec(headers.get('authorization') ?? '');
  return auth?.[1] ?? cookie;
}

/**
 * The Content-Security-Policy: scripts only from this origin and only with this response's nonce
 * (Next.js adds it to its own scripts), so neither inline event handlers nor injected or foreign
 * scripts run; no framing; no plugins. Styles may be inline: React writes `style` attributes.
 * In development React also needs eval, and the dev server's hot reload a websocket.
 */
export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${dev ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The policy of answers the proxy writes itself: JSON and redirects, nothing to run or embed. */
export const BARE_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** The headers every response carries besides the policy. */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

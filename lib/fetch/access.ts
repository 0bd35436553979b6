import { timingSafeEqual } from 'node:crypto';
import type { Config } from '@/lib/config';
import { isLoopback } from '@/lib/http/access';
import { HttpError } from '@/lib/http/request';

export type LibraryAccess = 'open' | 'token' | 'closed';

/**
 * Who may add and remove articles: anyone holding DOSSIER_ADMIN_TOKEN when it is set; without a
 * token, only a server bound to loopback is open (nobody else can reach it); otherwise no one.
 */
export function libraryAccess(cfg: Config): LibraryAccess {
  if (cfg.library.adminToken) return 'token';
  return isLoopback(cfg.server.host) ? 'open' : 'closed';
}

export const ACTION_HEADER = 'x-dossier-action';

/**
 * Refuses a request that may not change the library. The custom header makes browsers send a CORS
 * preflight, which this app never answers, so another site cannot post to a loopback server.
 */
export function authorize(req: Request, cfg: Config): void {
  if (!req.headers.get(ACTION_HEADER))
    throw new HttpError(
      403,
      `Changing the library needs the ${ACTION_HEADER} header (the app sends it), so other sites cannot do it from your browser.`,
    );
  const access = libraryAccess(cfg);
  if (access === 'open') return;
  if (access === 'closed')
    throw new HttpError(
      403,
      'Adding and removing articles is turned off: set DOSSIER_ADMIN_TOKEN, or bind the server to 127.0.0.1 (DOSSIER_HOST=127.0.0.1).',
    );
  const given = /^Bearer (.{1,500})$/.exec(req.headers.get('authorization') ?? '')?.[1] ?? '';
  const want = Buffer.from(cfg.library.adminToken!);
  const got = Buffer.from(given);
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    throw new HttpError(
      401,
      given
        ? 'The access token is wrong.'
        : 'Adding and removing articles needs the access token (Authorization: Bearer <DOSSIER_ADMIN_TOKEN>).',
      { 'www-authenticate': 'Bearer' },
    );
  }
}

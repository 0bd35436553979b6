/** Query parameters whose values are credentials by their name (api_key, access_token, secret, sig…). */
const SECRET_PARAM = /key|token|secret|password|passwd|auth|sig|credential/i;

/**
 * A URL fit to show in a page, a status reply or a warning: user name and password replaced by
 * `***`, and the values of query parameters named like credentials too. Text that does not parse
 * as a URL is not shown at all, since it cannot be checked.
 */
export function redactUrl(value: string | URL | undefined): string {
  if (value === undefined) return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '(an unreadable URL)';
  }
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, '***');
  // URLSearchParams escapes the stars; keep them readable.
  return url.href.replaceAll('%2A%2A%2A', '***');
}

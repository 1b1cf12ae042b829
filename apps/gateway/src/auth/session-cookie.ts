import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken } from '@quartet/auth';

/** The cookie that carries a guest session for the page, its SSE streams and its WebSocket. */
export const SESSION_COOKIE = 'quartet_session';

/** The caller's token: `Authorization: Bearer`, else the session cookie. */
export function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  return bearerToken(headers.authorization) ?? cookie(headers.cookie, SESSION_COOKIE);
}

/**
 * The session cookie: HttpOnly, so the page's scripts cannot read it; SameSite=Strict, so no
 * other site's page makes the browser send it; Secure when the page came over HTTPS.
 */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

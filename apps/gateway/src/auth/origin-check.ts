import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a browser request comes from a page the gateway trusts: one it served itself (the
 * Origin names the host the request was sent to) or one of ALLOWED_ORIGINS. A request with no
 * Origin is not a browser's cross-site request (curl, a server) and passes; the token decides.
 */
export function trustedOrigin(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

// A guest session token as the gateway signs one (libs/auth guest-tokens.ts): HS256, issuer
// quartet-gateway, audience quartet; for the benchmark's calls through the gateway.
import { createHmac } from 'node:crypto';

const base64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function guestToken(secret, user, ttlSeconds = 3_600) {
  const now = Math.floor(Date.now() / 1_000);
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({
    iss: 'quartet-gateway',
    aud: 'quartet',
    sub: user,
    iat: now,
    exp: now + ttlSeconds,
  })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

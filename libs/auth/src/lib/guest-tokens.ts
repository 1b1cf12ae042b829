import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { GUEST_AUDIENCE, GUEST_ISSUER } from './auth-settings';
import { keyId } from './key-id';

export interface SignedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** A guest session for `user`: an HS256 JWT whose subject is the user, valid for `ttlSeconds`, naming its key (`kid`). */
export async function signGuestToken(
  secret: Uint8Array,
  user: string,
  ttlSeconds: number,
): Promise<SignedToken> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + ttlSeconds;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keyId(secret) })
    .setJti(randomUUID())
    .setIssuer(GUEST_ISSUER)
    .setAudience(GUEST_AUDIENCE)
    .setSubject(user)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(secret);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

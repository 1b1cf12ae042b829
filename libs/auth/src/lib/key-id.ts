import { createHash } from 'node:crypto';

/**
 * The `kid` of tokens signed with `secret`: the first 12 bytes of its SHA-256, so that every
 * replica with the same key names it alike without configuration, and the id tells nothing of
 * the key. A verifier picks the key a token names instead of trying each.
 */
export function keyId(secret: Uint8Array): string {
  return createHash('sha256').update(secret).digest().subarray(0, 12).toString('base64url');
}

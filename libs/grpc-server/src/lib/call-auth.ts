import { type Metadata, status } from '@grpc/grpc-js';
import { bearerToken, TokenRefused, type TokenVerifier } from '@quartet/auth';

/** The metadata key under which a handler finds the verified user; what a client sends as it is dropped. */
export const VERIFIED_USER_KEY = 'quartet-verified-user';

/** Health checks and reflection carry no token: probes and `grpcurl list` call them. */
const OPEN = ['/grpc.health.v1.Health/', '/grpc.reflection.'];

/** Why a call's token was not accepted, as the status its caller gets. */
export interface AuthRefusal {
  readonly code: status;
  readonly details: string;
}

/**
 * The token check of every call, run by the call interceptor (call-interceptor.ts) on the
 * call's metadata before its handler starts: a NestJS guard would run once per stream, after
 * NestJS has begun reading a client stream's messages (nestjs/nest#14094), while there no
 * message reaches the handler until the token is verified. Without a verifier every call is
 * let through as anonymous.
 */
export class CallAuth {
  constructor(private readonly verifier: TokenVerifier | undefined) {}

  /** Whether calls to `path` skip the check. */
  isOpen(path: string): boolean {
    return this.verifier === undefined || OPEN.some((prefix) => path.startsWith(prefix));
  }

  /** Drops a client's own `quartet-verified-user`, so that only a verified one reaches handlers; every call, open or not. */
  strip(metadata: Metadata): void {
    metadata.remove(VERIFIED_USER_KEY);
  }

  /** Marks `metadata` with the verified user, or says why not. */
  async check(metadata: Metadata): Promise<AuthRefusal | undefined> {
    if (this.verifier === undefined) return undefined;
    const token = bearerToken(metadata.get('authorization').map(String)[0]);
    if (token === undefined) {
      return {
        code: status.UNAUTHENTICATED,
        details: 'no bearer token: send the metadata "authorization: Bearer <token>"',
      };
    }
    try {
      const verified = await this.verifier.verify(token);
      metadata.set(VERIFIED_USER_KEY, verified.user);
      return undefined;
    } catch (error) {
      return error instanceof TokenRefused
        ? { code: status.UNAUTHENTICATED, details: error.message }
        : {
            code: status.UNAVAILABLE,
            details: 'tokens cannot be checked now: the issuer’s keys are out of reach',
          };
    }
  }
}

/** The user the caller's token names, as the call interceptor verified it; undefined for anonymous calls. */
export function verifiedUser(metadata: Metadata): string | undefined {
  const [user] = metadata.get(VERIFIED_USER_KEY);
  return typeof user === 'string' ? user : undefined;
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { TokenRefused, TokenVerifier } from '@quartet/auth';
import type { IncomingHttpHeaders } from 'node:http';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import type { Caller } from './caller';
import { RevokedTokens } from './revoked-tokens';
import { tokenOf } from './session-cookie';

/** Why a request is not signed in: 401, or 503 when the issuer's keys are out of reach. */
export interface SignInRefusal {
  readonly status: 401 | 503;
  readonly code: 'UNAUTHENTICATED' | 'UNAVAILABLE';
  readonly message: string;
}

/** Finds who a request comes from, by its bearer token or session cookie. */
@Injectable()
export class Authenticator {
  private readonly verifier: TokenVerifier;
  private readonly logger = new Logger(Authenticator.name);

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly revoked: RevokedTokens,
  ) {
    const verifier = TokenVerifier.from(config.auth.tokens);
    if (!verifier) throw new Error('the gateway needs guest sessions or an issuer to verify tokens');
    this.verifier = verifier;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<Caller | SignInRefusal> {
    const token = tokenOf(headers);
    if (token === undefined) {
      return {
        status: 401,
        code: 'UNAUTHENTICATED',
        message:
          'sign in first: POST /api/session, then send the token as "Authorization: Bearer" or the cookie',
      };
    }
    try {
      const { user, expiresAt } = await this.verifier.verify(token);
      if (this.revoked.isRevoked(token)) {
        return {
          status: 401,
          code: 'UNAUTHENTICATED',
          message: 'this session was signed out; sign in again',
        };
      }
      return { user, token, expiresAt };
    } catch (error) {
      if (error instanceof TokenRefused)
        return { status: 401, code: 'UNAUTHENTICATED', message: error.message };
      this.logger.warn({ event: 'token-check-failed', error: (error as Error).message });
      return { status: 503, code: 'UNAVAILABLE', message: 'tokens cannot be checked now; try again shortly' };
    }
  }
}

export function isRefusal(result: Caller | SignInRefusal): result is SignInRefusal {
  return 'code' in result;
}

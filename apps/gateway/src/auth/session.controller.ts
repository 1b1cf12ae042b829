import {
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Logger,
  type OnApplicationBootstrap,
  Post,
  Req,
  Res,
  BadRequestException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { signGuestToken } from '@quartet/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { Policy } from '../edge/route-policy';
import { type Caller, SignedIn } from './caller';
import { guestNameProblem, uniqueGuestName } from './guest-names';
import { RevokedTokens } from './revoked-tokens';
import { sessionCookie } from './session-cookie';
import { readSmallJsonBody } from './small-json-body';

const MAX_BODY_BYTES = 1024;

/** Guest sessions: how a visitor with no account gets a token, and the page its cookie. */
@Controller('api/session')
export class SessionController implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionController.name);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly revoked: RevokedTokens,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.auth.ephemeralSecret) {
      this.logger.warn({
        event: 'ephemeral-session-key',
        message:
          'AUTH_SECRET is not set: guest sessions are signed with a key made at start, so they end with ' +
          'this process and other gateway replicas (and the services) cannot verify them; set AUTH_SECRET',
      });
    }
  }

  /**
   * POST /api/session `{"user":"ann"}` → 201 `{"token","user","expiresAt"}` and the session
   * cookie. The user is the name with a random suffix, unique among guests.
   */
  @Post()
  @HttpCode(201)
  @Policy({ access: 'public', sameOrigin: true, rate: 'client-sessions' })
  async start(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ token: string; user: string; expiresAt: string }> {
    const { auth } = this.config;
    if (!auth.guests) {
      throw new ForbiddenException(
        'guest sessions are off: sign in with the identity provider and send its token',
      );
    }
    const body = await readSmallJsonBody(request.raw, MAX_BODY_BYTES);
    const name = (body as { user?: unknown } | null)?.user;
    const problem = guestNameProblem(name);
    if (problem) throw new BadRequestException(problem);
    const user = uniqueGuestName(name as string);
    const { token, expiresAt } = await signGuestToken(
      auth.tokens.secret as Uint8Array,
      user,
      auth.sessionTtlSeconds,
    );
    void reply.header('set-cookie', sessionCookie(token, auth.sessionTtlSeconds, request.client.secure));
    return { token, user, expiresAt: expiresAt.toISOString() };
  }

  /** GET /api/session → who the token names, and until when. */
  @Get()
  current(@SignedIn() caller: Caller): { user: string; expiresAt: string } {
    return { user: caller.user, expiresAt: caller.expiresAt.toISOString() };
  }

  /**
   * DELETE /api/session → 204 and the cookie cleared; the token is revoked until it expires, on
   * every replica (RevokedTokens), so a copy of it signs no one in either.
   */
  @Delete()
  @HttpCode(204)
  @Policy({ access: 'signed-in', sameOrigin: true, rate: 'user-requests' })
  async end(
    @SignedIn() caller: Caller,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.revoked.revoke(caller.token, caller.expiresAt).catch(() => {
      throw new ServiceUnavailableException(
        'the sign-out could not be shared with the other replicas; try again',
      );
    });
    void reply.header('set-cookie', sessionCookie('', 0, request.client.secure));
  }
}

import rateLimit from '@fastify/rate-limit';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { GatewayAuth } from '../auth/auth-config';

/**
 * Per-user request rates on the API (RATE_LIMIT_PER_MINUTE), and per-address rates of guest
 * sessions (SESSIONS_PER_MINUTE), the one route a caller without a token can use. Past either,
 * 429 with Retry-After and the JSON error body. Counted per gateway process, over the last
 * 10,000 keys at most, so a flood of new names cannot grow it without bound.
 */
export async function limitRequestRates(app: NestFastifyApplication, auth: GatewayAuth): Promise<void> {
  const keyOf = (request: FastifyRequest) =>
    request.caller ? `user:${request.caller.user}` : `address:${request.socket.remoteAddress ?? ''}`;
  await app.register(rateLimit, {
    global: true,
    // After the sign-in hook (onRequest), so that the key is the user.
    hook: 'preHandler',
    cache: 10_000,
    timeWindow: 60_000,
    allowList: (request) => !request.url.startsWith('/api/'),
    keyGenerator: keyOf,
    max: (request) => (request.caller ? auth.requestsPerMinute : auth.sessionsPerMinute),
    // Thrown by the plugin, and answered as JSON by HttpErrorsFilter like any other refusal.
    errorResponseBuilder: (request, context) =>
      new HttpException(
        request.caller
          ? `${request.caller.user} may make ${context.max} requests a minute; retry in ${context.after}`
          : `this address may start ${context.max} sessions a minute; retry in ${context.after}`,
        HttpStatus.TOO_MANY_REQUESTS,
      ),
  });
}

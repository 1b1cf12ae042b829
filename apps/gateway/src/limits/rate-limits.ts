import rateLimit from '@fastify/rate-limit';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { GatewayAuth } from '../auth/auth-config';
import { policyOf } from '../edge/route-policy';
import { SharedState } from '../shared-state/shared-state';
import { sharedRateStore } from './shared-rate-store';

/**
 * The rate each route declares: its user's requests (RATE_LIMIT_PER_MINUTE) or its client
 * address's new guest sessions (SESSIONS_PER_MINUTE). Past it, 429 with Retry-After and the
 * JSON error body. Counted in Redis for every replica with REDIS_URL, else per gateway process
 * (over the last 10,000 keys at most, so a flood of new names cannot grow it without bound).
 */
export async function limitRequestRates(app: NestFastifyApplication, auth: GatewayAuth): Promise<void> {
  const perUser = (request: FastifyRequest) => policyOf(request).rate === 'user-requests' && request.caller;
  await app.register(rateLimit, {
    global: true,
    // After the sign-in and origin hooks (onRequest), so that the key is the user and refused
    // requests cost no budget; before the stream slots (preHandler).
    hook: 'preValidation',
    store: sharedRateStore(app.get(SharedState), 10_000),
    timeWindow: 60_000,
    allowList: (request) => policyOf(request).rate === undefined,
    keyGenerator: (request) => {
      const user = perUser(request);
      return user ? `user:${user.user}` : `address:${request.client.address}`;
    },
    max: (request) => (perUser(request) ? auth.requestsPerMinute : auth.sessionsPerMinute),
    // Thrown by the plugin, and answered as JSON by HttpErrorsFilter like any other refusal.
    errorResponseBuilder: (request, context) => {
      const user = perUser(request);
      return new HttpException(
        user
          ? `${user.user} may make ${context.max} requests a minute; retry in ${context.after}`
          : `this address may start ${context.max} sessions a minute; retry in ${context.after}`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    },
  });
}

import type { FastifyInstance } from 'fastify';
import { policyOf } from '../edge/route-policy';
import { refuse } from '../edge/refuse';
import { trustedOrigin } from './origin-check';

/**
 * On routes that declare `sameOrigin` (those a cookie alone would authorise: sign-in, sign-out,
 * uploads, chat): a browser request from a page of another origin is refused with 403.
 */
export function requireSameOrigin(fastify: FastifyInstance, allowedOrigins: readonly string[]): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!policyOf(request).sameOrigin || trustedOrigin(request.headers, allowedOrigins)) return done();
    void refuse(
      reply,
      403,
      'PERMISSION_DENIED',
      `pages from ${request.headers.origin} may not call ${request.method} ${request.routeOptions.url} here`,
    );
  });
}

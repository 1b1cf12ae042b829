import type { FastifyInstance } from 'fastify';
import { type Authenticator, isRefusal } from './authenticator';

/** The one /api/ route a caller without a token may use: it is how a guest gets one. */
export const SESSION_ROUTE = '/api/session';

/**
 * Every /api/ request but POST /api/session must carry a valid token; others are answered 401
 * before any route runs. The page, /healthz, /readyz and the page's assets stay open.
 */
export function requireSignIn(fastify: FastifyInstance, authenticator: Authenticator): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] as string;
    if (!path.startsWith('/api/')) return;
    if (path === SESSION_ROUTE && request.method === 'POST') return;
    const result = await authenticator.authenticate(request.headers);
    if (isRefusal(result)) {
      if (result.status === 401) void reply.header('www-authenticate', 'Bearer');
      return reply.status(result.status).send({ error: { code: result.code, message: result.message } });
    }
    request.caller = result;
  });
}

import type { FastifyInstance } from 'fastify';
import { policyOf } from '../edge/route-policy';
import { refuse } from '../edge/refuse';
import { type Authenticator, isRefusal } from './authenticator';

/** On every route that is not public: the caller's token, verified, as `request.caller`; else 401 (503 if tokens cannot be checked). */
export function requireSignIn(fastify: FastifyInstance, authenticator: Authenticator): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (policyOf(request).access === 'public') return;
    const result = await authenticator.authenticate(request.headers);
    if (isRefusal(result)) {
      const challenge: Record<string, string> = result.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
      return refuse(reply, result.status, result.code, result.message, challenge);
    }
    request.caller = result;
  });
}

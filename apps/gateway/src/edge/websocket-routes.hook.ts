import type { FastifyInstance } from 'fastify';
import { refuse } from './refuse';
import { policyOf } from './route-policy';

/**
 * A WebSocket handshake to a route that is not a WebSocket is answered 404: @fastify/websocket
 * would otherwise upgrade it and close it at once.
 */
export function refuseStrayUpgrades(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.ws || policyOf(request).websocket) return done();
    void refuse(reply, 404, 'NOT_FOUND', `no WebSocket at ${request.routeOptions.url ?? 'this path'}`);
  });
}

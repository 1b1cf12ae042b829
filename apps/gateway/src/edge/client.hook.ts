import type { FastifyInstance } from 'fastify';
import { type Client, clientOf, proxyTrust } from './client-address';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request comes from, through TRUSTED_PROXIES: what every per-address limit counts by. */
    client: Client;
  }
}

/** Finds each request's client once, first, for every later step to use. */
export function findClients(fastify: FastifyInstance, trustedProxies: readonly string[]): void {
  const trust = proxyTrust(trustedProxies);
  fastify.decorateRequest('client', null as unknown as Client);
  fastify.addHook('onRequest', (request, _reply, done) => {
    const { socket } = request.raw;
    request.client = clientOf(socket.remoteAddress, request.headers, trust, 'encrypted' in socket);
    done();
  });
}

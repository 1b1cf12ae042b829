import { createServer, type RequestListener, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { GatewayLimits } from '../config';

/** How often Node looks for connections past their header timeout; its default is 30 s. */
const CONNECTION_CHECK_MS = 1_000;

/**
 * The HTTP server under Fastify, made with the limits only its constructor takes: a client
 * that drips its headers (slowloris) is answered 408 and closed once HEADERS_TIMEOUT_MS
 * passes. There is no whole-request timeout: an upload may rightly take an hour; its body
 * is held to a minimum rate instead (guardBodyRate).
 */
export function limitedHttpServer(limits: GatewayLimits): (handler: RequestListener) => Server {
  return (handler) => {
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: 0,
        connectionsCheckingInterval: CONNECTION_CHECK_MS,
      },
      handler,
    );
    server.maxConnections = limits.maxConnections;
    return server;
  };
}

/**
 * A body sent to a route that takes none is never read; the connection is closed after the
 * answer, so that a body trickled behind it cannot hold the connection open.
 */
export function closeAfterUnreadBodies(fastify: FastifyInstance, routesWithBodies: readonly string[]): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const { headers } = request;
    const hasBody = Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
    if (hasBody && !routesWithBodies.includes(request.routeOptions.url ?? '')) {
      void reply.header('connection', 'close');
    }
    done();
  });
}

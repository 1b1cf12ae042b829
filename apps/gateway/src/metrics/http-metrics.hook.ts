import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from './gateway-metrics';

/**
 * Records every HTTP request when its response closes: on the raw response, so that
 * streamed answers (SSE, uploads) that bypass Fastify's reply count too, with their
 * whole duration. The route is Fastify's pattern (`/api/ticker/:symbol`), never the raw
 * URL, so that the label set stays small.
 */
export function recordHttpMetrics(fastify: FastifyInstance, metrics: GatewayMetrics): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.raw.once('close', () =>
      metrics.recordRequest(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.raw.statusCode,
        (performance.now() - started) / 1000,
      ),
    );
    done();
  });
}
